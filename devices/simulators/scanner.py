"""Serial barcode scanner simulator: `scan(text)` sends the code followed by CR LF."""

from __future__ import annotations

from devices.simulators.base import PtySimulator


class ScannerSimulator(PtySimulator):
    kind = "scanner"

    def scan(self, text: str, suffix: bytes = b"\r\n") -> None:
        self.send(text.encode("gb18030") + suffix)
