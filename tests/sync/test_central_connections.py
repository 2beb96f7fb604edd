"""Connections that misbehave: an upload aborted halfway is one log line (no traceback); a
body that stalls is dropped with a 408 (30 s in production, 1 s here); the server serves others
meanwhile and afterwards."""

from __future__ import annotations

import logging
import socket
import struct
import time

import pytest
import requests

from sync.server import create_app, web
from sync.server.run import ServerThread


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def server_logs():
    """Every record of the server's and uvicorn's loggers (uvicorn's do not propagate)."""
    h = _Collect()
    names = ["sync.server", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi"]
    for n in names:
        logging.getLogger(n).addHandler(h)
    old = logging.getLogger("sync.server").level
    logging.getLogger("sync.server").setLevel(logging.DEBUG)
    yield h.records
    logging.getLogger("sync.server").setLevel(old)
    for n in names:
        logging.getLogger(n).removeHandler(h)


def _headers(token: str, length: int) -> bytes:
    return (
        "POST /v1/push HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _wait_for(records, words: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(words in r.getMessage() for r in records):
            return
        time.sleep(0.05)
    raise AssertionError(f"no log line with {words!r}: {[r.getMessage() for r in records]}")


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_an_aborted_upload_is_one_log_line(sqlite_server, sx, server_logs, reset):
    token = sx.new_device(sqlite_server.db)
    sock = socket.create_connection((sqlite_server.host, sqlite_server.port), timeout=10)
    sock.sendall(_headers(token, 100_000) + b'{"items":[' + b" " * 5000)
    time.sleep(0.2)  # let the server start reading the body (the outcome must not depend on it)
    if reset:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    _wait_for(server_logs, "went away during the upload")
    time.sleep(0.3)  # anything else the abort would log arrives meanwhile
    lines = [r for r in server_logs if r.levelno >= logging.INFO]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None and "Traceback" not in lines[0].getMessage()
    # and the server goes on serving
    r = requests.post(sqlite_server.url + "/v1/hello", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200


def test_a_stalled_body_is_dropped(sqlite_url, sx, server_logs):
    st = ServerThread(sqlite_url, app=create_app(sqlite_url, body_idle_s=1.0)).start()
    try:
        token = sx.new_device(st.db)
        sock = socket.create_connection((st.host, st.port), timeout=20)
        sock.sendall(_headers(token, 200) + b'{"items":[' + b" " * 80)  # half a body, then nothing
        t0 = time.monotonic()
        # Meanwhile another client is served.
        assert requests.post(st.url + "/v1/hello", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
        answer = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break  # the server closed the connection
            answer += chunk
        waited = time.monotonic() - t0
        sock.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert "请求体".encode() in answer
        assert 0.9 <= waited < 15
        _wait_for(server_logs, "stalled; dropped")
        assert not any(r.exc_info for r in server_logs)
    finally:
        st.stop()


def test_the_production_stall_limit_is_30_s(sqlite_url):
    app = create_app(sqlite_url)
    [mw] = [m for m in app.user_middleware if m.cls is web.BodyTimeout]
    assert mw.kwargs["idle_s"] == web.BODY_IDLE_TIMEOUT_S == 30.0
    app.state.db.close()
