"""Barcode scanners: serial scanners (driver + worker) and the keyboard-wedge burst detector.

A keyboard-wedge scanner "types" the code followed by Enter, much faster than a person can.
`WedgeDetector` is Qt-free: feed it key presses with their timestamps; it holds keys until it
knows whether they are a scan (a fast burst ending in Enter, which it returns as text) or typing
(which it hands back, in order, for the caller to deliver). Nothing typed is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    """Tells scanner bursts from typing without losing a typed character.

    Every printable key is *held* (not yet delivered) until it is clear what it is: if Enter
    follows within `max_gap` of the last key and at least `min_length` keys are held, the held
    keys were a scan and are dropped; otherwise (a pause longer than `max_gap`, a non-printable
    key, a short or slow Enter) they are released, in order, for the caller to deliver where
    they were typed. A person therefore sees each character at most `max_gap` late, and never
    loses one. `max_gap`: scanners send keys 1-20 ms apart; a fast typist rarely goes below
    60 ms, but two keys can land closer, which is why nothing is ever dropped on timing alone.

    `payload` is whatever the caller needs to re-deliver a key (the UI keeps the widget and the
    key event's fields); the detector only hands it back.
    """

    max_gap: float = 0.035
    min_length: int = 4
    held: list[tuple[str, Any]] = field(default_factory=list)
    last: float = -1.0

    def key(self, text: str, at: float, payload: Any = None) -> list:
        """A printable key at `at` seconds: held. Returns the payloads to deliver now, before
        this key (an earlier run that the pause showed to be typing)."""
        out = self.expire(at)
        self.held.append((text, payload))
        self.last = at
        return out

    def enter(self, at: float) -> tuple[str | None, list]:
        """Enter at `at`. Returns (scan, release): `scan` is the scanned text when the held keys
        were a scan (the caller swallows Enter too); else `release` are the held keys, to be
        delivered before Enter."""
        if self.held and at - self.last <= self.max_gap and len(self.held) >= self.min_length:
            scan = "".join(t for t, _ in self.held)
            self.held.clear()
            self.last = -1.0
            return scan, []
        return None, self.release()

    def expire(self, at: float) -> list:
        """The held keys when the line has been quiet longer than `max_gap` (else [])."""
        if self.held and at - self.last > self.max_gap:
            return self.release()
        return []

    def release(self) -> list:
        """All held keys' payloads, oldest first; nothing is held afterwards."""
        out = [p for _, p in self.held]
        self.held.clear()
        self.last = -1.0
        return out
