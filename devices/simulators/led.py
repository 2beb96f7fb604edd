"""Window LED strip simulator speaking HCP/1: remembers what it shows."""

from __future__ import annotations

import threading

from devices import hcp
from devices.simulators.base import PtySimulator


class HcpDevice(PtySimulator):
    model = "HCP-SIM"

    def __init__(self, *, link=None, pace_baud=0, addr: int = 1):
        super().__init__(link=link, pace_baud=pace_baud)
        self.decoder = hcp.HcpDecoder()
        self.addr = addr
        self.frames: list[hcp.HcpFrame] = []
        self.changed = threading.Event()
        self.stray_stx = 0  # fault: put a stray STX (line noise) before this many frames sent

    def send(self, data: bytes, chunk: int = 0, gap: float = 0.0) -> None:
        if self.stray_stx > 0:
            self.stray_stx -= 1
            data = bytes([hcp.STX]) + data
        super().send(data, chunk, gap)

    def on_data(self, data: bytes) -> None:
        for f in self.decoder.feed(data):
            if f.addr != self.addr:
                continue  # another device on the RS-485 bus
            self.frames.append(f)
            self.handle(f)
            self.changed.set()

    def ack(self, cmd: int, info: bytes = b"") -> None:
        self.send(hcp.encode(hcp.ACK, bytes([cmd]) + info, self.addr))

    def nak(self, cmd: int, code: int) -> None:
        self.send(hcp.encode(hcp.NAK, bytes([cmd, code]), self.addr))

    def handle(self, f: hcp.HcpFrame) -> None:
        if f.cmd == hcp.PING:
            self.ack(f.cmd, self.model.encode())
        else:
            self.nak(f.cmd, 0x02)


class LedSimulator(HcpDevice):
    kind = "led"
    model = "HCP-LED-SIM 1.0"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.shown = ""
        self.scroll = False
        self.brightness = 15
        self.history: list[str] = []
        self.busy_shows = 0  # fault: refuse this many SHOW commands with NAK "busy" (booting)

    def handle(self, f: hcp.HcpFrame) -> None:
        if f.cmd == hcp.SHOW and self.busy_shows > 0:
            self.busy_shows -= 1
            self.nak(f.cmd, 0x04)
        elif f.cmd == hcp.SHOW and f.data:
            self.scroll = bool(f.data[0])
            self.shown = f.data[1:].decode("utf-8", errors="replace")
            self.history.append(self.shown)
            self.ack(f.cmd)
        elif f.cmd == hcp.CLEAR:
            self.shown = ""
            self.ack(f.cmd)
        elif f.cmd == hcp.BRIGHTNESS and f.data and f.data[0] <= 15:
            self.brightness = f.data[0]
            self.ack(f.cmd)
        elif f.cmd == hcp.BRIGHTNESS:
            self.nak(f.cmd, 0x03)
        else:
            super().handle(f)
