"""Ticket/receipt printer transport: send ESC/POS bytes, ask for the status (DLE EOT).

The bytes themselves (Chinese mode, GB18030, raster rare characters, CODE128, QR, cut) are
laid out by printing/ (printing/escpos.py, printing/ticket.py); this module only carries them
to a serial port, a TCP 9100 socket or a file, and reads the real-time status where the printer
answers it.
"""

from __future__ import annotations

import time

from devices.events import DeviceState, PrinterStatus
from devices.transport import open_transport, read_available
from devices.worker import DeviceWorker
from hallclient.errors import HallError

DLE_EOT = b"\x10\x04"
# DLE EOT 2 (off-line cause): bit 2 cover open, bit 5 stopped by paper end.
# DLE EOT 4 (roll paper sensor): bits 2-3 near end, bits 5-6 paper end.
COVER_OPEN_BIT = 0x04
OFFLINE_PAPER_END_BIT = 0x20
NEAR_END_BITS = 0x0C
PAPER_END_BITS = 0x60


class PrinterError(HallError):
    """Paper out / cover open: `message` is what to tell the person at the printer."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code


#: A real DLE EOT status byte has bits 1 and 4 set and bits 0 and 7 clear (ESC/POS): anything
#: else is line noise, an echo, or a printer speaking another protocol, not a status.
STATUS_MASK, STATUS_FIXED = 0x93, 0x12


def is_status_byte(b: int) -> bool:
    return b & STATUS_MASK == STATUS_FIXED


def _status_byte(t, n: int, timeout: float) -> int | None:
    t.reset_input_buffer()
    t.write(DLE_EOT + bytes([n]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        valid = [b for b in read_available(t) if is_status_byte(b)]
        if valid:
            return valid[-1]
    return None


def query_status(t, device: str = "printer", timeout: float = 0.5) -> PrinterStatus:
    """Ask DLE EOT 2 and 4. A file sink or a printer that stays silent (or answers bytes that
    are no status) gives answered=False."""
    if not getattr(t, "answers_status", False):
        return PrinterStatus(device, online=True, answered=False)
    off = _status_byte(t, 2, timeout)
    if off is None:
        return PrinterStatus(device, online=True, answered=False)
    roll = _status_byte(t, 4, timeout)
    roll = roll or 0
    paper_out = bool(off & OFFLINE_PAPER_END_BIT) or (roll & PAPER_END_BITS) == PAPER_END_BITS
    cover = bool(off & COVER_OPEN_BIT)
    return PrinterStatus(device, online=not (paper_out or cover), paper_out=paper_out,
                         paper_near_end=(roll & NEAR_END_BITS) == NEAR_END_BITS, cover_open=cover)


def problem_message(st: PrinterStatus) -> str | None:
    if st.paper_out:
        return "小票打印机缺纸，请装入新的纸卷后重试"
    if st.cover_open:
        return "小票打印机上盖未合上，请合上后重试"
    return None


def send(t, data: bytes, device: str = "printer", check_status: bool = True) -> PrinterStatus:
    """Check the status, then write `data`. Raises PrinterError (paper out / cover open)."""
    st = query_status(t, device) if check_status else PrinterStatus(device, online=True, answered=False)
    msg = problem_message(st)
    if msg:
        raise PrinterError(msg, "paper_out" if st.paper_out else "cover_open")
    # Large tickets with raster images: write in pieces so a slow 9600-baud line does not trip
    # the write timeout and a vanished port fails fast.
    for i in range(0, len(data), 4096):
        t.write(data[i : i + 4096])
    if hasattr(t, "flush"):
        t.flush()
    return st


def print_once(port: str, baud: int, data: bytes) -> PrinterStatus:
    """Open, print, close: for the command line and the settings dialog's test button."""
    t = open_transport(port, baud, timeout=0.05)
    try:
        return send(t, data)
    finally:
        t.close()


class PrinterWorker(DeviceWorker):
    """Prints queued tickets one at a time; checks the status every `status_interval` s."""

    def __init__(self, spec, bus=None, handler=None):
        super().__init__(spec, bus, handler)
        self.idle_interval = float(spec.options.get("status_interval", 10.0))
        self.last_status: PrinterStatus | None = None
        # A printer that never answers DLE EOT would add the status timeout (0.5 s) to every
        # ticket: after SILENT_LIMIT silent queries in a row tickets go out unchecked. The idle
        # check keeps asking, so a printer that starts answering is checked again.
        self.silent_queries = 0

    SILENT_LIMIT = 2

    @property
    def status_silent(self) -> bool:
        return self.silent_queries >= self.SILENT_LIMIT

    def on_connected(self) -> None:
        self.silent_queries = 0  # maybe another printer now: ask it afresh
        self._check()

    def idle(self) -> None:
        self._check()

    def _check(self) -> PrinterStatus:
        st = query_status(self.transport, self.name)
        self._count(st)
        self._note(st)
        return st

    def _count(self, st: PrinterStatus) -> None:
        if getattr(self.transport, "answers_status", False):
            self.silent_queries = 0 if st.answered else self.silent_queries + 1

    def _note(self, st: PrinterStatus) -> None:
        prev = self.last_status
        self.last_status = st
        if prev is None or (prev.paper_out, prev.cover_open) != (st.paper_out, st.cover_open):
            self.publish(st)
            msg = problem_message(st)
            if msg:
                self.set_state(DeviceState.ERROR, msg)
                self.error(msg, "paper_out" if st.paper_out else "cover_open")
                (self.handler.printer_paper_out if st.paper_out else self.handler.printer_cover_open)(self.name)
            else:
                self.set_state(DeviceState.READY)

    def print_bytes(self, data: bytes, timeout: float = 30.0):
        """A Future of the print; fails with PrinterError when paper is out or the cover open."""
        def run(t, token):
            try:
                st = send(t, data, self.name, check_status=not self.status_silent)
            except PrinterError:
                self._check()
                raise
            if not self.status_silent:
                self._count(st)
            self._note(st) if st.answered else None
            return st
        return self.submit(run, timeout=timeout)

    def status(self, timeout: float = 3.0):
        return self.submit(lambda t, tok: self._check(), timeout=timeout)
