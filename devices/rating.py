"""Rating pad (评价器, 好差评): the driver interface, our HCP/1 driver, and its worker.

The host asks for a rating (`request(token)`: ticket or case number); the person presses one
of five keys, and for 不满意 / 非常不满意 also picks reasons; the pad reports a RATING frame that
becomes a `RatingGiven` event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from devices import hcp
from devices.events import RatingGiven
from devices.led import HcpClient
from devices.registry import register_driver
from devices.worker import DeviceWorker

#: A pad resends an unacknowledged rating every second for up to this long; the same rating
#: (number and content) seen again within it is a resend, counted once.
RESEND_WINDOW = 60.0

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
#: Reason codes a pad offers for ratings of 2 and 1 (our protocol; vendors map theirs).
REASONS = {
    "01": "办事效率低",
    "02": "服务态度差",
    "03": "一次性告知不到位",
    "04": "多次跑腿",
    "05": "等候时间过长",
    "06": "办事指南不清晰",
    "07": "环境设施不便",
    "99": "其他",
}


@dataclass(frozen=True)
class RatingResult:
    level: int
    reasons: tuple[str, ...] = ()
    token: str = ""


class RatingPadDriver:
    """What a rating pad driver does (runs on the worker thread with the open transport)."""

    driver_name = "?"

    def __init__(self, transport, options: dict):
        self.t, self.options = transport, options

    def hello(self) -> str:
        raise NotImplementedError

    def request(self, token: str, prompt: str = "") -> None:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError

    def poll(self) -> list[RatingResult]:
        """Ratings that arrived since the last call (non-blocking beyond the port timeout)."""
        raise NotImplementedError


@register_driver("rating_pad", "default")
class HcpRatingPadDriver(RatingPadDriver):
    def __init__(self, transport, options):
        super().__init__(transport, options)
        self.hcp = HcpClient(transport, int(options.get("address", 1)))
        self.rejected = 0
        self.duplicates = 0  # resends of a rating already counted (its ACK was lost)
        self._seen: dict[bytes, float] = {}  # DATA of ratings counted lately -> when last seen

    def hello(self) -> str:
        return self.hcp.call(hcp.PING).decode("utf-8", errors="replace")

    def request(self, token: str, prompt: str = "") -> None:
        self.hcp.call(hcp.REQUEST, token.encode("utf-8") + b"\x1f" + prompt.encode("utf-8"))

    def cancel(self) -> None:
        self.hcp.call(hcp.CANCEL)

    def poll(self) -> list[RatingResult]:
        out = []
        for f in self.hcp.receive():
            if f.cmd != hcp.RATING:
                continue
            try:
                seq, level, reasons, token = hcp.parse_rating(f.data)
            except hcp.HcpError:
                self.rejected += 1
                continue
            self.hcp.ack(hcp.RATING, bytes([seq]))  # acknowledged again: the pad stops resending
            if self._is_resend(f.data):
                self.duplicates += 1
                continue
            out.append(RatingResult(level, reasons, token))
        return out

    def _is_resend(self, data: bytes) -> bool:
        # Same number and same content within the pad's resend window. Every recent rating is
        # remembered, not only the last: two unacknowledged ratings resend alternately. A pad
        # that restarted numbers from 1 sends a new rating: it differs in content or comes later.
        now = time.monotonic()
        self._seen = {d: t for d, t in self._seen.items() if now - t < RESEND_WINDOW}
        again = data in self._seen
        self._seen[data] = now
        return again


class RatingPadWorker(DeviceWorker):
    idle_interval = 0.02  # the pad speaks on its own: listen often

    def __init__(self, spec, bus=None, handler=None):
        super().__init__(spec, bus, handler)
        self.driver: RatingPadDriver | None = None
        self.model = ""

    def on_connected(self) -> None:
        from devices.registry import driver_class

        self.driver = driver_class("rating_pad", self.spec.driver)(self.transport, self.spec.options)
        try:
            self.model = self.driver.hello()
        except hcp.HcpError as e:
            raise ConnectionError(e.message) from e

    def idle(self) -> None:
        for r in self.driver.poll():
            self.publish(RatingGiven(self.name, level=r.level, reasons=r.reasons, token=r.token))

    def request(self, token: str, prompt: str = "请对本次服务进行评价", timeout: float = 3.0):
        return self.submit(lambda t, tok: self.driver.request(token, prompt), timeout=timeout)

    def cancel_request(self, timeout: float = 3.0):
        return self.submit(lambda t, tok: self.driver.cancel(), timeout=timeout)

    def test(self):
        return self.submit(lambda t, tok: self.driver.hello(), timeout=3.0)
