"""Document preview (QtPdf) and printing through the system printer dialog (QtPrintSupport).

The PDF shown is the PDF printed: the print spooler (ui.print_spooler, a process of its own)
renders the same bytes at the printer's resolution. Every print is logged (hallclient.intake.prints) with who, which
document, first print or reprint; a reprint was rendered with the 补打 mark.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui.intake.jobs import DOC_TITLES, RenderedDocument, log_printed, render
from ui.ops import Op, error_text
from ui.print_spooler import PrintResult, choose_printer, job_from_printer, spooler

log = logging.getLogger(__name__)

class DocumentPreview(QWidget):
    """Shows one document of a case; `print_document()` prints it (Ctrl+P on the page).

    `print_target`: when set to a file path, printing goes to that PDF file without a dialog
    (tests, and 'print to file' set-ups)."""

    printed = Signal(str, bool)  # kind, reprint
    rendered = Signal(str)  # kind

    def __init__(self, store, user_id: int | None, parent=None):
        super().__init__(parent)
        self.store = store
        self.user_id = user_id
        self.case_id: str | None = None
        self.current: RenderedDocument | None = None
        self.print_target: str | None = None
        self._wanted: str | None = None
        self._printed: set[str] = set()
        self.doc = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self.view = QPdfView(self, objectName="pdf_view")
        self.view.setDocument(self.doc)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        # Fitted to width, a scroll bar that comes and goes changes the width it fits to, which
        # changes the page height, which toggles the bar again: at some widths (1366x768) this
        # never settles and the window freezes. A bar that is always there cannot flip.
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.kinds = QComboBox(objectName="document_kind")
        self.print_button = QPushButton("打印（Ctrl+P）", objectName="print_document")
        self.print_button.setEnabled(False)
        self.status = QLabel(objectName="preview_status")
        # What was printed stays said until the next print or case: the next document's
        # "正在生成" must not wipe out the clerk's confirmation (or a failure).
        self.confirmation = QLabel(objectName="print_confirmation")
        self.confirmation.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("文书"))
        top.addWidget(self.kinds, 1)
        top.addWidget(self.print_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        lay.addWidget(self.confirmation)
        self.kinds.activated.connect(lambda _i: self.show_kind(self.kinds.currentData()))
        self.print_button.clicked.connect(self.print_document)

    def set_case(self, case_id: str | None, kinds: tuple[str, ...], snapshot=None) -> None:
        """Offer the documents of the case's state and show the first one."""
        self.case_id = case_id
        self._printed: set[str] = set()
        self.kinds.clear()
        for k in kinds:
            self.kinds.addItem(DOC_TITLES.get(k, k), k)
        self.current = None
        self.print_button.setEnabled(False)
        self.doc.close()
        self._drop_buffer()
        self.status.clear()
        if case_id is None or case_id != getattr(self, "_confirmed_case", None):
            self.confirmation.clear()
        if case_id and kinds:
            self.show_kind(kinds[0], snapshot)

    def show_kind(self, kind: str, snapshot=None) -> None:
        if not self.case_id or not kind:
            return
        idx = self.kinds.findData(kind)
        if idx >= 0:
            self.kinds.setCurrentIndex(idx)
        self._wanted = kind  # the clerk's latest choice wins over a slower earlier render
        self.status.setText("正在生成……")
        Op(self, render, self.store, self.case_id, kind, snapshot).success(self._show).failure(
            lambda e: self.status.setText(error_text(e))).run()

    def _show(self, rd: RenderedDocument) -> None:
        if rd.case_id != self.case_id or rd.kind != self._wanted:
            return  # an older request
        self.current = rd
        self.doc.close()
        self._drop_buffer()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(rd.pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc.load(self._buffer)
        self.print_button.setEnabled(True)
        spooler().warm()  # a document is shown: the clerk may print next
        mark = "（补打）" if rd.reprint else ""
        self.status.setText(f"{DOC_TITLES.get(rd.kind, rd.kind)}{mark}，共 {self.doc.pageCount()} 页")
        self.rendered.emit(rd.kind)

    def _drop_buffer(self) -> None:
        # The document shown is the only one kept: a client that runs for weeks must not keep
        # every PDF it ever previewed (one QBuffer child per render did, ~57 KB each).
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    # -- printing ------------------------------------------------------------------------------
    def print_document(self) -> None:
        if self.current is None or self.doc.pageCount() == 0:
            self.status.setText("没有可打印的文书")
            return
        printer = choose_printer(self, DOC_TITLES.get(self.current.kind, self.current.kind), self.print_target)
        if printer is None:
            self.status.setText("已取消打印")
            return
        self.print_on(printer)

    def print_on(self, printer: QPrinter) -> None:
        """Print the current document on a set-up printer and log it with the copies the
        printer dialog asked for."""
        if self.current is None or self.doc.pageCount() == 0:
            self.status.setText("没有可打印的文书")
            return
        rd = self.current
        job = job_from_printer(printer, DOC_TITLES.get(rd.kind, rd.kind))
        self._say(f"正在打印{DOC_TITLES.get(rd.kind, rd.kind)}……")
        spooler().submit(job, rd.pdf, lambda result: self._painted(result, rd, job.copies))

    def _painted(self, result: PrintResult, rd: RenderedDocument, copies: int) -> None:
        if not result.ok:
            # Nothing was printed, so nothing is recorded: the next copy is not a 补打.
            self._say(f"{DOC_TITLES.get(rd.kind, rd.kind)}没有打印出来：{result.error}。"
                      "处理后按 Ctrl+P 重试；本次不计入打印记录。", error=True)
            return
        Op(self, log_printed, self.store, rd.case_id, rd.kind, self.user_id, result.where, rd.reprint, copies,
           writer=True).success(lambda reprint: self._logged(rd, reprint)).failure(
            lambda e: self._say("已打印，但打印记录未能保存：" + error_text(e), error=True)).run()

    def _say(self, text: str, error: bool = False) -> None:
        self._confirmed_case = self.case_id
        self.confirmation.setText(text)
        self.confirmation.setStyleSheet("color: #b00020; font-weight: bold" if error else "color: #1b5e20")

    def _logged(self, rd: RenderedDocument, reprint: bool) -> None:
        self._say(f"已打印{DOC_TITLES.get(rd.kind, rd.kind)}{'（补打）' if reprint else ''}")
        self.printed.emit(rd.kind, reprint)
        if self.case_id != rd.case_id:
            return
        self._printed.add(rd.kind)
        # Keyboard flow: Ctrl+P again prints the case's next document (受理通知书, then
        # 材料接收凭证); when all are printed, the preview shows what a reprint (补打) looks like.
        kinds = [self.kinds.itemData(i) for i in range(self.kinds.count())]
        nxt = next((k for k in kinds if k not in self._printed), None)
        if nxt is not None:
            self.show_kind(nxt)
        elif not rd.reprint:
            self.show_kind(rd.kind)
