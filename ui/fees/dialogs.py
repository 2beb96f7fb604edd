"""Dialogs of the 收费 page: an exemption (减免) with its reason and basis, and the daily close
(日结) with its figures shown before and after closing, printable."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout,
)

from hallclient.errors import ValidationFailed
from hallclient.fees.money import format_yuan, parse_yuan
from hallclient.fees.rules import EXEMPTION_POLICIES, Exemption
from ui.fees import jobs
from ui.fees.pdfview import FeePdfView
from ui.ops import Op, error_text

OTHER = "其他（手工填写原因和依据）"


class ExemptionDialog(QDialog):
    def __init__(self, line_names: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("减免")
        self.setObjectName("exemption_dialog")
        self.result_exemption: Exemption | None = None
        self.line = QComboBox(objectName="exemption_line")
        self.line.addItem("全部收费项目", None)
        for i, n in enumerate(line_names):
            self.line.addItem(n, i)
        self.policy = QComboBox(objectName="exemption_policy")
        for name, basis in EXEMPTION_POLICIES:
            self.policy.addItem(name, basis)
        self.policy.addItem(OTHER, "")
        self.reason = QLineEdit(objectName="exemption_reason")
        self.basis = QLineEdit(objectName="exemption_basis")
        self.amount = QLineEdit(objectName="exemption_amount")
        self.amount.setPlaceholderText("留空为全免；或填写减免金额（元）")
        self.message = QLabel(objectName="exemption_message")
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("减免项目", self.line)
        form.addRow("减免政策", self.policy)
        form.addRow("原因", self.reason)
        form.addRow("依据", self.basis)
        form.addRow("减免金额", self.amount)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.policy.currentIndexChanged.connect(self._policy)
        self._policy()
        self.resize(560, 0)

    def _policy(self) -> None:
        name, basis = self.policy.currentText(), self.policy.currentData()
        self.reason.setText("" if name == OTHER else name)
        self.basis.setText(basis or "")

    def _ok(self) -> None:
        if not self.reason.text().strip():
            self.message.setText("减免必须填写原因")
            return
        if not self.basis.text().strip():
            self.message.setText("减免必须填写依据（政策文件或条款）")
            return
        try:
            amount = parse_yuan(self.amount.text(), what="减免金额") if self.amount.text().strip() else None
        except ValidationFailed as e:
            self.message.setText(e.message)
            return
        self.result_exemption = Exemption(self.reason.text().strip(), self.basis.text().strip(), self.line.currentData(), amount)
        self.accept()


class CloseDialog(QDialog):
    """Today's figures of the clerk; 确认日结 stores them and makes the day read-only."""

    def __init__(self, store, actor, parent=None):
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setWindowTitle("收费日结")
        self.setObjectName("close_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # gone when closed, nothing left bound
        self.summary = QLabel(objectName="close_summary")
        self.summary.setWordWrap(True)
        self.view = FeePdfView()
        # Enter confirms (default button); no mnemonics: the page's Alt keys are in ui/keymap.py.
        self.confirm = QPushButton("确认日结", objectName="close_confirm")
        self.print_button = QPushButton("打印日结单", objectName="close_print")
        self.close_button = QPushButton("关闭", objectName="close_dismiss")
        self.message = QLabel(objectName="close_message")
        self.message.setWordWrap(True)
        row = QDialogButtonBox()
        for b in (self.confirm, self.print_button, self.close_button):
            row.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.message)
        lay.addWidget(row)
        self.confirm.clicked.connect(self.do_close)
        self.print_button.clicked.connect(self.print_close)
        self.close_button.clicked.connect(self.reject)
        self.resize(760, 720)
        self.close_figures = None
        Op(self, jobs.close_preview, store, actor.user_id).success(self._show).failure(lambda e: self.message.setText(error_text(e))).run()

    def print_close(self) -> None:
        def done(result) -> None:
            if shiboken6.isValid(self.message):  # the dialog may be closed by then
                self.message.setText("已打印日结单" if result.ok else f"日结单没有打印出来：{result.error}")

        if self.view.print_current(done):
            self.message.setText("正在打印日结单……")

    def _show(self, c) -> None:
        self.close_figures = c
        state = f"已于 {c.closed_at.astimezone():%H:%M} 日结，当天收费记录已锁定" if c.closed_at else "预览（尚未日结）"
        self.summary.setText(f"{c.business_day:%Y-%m-%d}　{c.clerk_name}　{state}<br>收费 {c.payments} 笔，合计 {format_yuan(c.total_fen)}，"
                             f"退款/冲红 {format_yuan(c.reversed_fen)}，净额 {format_yuan(c.net_fen)}；"
                             f"<b>应上缴现金 {format_yuan(c.cash_to_hand_over_fen)}</b>")
        self.confirm.setEnabled(c.closed_at is None)
        self.confirm.setDefault(c.closed_at is None)
        Op(self, jobs.render_close, c).success(lambda rd: self.view.show_pdf(rd.pdf, rd.title)).run()

    def do_close(self) -> None:
        self.confirm.setEnabled(False)
        Op(self, jobs.close_day, self.store, self.actor, writer=True).success(self._closed).failure(self._failed).run()

    def _closed(self, c) -> None:
        self.message.setStyleSheet("color: #1b5e20")
        self.message.setText("日结完成。当天的收费记录已锁定，请打印日结单并与现金一并交值班长复核。")
        self._show(c)

    def _failed(self, exc) -> None:
        self.message.setStyleSheet("color: #b00020")
        self.message.setText(error_text(exc))
        self.confirm.setEnabled(self.close_figures is not None and self.close_figures.closed_at is None)
