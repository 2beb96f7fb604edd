"""Typed device events and the bus that delivers them to subscribers.

Workers publish on their own threads; a subscriber that touches a UI must hop to its own thread
(ui/devices_ui.py re-emits them as Qt signals). Events are plain frozen dataclasses: safe to
hand across threads.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable

from hallclient.identity import IdentityDocument

log = logging.getLogger(__name__)


class DeviceState(str, Enum):
    DISABLED = "disabled"
    CONNECTING = "connecting"
    READY = "ready"
    BUSY = "busy"
    DISCONNECTED = "disconnected"  # port missing or failing; reconnecting with backoff
    ERROR = "error"  # connected but the device reports a fault (paper out, SAM failure)

    @property
    def label(self) -> str:
        return {
            "disabled": "未启用", "connecting": "正在连接", "ready": "就绪", "busy": "工作中",
            "disconnected": "未连接", "error": "故障",
        }[self.value]


@dataclass(frozen=True)
class DeviceEvent:
    device: str  # the device's name (e.g. "id_reader", "id_reader#2")
    at: float = field(default_factory=time.monotonic, kw_only=True)


@dataclass(frozen=True)
class DeviceStatusChanged(DeviceEvent):
    kind: str
    state: DeviceState
    detail: str = ""  # Chinese, for the status bar tooltip


@dataclass(frozen=True)
class DeviceError(DeviceEvent):
    message: str  # Simplified Chinese, what happened and what to do
    code: str = ""  # e.g. "sam_41", "checksum", "paper_out"


@dataclass(frozen=True)
class CardRead(DeviceEvent):
    document: IdentityDocument


@dataclass(frozen=True)
class ReaderRearmed(DeviceEvent):
    """The reader is ready for the next card: after a read it reported "no card" once. This is
    NOT "the card was taken away": readers stop finding a card once it has been read, while it
    still lies on them (the card must leave the field before it is found again)."""


@dataclass(frozen=True)
class Scanned(DeviceEvent):
    text: str
    source: str = "serial"  # serial | wedge


@dataclass(frozen=True)
class RatingGiven(DeviceEvent):
    level: int  # 5 非常满意 .. 1 非常不满意
    reasons: tuple[str, ...] = ()  # reason codes, for levels <= 2
    token: str = ""  # what the request was about (ticket or case number)


@dataclass(frozen=True)
class PrinterStatus(DeviceEvent):
    online: bool
    paper_out: bool = False
    paper_near_end: bool = False
    cover_open: bool = False
    answered: bool = True  # False: the printer (or a file/TCP sink) does not answer DLE EOT


Subscriber = Callable[[DeviceEvent], None]


class EventBus:
    """Thread-safe fan-out. A failing subscriber is logged and does not stop the others."""

    def __init__(self):
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subs.append(fn)
        return lambda: self.unsubscribe(fn)

    def unsubscribe(self, fn: Subscriber) -> None:
        with self._lock:
            if fn in self._subs:
                self._subs.remove(fn)

    def publish(self, event: DeviceEvent) -> None:
        with self._lock:
            subs = list(self._subs)
        for fn in subs:
            try:
                fn(event)
            except Exception:  # noqa: BLE001 - one bad subscriber must not silence the rest
                # the event's name only: a CardRead carries the name, address and ID number
                log.exception("device event subscriber failed on %s", type(event).__name__)
