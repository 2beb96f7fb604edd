"""A fault-injecting HTTP proxy for fault drills and tests: put it between a window client
and the central server on loopback and make the network misbehave on purpose.

    proxy = FaultProxy("127.0.0.1", server_port).start()
    proxy.plan(["drop_response", "pass", "error500"])   # faults for the next requests, in order
    proxy.default = "pass"                               # after the plan runs out

Each client connection carries one request (the proxy answers `Connection: close`). Faults:
  pass            forward the request and the answer
  drop_request    read the request, close without forwarding (the server never sees it)
  drop_response   forward the request, wait for the server's whole answer (it has committed),
                  then close the client's connection without a byte
  delay:S         forward, then hold the answer S seconds (to trip the client's timeout)
  error500        answer 500 without forwarding
  garbage         answer 200 with bytes that are not JSON, without forwarding
  reset_mid_body  forward, send the first half of the answer, then reset the connection (RST)
  cut_request     forward half of the request body to the server, then reset both sides
"""

from __future__ import annotations

import collections
import socket
import struct
import threading
import time


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1", port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.default = "pass"
        self._plan: collections.deque[str] = collections.deque()
        self._lock = threading.Lock()
        self.log: list[tuple[str, str]] = []  # (request line, fault) of every request
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def plan(self, faults: list[str]) -> None:
        with self._lock:
            self._plan.extend(faults)

    def set_upstream(self, host: str, port: int) -> None:
        self.upstream = (host, port)

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass

    def _next_fault(self) -> str:
        with self._lock:
            return self._plan.popleft() if self._plan else self.default

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            head, body = _read_request(conn)
            if head is None:
                return
            fault = self._next_fault()
            with self._lock:
                self.log.append((head.split(b"\r\n", 1)[0].decode("latin-1"), fault))
            if fault == "drop_request":
                return
            if fault == "error500":
                conn.sendall(_response(500, b'{"error":"injected"}'))
                return
            if fault == "garbage":
                conn.sendall(_response(200, b"\x00\xff<html>not json at all</html>"))
                return
            up = socket.create_connection(self.upstream, timeout=60)
            try:
                if fault == "cut_request":
                    up.sendall(_close_header(head) + body[: len(body) // 2])
                    _reset(up)
                    _reset(conn)
                    return
                up.sendall(_close_header(head) + body)
                answer = _read_all(up)
            finally:
                up.close()
            if fault == "drop_response":
                return
            if fault.startswith("delay:"):
                time.sleep(float(fault.split(":", 1)[1]))
            if fault == "reset_mid_body":
                conn.sendall(answer[: max(1, len(answer) // 2)])
                _reset(conn)
                return
            conn.sendall(answer)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def _read_request(conn: socket.socket) -> tuple[bytes | None, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n", rest


def _close_header(head: bytes) -> bytes:
    lines = [ln for ln in head.rstrip(b"\r\n").split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n"


def _read_all(sock: socket.socket) -> bytes:
    out = bytearray()
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(out)
        out += chunk


def _response(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 500: "Internal Server Error"}[status]
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout turns close() into a TCP RST instead of an orderly FIN.
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
