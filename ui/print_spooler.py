"""Printing in a process of its own, so the window answers every key while a page prints.

A PDF page is printed by rendering it at the printer's resolution and drawing the image on the
printer (QtPdf + QPainter): a few hundred milliseconds of C++ work per page that holds Python's
lock for each call. On a worker thread of the window process that lock is what the window's
application-wide event filters (auto-lock idle watch, keyboard-wedge scanner) need for every
event, so each repaint during a print waited for it: Ctrl+P took 200-270 ms to answer (issue
11). The spooler child shares no lock with the window.

One child per window process, started on first use (`warm()` starts it early) and kept for the
day; a child that dies is started again by the next job, and the jobs it held fail. Protocol on
the child's stdin/stdout: a JSON header line then the PDF bytes; one JSON line back per job, in
order. The child is the same program (`hallclient print-spooler`), frozen or not.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QObject, QProcess, QProcessEnvironment, QRect, QSize, QSizeF, Qt
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter

log = logging.getLogger(__name__)

#: Rows of a printed page rendered and drawn at a time: a whole A4 page at 300 dpi is a 35 MB
#: image; bands keep the child small.
PRINT_BAND_PX = 256


@dataclass(frozen=True)
class PrintJob:
    """What to print and where: the settings a printer dialog leaves on a QPrinter, as data.

    `exact_mm` (width, height): print at exact scale on a page of that size with no margins
    (certificates on pre-printed blanks); None: fit each page into the printable area (notices,
    receipts). `output_file`: a PDF file instead of a printer."""

    doc_name: str
    printer_name: str = ""  # "" = the system's default printer
    output_file: str = ""
    copies: int = 1
    resolution: int = 300
    duplex: int = 0  # QPrinter.DuplexMode value
    color: int = 1  # QPrinter.ColorMode value (1 = colour)
    page_size_pt: tuple[float, float] | None = None  # the paper the dialog chose
    landscape: bool = False
    exact_mm: tuple[float, float] | None = None


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    error: str = ""  # Chinese, for the clerk, when not ok
    where: str = ""  # the printer or file it went to (for the print record)


def job_from_printer(printer: QPrinter, doc_name: str) -> PrintJob:
    """The job a set-up QPrinter (after the printer dialog, or set for a file) describes."""
    size = printer.pageLayout().pageSize().sizePoints()
    return PrintJob(
        doc_name=doc_name,
        printer_name="" if printer.outputFileName() else printer.printerName(),
        output_file=printer.outputFileName(),
        copies=max(1, printer.copyCount()),
        resolution=printer.resolution(),
        duplex=printer.duplex().value,
        color=printer.colorMode().value,
        page_size_pt=(size.width(), size.height()),
        landscape=printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape,
    )


def choose_printer(parent, title: str, print_target: str | None = None) -> QPrinter | None:
    """The printer for a document: the system's printer dialog, or with `print_target` (a PDF
    file: tests, 'print to file' set-ups) that file without asking. None when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(300)  # enough for text and barcodes; 1200 dpi pages would be 500 MB images
    printer.setDocName(title)
    if print_target:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(print_target)
        return printer
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印" + title)
    return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None


# -- the child ---------------------------------------------------------------------------------
def make_printer(job: PrintJob) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if job.output_file:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(job.output_file)
    elif job.printer_name:
        printer.setPrinterName(job.printer_name)
    printer.setResolution(job.resolution)
    printer.setDocName(job.doc_name)
    printer.setCopyCount(job.copies)
    printer.setDuplex(QPrinter.DuplexMode(job.duplex))
    printer.setColorMode(QPrinter.ColorMode(job.color))
    orientation = QPageLayout.Orientation.Landscape if job.landscape else QPageLayout.Orientation.Portrait
    if job.exact_mm:
        w, h = job.exact_mm
        printer.setFullPage(True)
        size = QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Millimeter, "证照", QPageSize.SizeMatchPolicy.ExactMatch)
        orientation = QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait
        printer.setPageLayout(QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    elif job.page_size_pt:
        printer.setPageSize(QPageSize(QSizeF(*job.page_size_pt), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch))
        printer.setPageOrientation(orientation)
    return printer


def paint(pdf: bytes, job: PrintJob, printer: QPrinter) -> bool:
    """Draw every page of `pdf` on `printer`; whether the printer took them (False: it could
    not be opened or reported an error). A printer that cannot make copies itself (PDF output,
    X11 without CUPS) gets the pages once per copy."""
    buf = QBuffer()
    buf.setData(QByteArray(pdf))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument()
    doc.load(buf)
    try:
        if doc.pageCount() == 0:
            return False
        repeats = 1 if printer.supportsMultipleCopies() else job.copies
        pages = [0] if job.exact_mm else list(range(doc.pageCount()))
        painter = QPainter()
        if not printer.isValid() or not painter.begin(printer):
            return False
        try:
            for n, page in enumerate(pages * repeats):
                if n:
                    printer.newPage()
                if job.exact_mm:  # 1 mm on the PDF is 1 mm on paper, from the paper's corner
                    dpi = printer.resolution()
                    w, h = (round(v / 25.4 * dpi) for v in job.exact_mm)
                    x0 = y0 = 0
                else:
                    rect = painter.viewport()
                    size = doc.pagePointSize(page).toSize().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
                    w, h, x0, y0 = size.width(), size.height(), rect.x(), rect.y()
                for y in range(0, h, PRINT_BAND_PX):
                    band = min(PRINT_BAND_PX, h - y)
                    opts = QPdfDocumentRenderOptions()
                    opts.setScaledSize(QSize(w, h))
                    opts.setScaledClipRect(QRect(0, y, w, band))
                    painter.drawImage(QRect(x0, y0 + y, w, band), doc.render(page, QSize(w, band), opts))
        finally:
            ended = painter.end()
        return ended and printer.printerState() != QPrinter.PrinterState.Error
    finally:
        doc.close()
        buf.close()


def print_job(job: PrintJob, pdf: bytes) -> PrintResult:
    printer = make_printer(job)
    where = job.output_file or printer.printerName() or "默认打印机"
    if paint(pdf, job, printer):
        return PrintResult(True, where=where)
    log.warning("print of %s failed on %s (state %s)", job.doc_name, where, printer.printerState())
    if job.output_file:
        return PrintResult(False, "无法写入打印文件：请检查保存位置是否存在、可写、磁盘是否已满", where)
    return PrintResult(False, f"打印机“{where}”不可用：请检查打印机是否开机、有纸、已连接", where)


def serve(stdin=None, stdout=None) -> int:
    """The child's loop: jobs from stdin, results to stdout, until stdin closes."""
    from PySide6.QtWidgets import QApplication

    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    app = QApplication.instance() or QApplication([sys.argv[0]])  # noqa: F841 - QtPdf and QPrinter need one
    while True:
        header = stdin.readline()
        if not header:
            return 0
        head = json.loads(header)
        pdf = stdin.read(head["length"])
        try:
            job = PrintJob(**{**head["job"], **{k: tuple(v) for k, v in head["job"].items()
                                                if k in ("page_size_pt", "exact_mm") and v}})
            result = print_job(job, pdf)
        except Exception as e:  # noqa: BLE001 - one bad job must not end the spooler
            log.exception("print job failed")
            result = PrintResult(False, f"打印失败：{e}")
        stdout.write(json.dumps({"id": head["id"], **asdict(result)}, ensure_ascii=False).encode() + b"\n")
        stdout.flush()


# -- the window's side -------------------------------------------------------------------------
def _child_command() -> tuple[str, list[str]]:
    if getattr(sys, "frozen", False):
        # The console executable beside the window's (Qt starts it without a console window).
        exe = Path(sys.executable).with_name("hallclient.exe" if os.name == "nt" else "hallclient")
        return str(exe), ["print-spooler"]
    return sys.executable, ["-m", "hallclient", "print-spooler"]


@dataclass
class _Pending:
    id: int
    done: Callable[[PrintResult], None]
    data: bytes = field(repr=False, default=b"")


class PrintSpooler(QObject):
    """Sends jobs to the child and calls each job's `done(PrintResult)` on the UI thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._pending: deque[_Pending] = deque()
        self._next_id = 1
        self._out = b""

    def warm(self) -> None:
        """Start the child now, so the first print does not wait for it."""
        if self._proc is None:
            self._start()

    def submit(self, job: PrintJob, pdf: bytes, done: Callable[[PrintResult], None]) -> None:
        if self._proc is None:
            self._start()
        p = _Pending(self._next_id, done)
        self._next_id += 1
        header = json.dumps({"id": p.id, "length": len(pdf), "job": asdict(job)}, ensure_ascii=False).encode()
        self._pending.append(p)
        self._proc.write(header + b"\n" + pdf)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.closeWriteChannel()  # the child ends at end of input
            if not proc.waitForFinished(3000):
                proc.kill()
                proc.waitForFinished(1000)

    def _start(self) -> None:
        proc = QProcess(self)
        program, args = _child_command()
        env = QProcessEnvironment.systemEnvironment()
        # The child renders offscreen if the window does (tests, CI); else the same platform.
        env.insert("QT_QPA_PLATFORM", QGuiApplication.platformName() or "offscreen")
        root = str(Path(__file__).resolve().parent.parent)
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        proc.setProcessEnvironment(env)
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        proc.setReadChannel(QProcess.ProcessChannel.StandardOutput)
        proc.readyReadStandardOutput.connect(self._read)
        proc.readyReadStandardError.connect(self._stderr)
        proc.finished.connect(self._finished)
        proc.errorOccurred.connect(self._error)
        self._proc = proc
        self._out = b""
        proc.start(program, args)

    def _stderr(self) -> None:
        if self._proc is not None:
            text = bytes(self._proc.readAllStandardError()).decode(errors="replace").strip()
            if text:
                log.warning("print spooler: %s", text)

    def _finished(self, *_) -> None:
        self._died(self.sender())

    def _error(self, err) -> None:
        if err == QProcess.ProcessError.FailedToStart:
            self._died(self.sender())

    def _read(self) -> None:
        if self._proc is None:
            return
        self._out += bytes(self._proc.readAllStandardOutput())
        while b"\n" in self._out:
            line, self._out = self._out.split(b"\n", 1)
            try:
                answer = json.loads(line)
            except ValueError:
                log.warning("print spooler wrote %r", line[:200])
                continue
            if not self._pending or self._pending[0].id != answer.get("id"):
                log.warning("print spooler answered job %s out of turn", answer.get("id"))
                continue
            p = self._pending.popleft()
            p.done(PrintResult(bool(answer["ok"]), answer.get("error", ""), answer.get("where", "")))

    def _died(self, proc) -> None:
        if proc is None or proc is not self._proc:
            return
        log.warning("print spooler ended (%s): %d job(s) failed", proc.errorString(), len(self._pending))
        self._proc = None  # the next job starts a new child
        failed, self._pending = self._pending, deque()
        for p in failed:
            p.done(PrintResult(False, "打印程序意外退出，本次没有打印：请按打印键重试"))


_spooler: PrintSpooler | None = None


def spooler() -> PrintSpooler:
    """The process's one spooler (closed with the application)."""
    global _spooler
    if _spooler is None:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        _spooler = PrintSpooler(app)
        app.aboutToQuit.connect(_spooler.close)
    return _spooler
