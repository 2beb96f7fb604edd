"""A PDF shown in the page and printed as shown (the same bytes, rendered at the printer's
resolution by the print spooler), for the fee documents."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.print_spooler import PrintResult, choose_printer, job_from_printer, spooler


class FeePdfView(QWidget):
    """The document and its view are siblings, the document first: Qt deletes children in
    creation order, and a document deleted after the view that listens to it (as its child)
    signals a half-destroyed view (a crash seen when a page is torn down)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("fees_pdf_view")
        self.doc = QPdfDocument(self)
        self.pdf_view = QPdfView(self)
        self.pdf_view.setDocument(self.doc)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pdf_view)
        self._buffer: QBuffer | None = None
        self.title = ""
        self._pdf = b""
        self.print_target: str | None = None  # a file path: print there without a dialog (tests)

    def show_pdf(self, pdf: bytes, title: str) -> None:
        self.doc.close()
        if self._buffer is not None:  # only the document shown is kept
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc.load(self._buffer)
        self.title = title
        self._pdf = pdf
        spooler().warm()

    def clear(self) -> None:
        self.doc.close()
        self.title = ""
        self._pdf = b""

    def print_current(self, done: Callable[[PrintResult], None]) -> bool:
        """Print what is shown through the print spooler; `done(result)` is called when the
        printer took it or failed. False (and no call) when cancelled or nothing is shown."""
        if self.doc.pageCount() == 0:
            return False
        printer = choose_printer(self, self.title, self.print_target)
        if printer is None:
            return False
        spooler().submit(job_from_printer(printer, self.title), self._pdf, done)
        return True
