"""Window LED strip (窗口屏): the driver interface, our HCP/1 driver, and its worker."""

from __future__ import annotations

import logging
import time

from devices import hcp
from devices.registry import register_driver
from devices.transport import read_available
from devices.worker import DeviceWorker

log = logging.getLogger(__name__)


class LedDriver:
    """What a window LED strip driver does. Methods run on the worker thread with the open
    transport; they raise OSError when the port fails and hcp.HcpError for a refusal."""

    driver_name = "?"

    def __init__(self, transport, options: dict):
        self.t, self.options = transport, options

    def hello(self) -> str:
        """Check the device answers; return its model text."""
        raise NotImplementedError

    def show(self, text: str, scroll: bool = False) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


class HcpClient:
    """Request/answer over HCP/1; unsolicited frames are kept in `.pending`."""

    def __init__(self, transport, addr: int = 1, timeout: float = 1.0):
        self.t, self.addr, self.timeout = transport, addr, timeout
        self.decoder = hcp.HcpDecoder()
        self.pending: list[hcp.HcpFrame] = []

    def call(self, cmd: int, data: bytes = b"") -> bytes:
        self.t.write(hcp.encode(cmd, data, self.addr))
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for f in self.decoder.feed(read_available(self.t)):
                if f.cmd in (hcp.ACK, hcp.NAK) and f.data[:1] == bytes([cmd]):
                    if f.cmd == hcp.NAK:
                        code = f.data[1] if len(f.data) > 1 else 0
                        raise hcp.HcpError(f"设备拒绝命令：{hcp.NAK_CODES.get(code, f'错误 {code}')}")
                    return f.data[1:]
                self.pending.append(f)
        raise hcp.HcpError("设备无应答，请检查连接线、端口和波特率")

    def receive(self) -> list[hcp.HcpFrame]:
        out, self.pending = self.pending, []
        data = read_available(self.t)
        return out + (self.decoder.feed(data) if data else [])

    def ack(self, cmd: int, info: bytes = b"") -> None:
        self.t.write(hcp.encode(hcp.ACK, bytes([cmd]) + info, self.addr))


@register_driver("led", "default")
class HcpLedDriver(LedDriver):
    def __init__(self, transport, options):
        super().__init__(transport, options)
        self.hcp = HcpClient(transport, int(options.get("address", 1)))

    def hello(self) -> str:
        return self.hcp.call(hcp.PING).decode("utf-8", errors="replace")

    def show(self, text: str, scroll: bool = False) -> None:
        self.hcp.call(hcp.SHOW, bytes([1 if scroll else 0]) + text.encode("utf-8"))

    def clear(self) -> None:
        self.hcp.call(hcp.CLEAR)


class LedWorker(DeviceWorker):
    """Shows text on the strip; re-shows the last text after a reconnect (power cycle)."""

    def __init__(self, spec, bus=None, handler=None):
        super().__init__(spec, bus, handler)
        self.driver: LedDriver | None = None
        self.model = ""
        self.last: tuple[str, bool] | None = None
        self._restore_pending = False  # the last text must be shown again (after a reconnect)
        self._restore_told = False
        # A strip never speaks first: ping it now and then so an unplug is noticed and the
        # text is restored after a power cut.
        self.idle_interval = float(spec.options.get("ping_interval", 5.0))

    def idle(self) -> None:
        try:
            self.driver.hello()
        except hcp.HcpError as e:
            raise ConnectionError(e.message) from e
        self._restore()

    def on_connected(self) -> None:
        from devices.registry import driver_class

        self.driver = driver_class("led", self.spec.driver)(self.transport, self.spec.options)
        try:
            self.model = self.driver.hello()
        except hcp.HcpError as e:
            raise ConnectionError(e.message) from e  # an OSError: retried with backoff
        self._restore_pending = self.last is not None
        self._restore_told = False
        self._restore()

    def _restore(self) -> None:
        """Show the last text again after a reconnect (the strip lost it in a power cut). A
        strip that refuses (e.g. "busy" while booting) is asked again at the next ping; the
        clerk is told once."""
        if not self._restore_pending or self.last is None:
            self._restore_pending = False
            return
        try:
            self.driver.show(*self.last)
        except hcp.HcpError as e:
            log.warning("%s: re-show refused: %s", self.name, e.message)
            if not self._restore_told:
                self._restore_told = True
                self.error(f"窗口屏未能恢复显示内容（{e.message}），稍后自动重试", "reshow")
            return
        self._restore_pending = False

    def show(self, text: str, scroll: bool = False, timeout: float = 3.0):
        def run(t, token):
            self.last = (text, scroll)
            self._restore_pending = False  # newer text supersedes the one to restore
            self.driver.show(text, scroll)
        return self.submit(run, timeout=timeout)

    def clear(self, timeout: float = 3.0):
        def run(t, token):
            self.last = None
            self.driver.clear()
        return self.submit(run, timeout=timeout)

    def test(self):
        return self.show("测试 窗口屏 123", timeout=3.0)
