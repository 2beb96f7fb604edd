"""Dialogs of the certificate page: calibration, blank stock, a reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from hallclient.permissions import Action, allowed
from ui.certificates import jobs
from ui.ops import Op, error_text


def ask_reason(parent, title: str, prompt: str) -> str | None:
    """A short required reason; None when cancelled."""
    d = QDialog(parent)
    d.setWindowTitle(title)
    d.setObjectName("reason_dialog")
    lay = QVBoxLayout(d)
    lay.addWidget(QLabel(prompt))
    edit = QLineEdit(objectName="reason_edit")
    lay.addWidget(edit)
    msg = QLabel(objectName="reason_message")
    msg.setStyleSheet("color: #b00020")
    lay.addWidget(msg)
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    bb.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
    bb.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")

    def ok():
        if not edit.text().strip():
            msg.setText("请填写原因")
            return
        d.accept()

    bb.accepted.connect(ok)
    bb.rejected.connect(d.reject)
    lay.addWidget(bb)
    edit.setFocus()
    return edit.text().strip() if d.exec() == QDialog.DialogCode.Accepted else None


class CalibrationDialog(QDialog):
    """Print the calibration sheet, then enter the offset read off it (±10 mm)."""

    def __init__(self, page, template, printer: str, offset):
        super().__init__(page)
        self.page, self.template, self.printer = page, template, printer
        self.setWindowTitle("证照打印校准")
        self.setObjectName("calibration_dialog")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"打印机：{printer}\n1. 放入一张白纸（或废弃的空白证书），打印校准页；\n"
                             "2. 量出左上角红色十字中心到纸边的距离，偏移 = 30 − 量得值；\n3. 填入偏移并保存，之后每次打印都会按此偏移。"))
        form = QFormLayout()
        self.dx, self.dy = QDoubleSpinBox(objectName="calibration_dx"), QDoubleSpinBox(objectName="calibration_dy")
        for sb, v in ((self.dx, offset.dx_mm), (self.dy, offset.dy_mm)):
            sb.setRange(-50, 50)  # the core refuses beyond ±10 mm with its message
            sb.setDecimals(2)
            sb.setSingleStep(0.25)
            sb.setSuffix(" mm")
            sb.setValue(v)
        form.addRow("水平偏移 X（向右为正）", self.dx)
        form.addRow("垂直偏移 Y（向下为正）", self.dy)
        lay.addLayout(form)
        self.message = QLabel(objectName="calibration_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.sheet_button = QPushButton("打印校准页(&T)", objectName="calibration_print")
        self.save_button = QPushButton("保存偏移(&S)", objectName="calibration_save")
        close = QPushButton("关闭", objectName="calibration_close")
        row.addWidget(self.sheet_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(close)
        lay.addLayout(row)
        self.sheet_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save)
        close.clicked.connect(self.reject)
        self.saved = None

    def print_sheet(self) -> None:
        from hallclient.certificates.calibration import Offset

        Op(self, jobs.calibration_sheet, self.template, self.printer, Offset(self.dx.value(), self.dy.value())).success(
            lambda pdf: self.page.send_to_printer(pdf, self.template, "证照打印校准页", self.message)).failure(
            lambda e: self.message.setText(error_text(e))).run()

    def save(self) -> None:
        Op(self, jobs.save_offset, self.page.store, self.printer, self.dx.value(), self.dy.value(),
           self.page.session.user_id, writer=True).success(self._saved).failure(
            lambda e: self.message.setText(error_text(e))).run()

    def _saved(self, offset) -> None:
        self.saved = offset
        self.accept()


class StockDialog(QDialog):
    """空白证书管理: the report, registering a range (supervisor), spoiling a blank sheet."""

    COLUMNS = ("证照类型", "号段", "入库", "已用", "作废", "剩余", "下一张", "核对")

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.setWindowTitle("空白证书管理")
        self.setObjectName("stock_dialog")
        self.resize(900, 480)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS), objectName="stock_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.table, 1)
        form = QHBoxLayout()
        self.kind = QComboBox(objectName="stock_kind")
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.prefix = QLineEdit(objectName="stock_prefix", placeholderText="字头，如 YZ")
        self.first, self.last = QSpinBox(objectName="stock_first"), QSpinBox(objectName="stock_last")
        for sb in (self.first, self.last):
            sb.setRange(1, 9_999_999)
        self.register_button = QPushButton("登记入库(&R)", objectName="stock_register")
        self.spoil_button = QPushButton("作废下一张空白证书(&V)", objectName="stock_spoil")
        for w in (QLabel("类型"), self.kind, self.prefix, QLabel("起"), self.first, QLabel("止"), self.last, self.register_button):
            form.addWidget(w)
        lay.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.spoil_button)
        row.addStretch(1)
        close = QPushButton("关闭", objectName="stock_close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        lay.addLayout(row)
        self.message = QLabel(objectName="stock_message")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        may_register = allowed(page.session.role, Action.MANAGE_STOCK)
        self.register_button.setEnabled(may_register)
        if not may_register:
            self.register_button.setToolTip("空白证书入库须由值班长操作")
        self.register_button.clicked.connect(self.register)
        self.spoil_button.clicked.connect(self.spoil)
        Op(self, jobs.templates, page.store).success(self._templates).run()
        self.refresh()

    def _templates(self, pairs) -> None:
        for key, name in pairs:
            self.kind.addItem(name, key)

    def refresh(self) -> None:
        Op(self, jobs.stock_lines, self.page.store).success(self.show_lines).run()

    def show_lines(self, lines) -> None:
        self.lines = list(lines)
        self.table.setRowCount(len(self.lines))
        for r, x in enumerate(self.lines):
            cells = (x.name, "；".join(x.ranges), str(x.registered), str(x.used), str(x.spoiled), str(x.remaining),
                     x.next_serial or "已用完", "相符" if x.balanced else "不相符！")
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def register(self) -> None:
        Op(self, jobs.register_stock, self.page.store, self.page.session.actor, self.kind.currentData(),
           self.first.value(), self.last.value(), self.prefix.text(), writer=True).success(
            lambda lines: (self.show_lines(lines), self.message.setText("已登记入库"))).failure(
            lambda e: self.message.setText(error_text(e))).run()

    def spoil(self) -> None:
        reason = ask_reason(self, "作废空白证书", f"作废下一张“{self.kind.currentText()}”空白证书的原因：")
        if not reason:
            return
        Op(self, jobs.spoil_blank, self.page.store, self.page.session.actor, self.kind.currentData(), reason,
           writer=True).success(lambda r: (self.show_lines(r[1]), self.message.setText(f"已作废 {r[0]}"))).failure(
            lambda e: self.message.setText(error_text(e))).run()
