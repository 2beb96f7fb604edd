"""Byte transports behind one small interface: a serial port, a TCP socket (`tcp://host:9100`)
or a file (`file:/path`, also `/dev/usb/lp0`-style printer devices).

All three are opened through pyserial's URL handlers where possible (`socket://` for TCP), so
read timeouts and exceptions behave the same way: any failure of the port raises
`serial.SerialException` (an OSError), which the workers treat as "port gone, reconnect".
"""

from __future__ import annotations

import os

import serial


class FileTransport:
    """Write-only sink: bytes appended to a file. Reads return nothing (no status)."""

    answers_status = False

    def __init__(self, path: str):
        self.path = path
        self._f = open(path, "ab", buffering=0)  # noqa: SIM115 - closed by close()

    def write(self, data: bytes) -> int:
        return self._f.write(data)

    def read(self, n: int = 1) -> bytes:
        return b""

    def flush(self) -> None:
        os.fsync(self._f.fileno()) if os.path.isfile(self.path) else None

    def reset_input_buffer(self) -> None:
        pass

    @property
    def in_waiting(self) -> int:
        return 0

    timeout = 0.0

    def close(self) -> None:
        self._f.close()


def describe(port: str) -> str:
    """How a port string is understood, for listings."""
    if port.startswith("tcp://"):
        return "网络 (TCP)"
    if port.startswith("file:"):
        return "文件"
    return "串口"


def open_transport(port: str, baud: int = 115200, timeout: float = 0.05):
    """Open `port`. Raises serial.SerialException (OSError) when it cannot be opened."""
    if port.startswith("file:"):
        try:
            return FileTransport(port[5:])
        except OSError as e:
            raise serial.SerialException(str(e)) from e
    if port.startswith("tcp://"):
        t = serial.serial_for_url("socket://" + port[6:], timeout=timeout, write_timeout=5)
        t.answers_status = True
        return t
    t = serial.Serial(port, baud, timeout=timeout, write_timeout=5)
    t.answers_status = True
    return t


def read_available(t) -> bytes:
    """What has arrived, waiting at most the transport's (short) timeout for the first byte.
    The timeout is fixed at open: changing it on a serial port costs a tcsetattr each time."""
    first = t.read(1)
    if not first:
        return b""
    n = t.in_waiting
    return first + (t.read(n) if n else b"")
