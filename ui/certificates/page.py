"""The certificate page (证照打印): decided cases with a certificate → preview over the stock,
print on the next blank sheet (calibrated), spoil, reprint with a supervisor, hand over to the
applicant / legal representative / authorised agent (card on the reader) or mail, 送达回证.

Keyboard: Enter in the search box searches; arrows pick a case; Alt+I 打印, Alt+V 作废,
Alt+B 校准, Alt+U 空白证书, Alt+W 出件, Alt+L 寄递, Alt+X 送达回证, Alt+G 保存字段; Esc clears
the recipient and goes back to the list.
All database and PDF work runs in background operations.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSplitter, QTabWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from hallclient.certificates.handover import COURIERS
from hallclient.certificates.issue import EDITABLE
from hallclient.certificates.templates import FIELDS, MODES
from hallclient.permissions import Action, allowed
from hallclient.personal import mask_id
from ui.authorise import ask_authorisation
from ui.certificates import jobs
from ui.certificates.dialogs import CalibrationDialog, StockDialog, ask_reason
from ui.certificates.printer_out import PDF_FILE, printer_names, send
from ui.ops import Op, error_text

LIST_COLUMNS = ("证照", "申请人", "事项", "办件编号")
OK, ERR = "color: #1b5e20", "color: #b00020"


class CertificatesPage(QWidget):
    printed = Signal(str)  # serial
    handed_over = Signal(str)  # case id
    preview_ready = Signal()

    def __init__(self, store, session, parent=None):
        super().__init__(parent)
        self.store, self.session = store, session
        self.view = None  # CertificateView
        self.rows: list = []
        self.print_target: str | None = None  # PDF_FILE output path (tests, archives)
        self.last_pdf: bytes | None = None
        self._buffer = None

        # left: work list
        self.search = QLineEdit(objectName="cert_search", placeholderText="办件编号 / 申请人 / 事项 / 证照编号，回车查询")
        self.table = QTableWidget(0, len(LIST_COLUMNS), objectName="cert_cases")
        self.table.setHorizontalHeaderLabels(LIST_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        for col in (0, 1):
            hh.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(True)
        self.table.setColumnWidth(2, 130)
        self.table.setWordWrap(False)
        self.count = QLabel(objectName="cert_count")
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.search)
        ll.addWidget(self.table, 1)
        ll.addWidget(self.count)

        # centre: preview
        self.mode = QComboBox(objectName="cert_mode")
        for k, label in MODES.items():
            self.mode.addItem(label, k)
        self.printer = QComboBox(objectName="cert_printer")
        self.printer.addItems(printer_names())
        self.offset_label = QLabel(objectName="cert_offset")
        self.doc = QPdfDocument(self)
        self.pdf_view = QPdfView(self, objectName="cert_preview")
        self.pdf_view.setDocument(self.doc)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.preview_note = QLabel("预览：字段按校准偏移叠加在空白证书底图上（底图只用于预览，不会打印）", objectName="cert_preview_note")
        centre = QWidget()
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("方式"))
        top.addWidget(self.mode)
        top.addWidget(QLabel("打印机"))
        top.addWidget(self.printer, 1)
        top.addWidget(self.offset_label)
        cl.addLayout(top)
        cl.addWidget(self.pdf_view, 1)
        cl.addWidget(self.preview_note)

        # right: the certificate, its fields, actions, hand-over
        self.info = QLabel(objectName="cert_info")
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        self.fields = QTableWidget(0, 2, objectName="cert_fields")
        self.fields.setHorizontalHeaderLabels(("字段", "内容（打印前可补充）"))
        self.fields.verticalHeader().hide()
        self.fields.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.save_fields_button = QPushButton("保存字段(&G)", objectName="cert_save_fields")
        self.print_button = QPushButton("打印(&I)", objectName="cert_print")
        self.spoil_button = QPushButton("作废(&V)", objectName="cert_spoil")
        self.calibrate_button = QPushButton("校准(&B)", objectName="cert_calibrate")
        self.stock_button = QPushButton("空白证书(&U)", objectName="cert_stock")
        actions = QHBoxLayout()
        for b in (self.print_button, self.spoil_button, self.calibrate_button, self.stock_button):
            actions.addWidget(b)
        self.recipient_id = QLineEdit(objectName="cert_recipient_id", placeholderText="读取领取人身份证，或输入号码")
        self.recipient_name = QLineEdit(objectName="cert_recipient_name")
        self.letter = QLineEdit(objectName="cert_letter", placeholderText="代办人现场提交授权委托书时填写（委托人、日期）")
        self.handover_button = QPushButton("出件(&W)", objectName="cert_handover")
        hand = QWidget()
        hf = QFormLayout(hand)
        hf.addRow("领取人证件", self.recipient_id)
        hf.addRow("领取人姓名", self.recipient_name)
        hf.addRow("授权委托书", self.letter)
        hf.addRow(self.handover_button)
        self.courier = QComboBox(objectName="cert_courier")
        self.courier.addItems(COURIERS)
        self.tracking = QLineEdit(objectName="cert_tracking")
        self.address = QLineEdit(objectName="cert_address")
        self.mail_button = QPushButton("寄递(&L)", objectName="cert_mail")
        post = QWidget()
        pf = QFormLayout(post)
        pf.addRow("寄递公司", self.courier)
        pf.addRow("运单号", self.tracking)
        pf.addRow("寄递地址", self.address)
        pf.addRow(self.mail_button)
        self.receipt_button = QPushButton("打印送达回证(&X)", objectName="cert_receipt")
        self.message = QLabel(objectName="cert_message")
        self.message.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.info)
        rl.addWidget(self.fields, 1)
        rl.addWidget(self.save_fields_button)
        rl.addLayout(actions)
        self.delivery_tabs = QTabWidget(objectName="cert_delivery_tabs")
        self.delivery_tabs.addTab(hand, "窗口领取")
        self.delivery_tabs.addTab(post, "邮寄送达")
        rl.addWidget(self.delivery_tabs)
        rl.addWidget(self.receipt_button)
        rl.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(centre)
        split.addWidget(right)
        left.setMinimumWidth(260)
        right.setMinimumWidth(330)
        split.setStretchFactor(1, 1)
        self.split = split
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)

        self.search.returnPressed.connect(self.refresh_list)
        self.table.currentCellChanged.connect(lambda r, *_: self._select(r))
        self.mode.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        self.printer.currentIndexChanged.connect(lambda _i: self._printer_changed())
        self.save_fields_button.clicked.connect(self.save_fields)
        self.print_button.clicked.connect(self.print_certificate)
        self.spoil_button.clicked.connect(self.spoil)
        self.calibrate_button.clicked.connect(self.calibrate)
        self.stock_button.clicked.connect(lambda: StockDialog(self).exec())
        self.recipient_id.returnPressed.connect(self.recipient_name.setFocus)
        self.recipient_name.returnPressed.connect(self.hand_over)
        self.handover_button.clicked.connect(self.hand_over)
        self.mail_button.clicked.connect(self.mail)
        self.receipt_button.clicked.connect(self.print_receipt)
        self._show(None)
        self.refresh_list()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.view is None:
            self.search.setFocus()
        w = max(self.split.width(), 1200)
        if not getattr(self, "_sized", False):
            self._sized = True
            self.split.setSizes([int(w * 0.27), int(w * 0.44), int(w * 0.29)])

    # -- list ------------------------------------------------------------------------------------
    def refresh_list(self) -> None:
        Op(self, jobs.work_list, self.store, self.search.text()).success(self._fill).failure(self._error).run()

    def _fill(self, rows) -> None:
        self.rows = list(rows)
        current = self.view.case_id if self.view else None
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for r, x in enumerate(self.rows):
            for c, text in enumerate((x.certificate_status, x.applicant_name, x.item_name, x.case_no or "—")):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self.count.setText(f"待制证/待出件：{len(self.rows)} 件" if not self.search.text().strip() else f"查询结果：{len(self.rows)} 件")
        idx = next((i for i, x in enumerate(self.rows) if x.case_id == current), None)
        if idx is not None:
            self.table.blockSignals(True)
            self.table.setCurrentCell(idx, 0)
            self.table.blockSignals(False)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.rows) and (self.view is None or self.rows[row].case_id != self.view.case_id):
            self.open_case(self.rows[row].case_id)

    def open_case(self, case_id) -> None:
        """Show the certificate of a case (issued now if its decision left it without one)."""
        self.message.clear()
        Op(self, jobs.open_case, self.store, str(case_id), self.printer.currentText(), self.session.user_id,
           writer=True).success(self._show).failure(self._error).run()

    # -- showing ---------------------------------------------------------------------------------
    def _show(self, view) -> None:
        self.view = view
        has = view is not None
        for w in (self.print_button, self.spoil_button, self.calibrate_button, self.handover_button, self.mail_button,
                  self.save_fields_button, self.receipt_button):
            w.setEnabled(has)
        if not has:
            self.info.setText("<b>请在左侧选择办件</b>（已批准或当场办结、需要出证的办件）")
            self.fields.setRowCount(0)
            self.doc.close()
            self.offset_label.clear()
            return
        c = view.certificate
        status = {"issued": "待打印", "printed": "已打印，待出件", "handed_over": "已出件"}.get(c.status, c.status)
        good = [s for s in view.sheets if s.status == "used"]
        lines = [f"<b>{c.template_name}</b>　{status}",
                 f"办件 {view.case_no}　{view.item_name}",
                 f"持证人：{c.holder_name}（{mask_id(c.holder_code)}）" + (f"　代办人：{view.agent_name}" if view.agent_name else ""),
                 f"证照编号：{c.certificate_no}",
                 # zero-width spaces after the dots let the long identifier wrap
                 f"<span style='font-size:small'>证照标识：{c.licence_id.replace('.', '.&#8203;')}</span>"]
        if view.sheets:
            lines.append("空白证书：" + "，".join(f"{s.serial}{'（补打）' if s.reprint else ''}{'（作废）' if s.status == 'spoiled' else ''}"
                                              for s in view.sheets))
        if view.stock is not None:
            lines.append(f"库存：剩余 {view.stock.remaining} 张，下一张 {view.stock.next_serial or '已用完'}")
        else:
            lines.append("<span style='color:#b00020'>该类证照尚未登记空白证书</span>")
        if view.delivery is not None:
            d = view.delivery
            lines.append(f"已出件：{d.recipient_name}（{d.relation}）{d.delivered_at.astimezone():%Y-%m-%d %H:%M}"
                         + (f"　{d.courier} {d.tracking_no}" if d.method == "mail" else ""))
        self.info.setText("<br>".join(lines))
        editable = c.status == "issued"
        self.fields.setRowCount(len(EDITABLE))
        for r, k in enumerate(EDITABLE):
            label = QTableWidgetItem(FIELDS[k])
            label.setFlags(Qt.ItemFlag.ItemIsEnabled)
            value = QTableWidgetItem(c.fields.get(k, ""))
            value.setData(Qt.ItemDataRole.UserRole, k)
            if not editable:
                value.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.fields.setItem(r, 0, label)
            self.fields.setItem(r, 1, value)
        self.fields.resizeColumnToContents(0)
        self.save_fields_button.setEnabled(editable)
        self.print_button.setText("补打(&I)" if good else "打印(&I)")
        self.print_button.setEnabled(c.status != "handed_over")
        self.spoil_button.setEnabled(bool(good) and c.status != "handed_over")
        self.handover_button.setEnabled(c.status == "printed")
        self.mail_button.setEnabled(c.status == "printed")
        self.receipt_button.setEnabled(view.delivery is not None)
        if not self.address.text():
            self.address.setText(view.address)
        o = view.offset
        self.offset_label.setText(f"偏移 X {o.dx_mm:+.2f} / Y {o.dy_mm:+.2f} mm")
        self.refresh_preview()

    def refresh_preview(self) -> None:
        v = self.view
        if v is None:
            return
        Op(self, jobs.render, v.template, v.certificate.fields, self.mode.currentData(), v.offset.dx_mm, v.offset.dy_mm,
           True).success(self._load_pdf).failure(self._error).run()

    def _load_pdf(self, pdf: bytes) -> None:
        self.doc.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.doc.load(self._buffer)
        self.preview_ready.emit()

    def _printer_changed(self) -> None:
        if self.view is not None:
            Op(self, jobs.view, self.store, self.view.case_id, self.printer.currentText()).success(self._show).run()

    def _error(self, exc) -> None:
        self.message.setStyleSheet(ERR)
        self.message.setText(error_text(exc))

    def _ok(self, text: str) -> None:
        self.message.setStyleSheet(OK)
        self.message.setText(text)

    # -- actions ---------------------------------------------------------------------------------
    def save_fields(self) -> None:
        v = self.view
        values = {self.fields.item(r, 1).data(Qt.ItemDataRole.UserRole): self.fields.item(r, 1).text()
                  for r in range(self.fields.rowCount())}
        Op(self, jobs.save_fields, self.store, self.session.actor, v.case_id, v.certificate.id, values,
           self.printer.currentText(), writer=True).success(lambda nv: (self._show(nv), self._ok("字段已保存"))).failure(
            self._error).run()

    def print_certificate(self) -> None:
        v = self.view
        if v is None:
            return
        reason, auth = "", None
        if any(s.status == "used" for s in v.sheets):
            reason = ask_reason(self, "补打证照", "该证照已打印过。补打原因（如：证书污损、打印错位）：")
            if not reason:
                return
            if not allowed(self.session.role, Action.REPRINT_CERTIFICATE):
                auth = ask_authorisation(self, self.store, Action.REPRINT_CERTIFICATE, self.session.actor)
                if auth is None:
                    self._error(RuntimeError("补打须由值班长现场授权，已取消"))
                    return
        path = self._file_target()
        if path is None:
            return
        Op(self, jobs.print_certificate, self.store, self.session.actor, v.case_id, v.certificate.id,
           self.printer.currentText(), self.mode.currentData(), reason, auth, writer=True).success(
            lambda p: self._printed(p, path)).failure(self._error).run()

    def _file_target(self) -> str | None:
        """Where PDF_FILE output goes: the set target, else asked; "" for a real printer."""
        if self.printer.currentText() != PDF_FILE:
            return ""
        if self.print_target:
            return self.print_target
        path, _ = QFileDialog.getSaveFileName(self, "保存证照 PDF", "证照.pdf", "PDF (*.pdf)")
        return path or None

    def _printed(self, p, path: str) -> None:
        self.last_pdf = p.pdf
        t = p.view.template
        self._show(p.view)
        self._ok(f"正在打印，空白证书编号 {p.ticket.serial}……")

        def done(result) -> None:
            if not result.ok:
                self._error(RuntimeError(f"{result.error}。空白证书 {p.ticket.serial} 已登记为已用：如未打出，请按“作废”记录"))
                return
            self._ok(f"已{'补打' if p.ticket.reprint else '打印'}，空白证书编号 {p.ticket.serial}。"
                     "请核对打印位置；打歪或卡纸请按“作废”并重新打印")
            self.refresh_list()
            self.printed.emit(p.ticket.serial)

        send(p.pdf, t.page_w, t.page_h, self.printer.currentText(), path or None, t.name, done)

    def spoil(self) -> None:
        v = self.view
        good = [s for s in v.sheets if s.status == "used"] if v else []
        if not good:
            return
        sheet = good[-1]
        reason = ask_reason(self, "证书作废", f"作废空白证书 {sheet.serial} 的原因（如：卡纸、打印错位）：")
        if not reason:
            return
        Op(self, jobs.spoil, self.store, self.session.actor, v.case_id, sheet.id, reason, self.printer.currentText(),
           writer=True).success(lambda nv: (self._show(nv), self._ok(f"已作废 {sheet.serial}"))).failure(self._error).run()

    def calibrate(self) -> None:
        v = self.view
        if v is None:
            return
        d = CalibrationDialog(self, v.template, self.printer.currentText(), v.offset)
        self.calibration_dialog = d
        if d.exec() and d.saved is not None:
            self._printer_changed()
            self._ok(f"已保存偏移 X {d.saved.dx_mm:+.2f} mm，Y {d.saved.dy_mm:+.2f} mm")

    def send_to_printer(self, pdf: bytes, template, title: str, message_label) -> None:
        path = self._file_target()
        if path is None:
            return
        def done(result) -> None:
            if shiboken6.isValid(message_label):  # the calibration dialog may be closed by then
                message_label.setText(f"已打印{title}" if result.ok else result.error)

        message_label.setText(f"正在打印{title}……")
        send(pdf, template.page_w, template.page_h, self.printer.currentText(), path or None, title, done)

    def keyPressEvent(self, event) -> None:
        # Esc is this page's own key (not a window-wide shortcut: the checklist uses Esc too).
        if event.key() == Qt.Key.Key_Escape:
            self.clear_recipient()
            return
        super().keyPressEvent(event)

    def clear_recipient(self) -> None:
        """Esc: forget the recipient typed or read, back to the case list."""
        for w in (self.recipient_id, self.recipient_name, self.letter, self.tracking):
            w.clear()
        self.table.setFocus()

    def take_card(self, doc) -> bool:
        """An ID card on the reader while a printed certificate waits for hand-over: it is the
        recipient's. Returns whether the card was taken."""
        if self.view is None or self.view.certificate.status != "printed" or not self.isVisible():
            return False
        self.recipient_id.setText(doc.id_number)
        self.recipient_name.setText(doc.name)
        self._ok(f"已读取领取人身份证：{doc.name}。按 Alt+W（或在姓名框回车）确认出件")
        self.handover_button.setFocus()
        return True

    def hand_over(self) -> None:
        v = self.view
        if v is None:
            return
        Op(self, jobs.hand_over, self.store, self.session.actor, v.case_id, v.certificate.id, self.recipient_id.text(),
           self.recipient_name.text(), self.letter.text(), self.printer.currentText(), writer=True).success(
            self._handed_over).failure(self._error).run()

    def mail(self) -> None:
        v = self.view
        if v is None:
            return
        Op(self, jobs.mail, self.store, self.session.actor, v.case_id, v.certificate.id, self.courier.currentText(),
           self.tracking.text(), self.address.text(), self.printer.currentText(), writer=True).success(
            self._handed_over).failure(self._error).run()

    def _handed_over(self, nv) -> None:
        self._show(nv)
        for w in (self.recipient_id, self.recipient_name, self.letter, self.tracking):
            w.clear()
        self._ok("已出件，办件已办结。请打印送达回证（Alt+X）请领取人签字")
        self.refresh_list()
        self.handed_over.emit(nv.case_id)
        self.receipt_button.setFocus()

    def print_receipt(self) -> None:
        v = self.view
        if v is None or v.delivery is None:
            return
        Op(self, jobs.delivery_receipt, v.delivery).success(
            lambda pdf: self._send_a4(pdf, "送达回证")).failure(self._error).run()

    def _send_a4(self, pdf: bytes, title: str) -> None:
        path = self._file_target()
        if path is None:
            return
        self.last_pdf = pdf
        self._ok(f"正在打印{title}……")
        send(pdf, 210, 297, self.printer.currentText(), path or None, title,
             lambda r: self._ok(f"已打印{title}") if r.ok else self._error(RuntimeError(r.error)))
