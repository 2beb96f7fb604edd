"""Thermal printer simulator: captures what is sent, answers DLE EOT status, renders the
printout to text and PNG (devices/simulators/escpos_render.py)."""

from __future__ import annotations

import threading

from devices.printer import COVER_OPEN_BIT, OFFLINE_PAPER_END_BIT, PAPER_END_BITS
from devices.simulators.base import PtySimulator
from devices.simulators.escpos_render import EscPosParser, render_png, render_text


class PrinterSimulator(PtySimulator):
    kind = "ticket_printer"

    def __init__(self, *, link=None, pace_baud=0, answers_status=True, out_dir=None):
        super().__init__(link=link, pace_baud=pace_baud)
        self.captured = bytearray()  # everything but the status queries
        self.parser = EscPosParser()
        self.ops = []
        self.paper_out = False
        self.cover_open = False
        self.answers_status = answers_status
        self.junk_status: bytes | None = None  # fault: noise sent before the status answer
        self.status_queries = 0
        self.out_dir = out_dir  # write ticket-N.txt/.png after every cut
        self.cuts = 0
        self.cut_event = threading.Event()

    def on_data(self, data: bytes) -> None:
        for op in self.parser.feed(data):
            if op.kind == "status":
                self.status_queries += 1
                if self.junk_status:
                    self.send(self.junk_status)
                if self.answers_status:
                    self.send(bytes([self._status(op.value)]))
                continue
            self.captured += op.raw
            if op.kind == "other":
                continue
            self.ops.append(op)
            if op.kind == "cut":
                self.cuts += 1
                self.cut_event.set()
                if self.out_dir:
                    self.save(f"{self.out_dir}/ticket-{self.cuts}")

    def _status(self, n: int) -> int:
        base = 0x12  # bits 1 and 4 are always set
        if n == 2:
            return base | (COVER_OPEN_BIT if self.cover_open else 0) | (OFFLINE_PAPER_END_BIT if self.paper_out else 0)
        if n == 4:
            return base | (PAPER_END_BITS if self.paper_out else 0)
        return base

    def text(self) -> str:
        return render_text(bytes(self.captured))

    def save(self, stem: str) -> None:
        from pathlib import Path

        Path(stem + ".txt").write_text(self.text(), encoding="utf-8")
        render_png(bytes(self.captured), stem + ".png")

    def clear(self) -> None:
        self.captured.clear()
        self.ops.clear()
        self.cut_event.clear()

