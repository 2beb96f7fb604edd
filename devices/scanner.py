"""Barcode scanners: serial scanners (driver + worker) and the keyboard-wedge burst detector.

A keyboard-wedge scanner "types" the code followed by Enter, much faster than a person can.
`WedgeDetector` is Qt-free: feed it key presses with their timestamps; it returns the scanned
text when a fast burst ends in Enter, and tells the caller which keys to swallow so a scan does
not land in whatever line edit has focus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.events import Scanned
from devices.registry import register_driver
from devices.transport import read_available
from devices.worker import DeviceWorker


class ScannerDriver:
    driver_name = "?"

    def __init__(self, transport, options: dict):
        self.t, self.options = transport, options

    def poll(self) -> list[str]:
        raise NotImplementedError


@register_driver("scanner", "default")
class SerialLineScanner(ScannerDriver):
    """The factory setting of nearly every serial scanner: the code, then CR and/or LF."""

    def __init__(self, transport, options):
        super().__init__(transport, options)
        self.buf = bytearray()
        self.encoding = options.get("encoding", "gb18030")

    def poll(self) -> list[str]:
        self.buf += read_available(self.t)
        out = []
        while True:
            cut = [i for i in (self.buf.find(b"\r"), self.buf.find(b"\n")) if i >= 0]
            if not cut:
                if len(self.buf) > 4096:  # no terminator ever: a misconfigured scanner
                    self.buf.clear()
                return out
            i = min(cut)
            line = bytes(self.buf[:i]).decode(self.encoding, errors="replace").strip()
            del self.buf[: i + 1]
            if line:
                out.append(line)


class ScannerWorker(DeviceWorker):
    idle_interval = 0.02

    def on_connected(self) -> None:
        from devices.registry import driver_class

        self.driver = driver_class("scanner", self.spec.driver)(self.transport, self.spec.options)

    def idle(self) -> None:
        for text in self.driver.poll():
            self.publish(Scanned(self.name, text=text, source="serial"))


@dataclass
class WedgeDetector:
    """Tells scanner bursts from typing.

    `max_gap` is the longest pause between two keys of a scan (scanners: 1-20 ms; a fast typist
    rarely goes below 60 ms); `min_length` the shortest code accepted.
    """

    max_gap: float = 0.035
    min_length: int = 4
    buf: list[str] = field(default_factory=list)
    last: float = -1.0

    def key(self, text: str, at: float, enter: bool = False) -> tuple[str | None, bool]:
        """Feed one key press (`text` = its character, `at` = seconds). Returns (scan, swallow):
        `scan` is the scanned text when this Enter ends a burst; `swallow` says the key
        belongs to a burst in progress (so far it looks like a scan)."""
        fast = self.last >= 0 and at - self.last <= self.max_gap
        self.last = at
        if enter:
            scan = "".join(self.buf) if fast and len(self.buf) >= self.min_length else None
            self.buf.clear()
            return scan, scan is not None
        if not text or not text.isprintable():
            self.buf.clear()
            return None, False
        if not fast:
            self.buf = [text]
            return None, False
        self.buf.append(text)
        return None, len(self.buf) >= 2

    def reset(self) -> None:
        self.buf.clear()
        self.last = -1.0
