"""Byte transports behind one small interface: a serial port, a TCP socket (`tcp://host:9100`)
or a file (`file:/path`, also `/dev/usb/lp0`-style printer devices).

All three are opened through pyserial's URL handlers where possible (`socket://` for TCP), so
read timeouts and exceptions behave the same way: any failure of the port raises
`serial.SerialException` (an OSError), which the workers treat as "port gone, reconnect".
"""

from __future__ import annotations

import errno
import os

import serial

#: What an errno means for a port, said to the clerk or the IT staff (never pyserial's English).
_ERRNO_TEXT = {
    errno.ENOENT: "端口不存在",
    errno.EACCES: "无权限访问端口（Linux 请把用户加入 dialout 组）",
    errno.EPERM: "无权限访问端口（Linux 请把用户加入 dialout 组）",
    errno.EBUSY: "端口被其他程序占用",
    errno.EAGAIN: "端口被其他程序占用",
    errno.ENOTTY: "该路径不是串口设备",
    errno.ENODEV: "设备已断开",
    errno.ENXIO: "设备已断开",
    errno.EIO: "端口读写出错，设备可能已拔出",
    errno.ECONNREFUSED: "连接被拒绝，请检查设备是否开机、地址和端口号",
    errno.ETIMEDOUT: "连接超时，请检查网络和设备地址",
    errno.EHOSTUNREACH: "网络不通，无法到达设备地址",
    errno.ENETUNREACH: "网络不通，无法到达设备地址",
    errno.EISDIR: "该路径是一个目录",
}
#: Windows: pyserial puts only the repr of a WinError into the message, without an errno.
_WINDOWS_TEXT = (("FileNotFoundError", "端口不存在"), ("PermissionError", "端口被其他程序占用或无权限访问"))
GENERIC_PORT_ERROR = "端口不可用，请检查设备连接和端口设置"


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


def _errno_of(exc: BaseException) -> int | None:
    """The errno of `exc` or of the error it was raised from (pyserial re-raises socket and
    termios errors as SerialException, sometimes without copying the errno)."""
    seen = 0
    while exc is not None and seen < 4:
        code = getattr(exc, "errno", None)
        if code is None and exc.args and isinstance(exc.args[0], int):
            code = exc.args[0]  # termios.error(25, ...)
        if isinstance(code, int):
            return code
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def port_error_text(exc: BaseException) -> str:
    """A Chinese sentence for a failed port (OSError / serial.SerialException): why it failed
    and, where known, what to do. The English original belongs in the log only."""
    code = _errno_of(exc)
    if code in _ERRNO_TEXT:
        return _ERRNO_TEXT[code]
    if isinstance(exc, TimeoutError):
        return _ERRNO_TEXT[errno.ETIMEDOUT]
    text = str(exc)
    for marker, message in _WINDOWS_TEXT:
        if marker in text:
            return message
    if "timed out" in text:
        return _ERRNO_TEXT[errno.ETIMEDOUT]
    if "Connection refused" in text:
        return _ERRNO_TEXT[errno.ECONNREFUSED]
    return GENERIC_PORT_ERROR


def describe(port: str) -> str:
    """How a port string is understood, for listings."""
    if port.startswith("tcp://"):
        return "网络 (TCP)"
    if port.startswith("file:"):
        return "文件"
    if port == "keyboard":
        return "键盘（扫码枪模拟键盘输入）"
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
