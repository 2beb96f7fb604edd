"""Rating pad simulator speaking HCP/1. `press(level, reasons)` is the person pressing keys."""

from __future__ import annotations

import threading

from devices import hcp
from devices.simulators.led import HcpDevice


class RatingPadSimulator(HcpDevice):
    kind = "rating_pad"
    model = "HCP-PAD-SIM 1.0"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.token = ""
        self.prompt = ""
        self.requested = threading.Event()
        self.acked = threading.Event()
        self.unacked: list[bytes] = []

    def handle(self, f: hcp.HcpFrame) -> None:
        if f.cmd == hcp.REQUEST:
            token, _, prompt = f.data.partition(b"\x1f")
            self.token, self.prompt = token.decode("utf-8", "replace"), prompt.decode("utf-8", "replace")
            self.requested.set()
            self.ack(f.cmd)
        elif f.cmd == hcp.CANCEL:
            self.token = ""
            self.requested.clear()
            self.ack(f.cmd)
        elif f.cmd == hcp.ACK and f.data[:1] == bytes([hcp.RATING]):
            if self.unacked:
                self.unacked.pop(0)
            self.acked.set()
        else:
            super().handle(f)

    def press(self, level: int, reasons: tuple[str, ...] = (), token: str | None = None) -> None:
        """The person rates: sends an unsolicited RATING frame."""
        data = hcp.rating_data(level, tuple(reasons), self.token if token is None else token)
        self.unacked.append(data)
        self.acked.clear()
        self.send(hcp.encode(hcp.RATING, data, self.addr))
        self.token = ""
        self.requested.clear()
