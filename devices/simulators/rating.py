"""Rating pad simulator speaking HCP/1. `press(level, reasons)` is the person pressing keys.

Like a real pad it numbers its ratings and resends one every `resend_interval` s until the
host acknowledges that number; `lose_acks = n` drops the next n ACKs (lost on the line)."""

from __future__ import annotations

import threading
import time

from devices import hcp
from devices.simulators.led import HcpDevice


class RatingPadSimulator(HcpDevice):
    kind = "rating_pad"
    model = "HCP-PAD-SIM 1.0"

    def __init__(self, resend_interval: float = 1.0, **kw):
        super().__init__(**kw)
        self.token = ""
        self.prompt = ""
        self.requested = threading.Event()
        self.acked = threading.Event()
        self.seq = 0
        self.unacked: list[tuple[int, bytes]] = []  # (seq, DATA), oldest first
        self.resend_interval = resend_interval
        self.resends = 0
        self.lose_acks = 0
        self._sent_at = 0.0
        self._ulock = threading.Lock()

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
            if self.lose_acks > 0:
                self.lose_acks -= 1
                return
            with self._ulock:
                self.unacked = [u for u in self.unacked if bytes([u[0]]) != f.data[1:2]]
                if not self.unacked:
                    self.acked.set()
        else:
            super().handle(f)

    def press(self, level: int, reasons: tuple[str, ...] = (), token: str | None = None) -> None:
        """The person rates: sends an unsolicited RATING frame."""
        self.seq = hcp.next_seq(self.seq)
        data = hcp.rating_data(level, tuple(reasons), self.token if token is None else token, self.seq)
        with self._ulock:
            self.unacked.append((self.seq, data))
            self.acked.clear()
            self._sent_at = time.monotonic()
        self.send(hcp.encode(hcp.RATING, data, self.addr))
        self.token = ""
        self.requested.clear()

    def tick(self) -> None:
        with self._ulock:
            due = self.unacked and time.monotonic() - self._sent_at >= self.resend_interval
            if due:
                self._sent_at = time.monotonic()
                pending = list(self.unacked)
        if due:
            for _, data in pending:
                self.resends += 1
                self.send(hcp.encode(hcp.RATING, data, self.addr))
