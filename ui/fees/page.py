"""收费: the fee lines of a case and their total, then a payment notice (票款分离, the default,
Enter) or a payment at the window (cash with tendered and change, card, scan with reference);
the case's notices, payments and receipts with the document shown and printed; refunds (冲红)
and voided paper receipts with a supervisor's on-the-spot authorisation; the daily close.

Keys inside the page (mnemonics; Alt+S/D/Y/H belong to the menus): Alt+N/C/K/M method, Enter
确认收费, Alt+J 减免, Alt+P 打印, Alt+R 纸质收据, Alt+O 确认已打印, Alt+Z 作废收据, Alt+T 退款/冲红,
Alt+E 日结. F-keys and Ctrl+letters stay the visit's (ui/keymap.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QRadioButton, QSpinBox, QSplitter, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from hallclient.errors import ValidationFailed
from hallclient.fees.money import capitals, format_yuan, parse_yuan
from hallclient.fees.payments import CHANNELS
from hallclient.fees.rules import Exemption
from hallclient.permissions import Action, allowed
from ui.authorise import ask_authorisation
from ui.fees import jobs
from ui.fees.dialogs import CloseDialog, ExemptionDialog
from ui.fees.pdfview import FeePdfView
from ui.intake.jobs import desk_of
from ui.ops import Op, error_text

COLUMNS = ("收费项目", "标准", "数量", "应收", "减免", "金额")
METHODS = (("notice", "缴款通知书（&N）"), ("cash", "现金（&C）"), ("card", "银行卡（&K）"), ("scan", "扫码支付（&M）"))


class FeesPage(QWidget):
    def user_switched(self, session) -> None:
        self.session, self.actor, self.desk = session, session.actor, desk_of(session)

    def __init__(self, store, session, mw=None, parent=None):
        super().__init__(parent)
        self.store, self.session, self.mw = store, session, mw
        self.actor, self.desk = session.actor, desk_of(session)
        self.case_id: str | None = None
        self.fees = None
        self.exemptions: list[Exemption] = []
        self.assessment = None
        self._build()
        if mw is not None and getattr(mw, "sync_controller", None) is not None:
            # A confirmation or an e-receipt arrives with a sync cycle: show it when one ends.
            # A bound slot of this widget (not a lambda): Qt drops the connection when the page goes.
            mw.sync_controller.bridge.status.connect(self._sync_status)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.lookup = QLineEdit(objectName="fees_lookup")
        self.lookup.setPlaceholderText("办件编号或缴款码（可扫码），回车打开")
        self.case_label = QLabel("请从“受理”或“办件查询”进入，或在左侧输入办件编号", objectName="fees_case")
        self.case_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label = QLabel(objectName="fees_status")
        self.status_label.setStyleSheet("font-weight: bold; padding: 2px 8px; border-radius: 4px;")
        # No key of its own: F-keys are the visit's, window-wide (ui/keymap.py); the page also
        # reloads by itself after every sync cycle.
        refresh = QPushButton("刷新", objectName="fees_refresh")
        refresh.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.lookup, 2)
        top.addWidget(self.case_label, 5)
        top.addWidget(self.status_label)
        top.addWidget(refresh)

        self.table = QTableWidget(0, len(COLUMNS), objectName="fees_lines")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.exempt_button = QPushButton("减免（&J）…", objectName="fees_exempt")
        self.clear_exempt = QPushButton("清除减免", objectName="fees_clear_exempt")
        self.exempt_label = QLabel(objectName="fees_exemptions")
        self.exempt_label.setWordWrap(True)
        self.total_label = QLabel(objectName="fees_total")
        self.total_label.setStyleSheet("font-size: 20px; font-weight: bold; color: #0d47a1;")
        ex_row = QHBoxLayout()
        ex_row.addWidget(self.exempt_button)
        ex_row.addWidget(self.clear_exempt)
        ex_row.addStretch(1)

        self.method_group = QButtonGroup(self)
        methods = QHBoxLayout()
        self.method_buttons = {}
        for key, label in METHODS:
            b = QRadioButton(label, objectName=f"fees_method_{key}")
            self.method_group.addButton(b)
            self.method_buttons[key] = b
            methods.addWidget(b)
        self.method_buttons["notice"].setChecked(True)
        self.tendered = QLineEdit(objectName="fees_tendered")
        self.tendered.setPlaceholderText("如 100 或 100.00")
        self.change_label = QLabel(objectName="fees_change")
        self.change_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.reference = QLineEdit(objectName="fees_reference")
        self.reference.setPlaceholderText("POS 凭证号或交易流水号，可扫描小票条码")
        form = QFormLayout()
        form.addRow("实收现金（元）", self.tendered)
        form.addRow("找零", self.change_label)
        form.addRow("交易参考号", self.reference)
        self.charge_button = QPushButton("确认收费（回车）（&Q）", objectName="fees_charge")
        self.charge_button.setDefault(True)
        self.charge_button.setMinimumHeight(36)
        self.message = QLabel(objectName="fees_message")
        self.message.setWordWrap(True)
        left = QGroupBox("收费")
        ll = QVBoxLayout(left)
        ll.addWidget(self.table, 1)
        self.basis_label = QLabel(objectName="fees_basis")
        self.basis_label.setWordWrap(True)
        self.basis_label.setStyleSheet("color: #555;")
        ll.addWidget(self.basis_label)
        ll.addLayout(ex_row)
        ll.addWidget(self.exempt_label)
        ll.addWidget(self.total_label)
        ll.addWidget(QLabel("收费方式（默认票款分离：开具缴款通知书，申请人扫码或到银行缴款）"))
        ll.addLayout(methods)
        ll.addLayout(form)
        ll.addWidget(self.charge_button)
        ll.addWidget(self.message)

        self.records = QListWidget(objectName="fees_records")
        self.records.setMinimumHeight(110)
        self.view = FeePdfView()
        buttons = QGridLayout()
        self.print_button = QPushButton("打印（&P）", objectName="fees_print")
        self.paper_button = QPushButton("开纸质收据（&R）", objectName="fees_paper")
        self.confirm_paper_button = QPushButton("确认已打印（&O）", objectName="fees_paper_confirm")
        self.void_button = QPushButton("作废收据（&Z）…", objectName="fees_void")
        self.reverse_button = QPushButton("退款/冲红（&T）…", objectName="fees_reverse")
        self.close_button = QPushButton("日结（&E）…", objectName="fees_close")
        for i, b in enumerate((self.print_button, self.paper_button, self.confirm_paper_button, self.void_button,
                               self.reverse_button, self.close_button)):
            buttons.addWidget(b, i // 3, i % 3)
        self.stock_label = QLabel(objectName="fees_stock")
        right = QGroupBox("缴款通知书、收费记录和票据")
        rl = QVBoxLayout(right)
        rl.addWidget(self.records)
        rl.addLayout(buttons)
        rl.addWidget(self.stock_label)
        rl.addWidget(self.view, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)

        self.lookup.returnPressed.connect(self._lookup)
        self.exempt_button.clicked.connect(self.add_exemption)
        self.clear_exempt.clicked.connect(self._clear_exemptions)
        self.method_group.buttonToggled.connect(lambda *_: self._method_changed())
        self.tendered.textChanged.connect(self._update_change)
        self.tendered.returnPressed.connect(self.charge)
        self.reference.returnPressed.connect(self.charge)
        self.charge_button.clicked.connect(self.charge)
        self.records.currentRowChanged.connect(lambda _r: self._show_selected())
        self.print_button.clicked.connect(self.print_selected)
        self.paper_button.clicked.connect(self.issue_paper)
        self.confirm_paper_button.clicked.connect(self.confirm_paper)
        self.void_button.clicked.connect(self.void_paper)
        self.reverse_button.clicked.connect(self.reverse)
        self.close_button.clicked.connect(self.open_close)
        self.close_button.setEnabled(allowed(self.actor.role, Action.CLOSE_DAY))
        self._method_changed()
        self._set_enabled()

    def _sync_status(self, st) -> None:
        if not st.running:
            self.reload()

    # -- opening a case -------------------------------------------------------------------------
    def open_case(self, case_id: str) -> None:
        """Show the case's fees (from 受理 after acceptance, or 办件查询)."""
        self.case_id = str(case_id)
        self._lines_of = None
        self.exemptions = []
        self.tendered.clear()
        self.reference.clear()
        self.message.clear()
        self.view.clear()
        self._shown_key = None
        self.method_buttons["notice"].setChecked(True)
        self._focus_pending = True  # the charge button is enabled once the fees are loaded
        self.reload()

    def _lookup(self) -> None:
        Op(self, jobs.lookup, self.store, self.lookup.text()).success(self.open_case).failure(self._error).run()

    def reload(self) -> None:
        if self.case_id:
            Op(self, jobs.load, self.store, self.case_id, self.actor.user_id).success(self._loaded).failure(self._error).run()

    def _loaded(self, fees) -> None:
        if fees.case_id != self.case_id:
            return
        self.fees = fees
        self.case_label.setText(f"<b>{fees.item_name}</b>　{fees.case_no or '（未受理）'}　申请人：{fees.applicant_name}"
                                f"　<span style='color:#555'>{fees.case_state_label}</span>")
        colour = {"待缴费": "#e65100", "已缴费": "#1b5e20", "免费": "#1b5e20"}.get(fees.fee_status, "#37474f")
        self.status_label.setText(fees.fee_status)
        self.status_label.setStyleSheet(f"font-weight: bold; padding: 2px 8px; color: white; background: {colour}; border-radius: 4px;")
        bill = fees.active_bill
        seen = []
        for rule in fees.rules:
            text = "　".join(x for x in (f"收费依据：{rule['basis']}" if rule["basis"] else "", f"执收单位：{rule['payee']}" if rule["payee"] else "") if x)
            if text and text not in seen:
                seen.append(text)
        self.basis_label.setText("\n".join(seen) or ("本事项不收费" if not fees.rules else ""))
        if bill is not None:
            self._fill_bill(bill)  # what was charged, not what the catalogue would charge today
            if getattr(self, "_focus_pending", False):
                self._focus_pending = False
                self.records.setFocus()
        else:
            self._fill_lines()
        self._fill_records()
        st = fees.stock
        self.stock_label.setText(
            (f"纸质票据：{st.code} 下一号 {st.label(st.next_no)}，余 {st.remaining} 份" if st else "纸质票据：无可用号段（使用电子票据）")
            + (f"　<b style='color:#b00020'>有 {len(fees.unconfirmed)} 张收据待确认打印</b>" if fees.unconfirmed else ""))
        self._set_enabled()
        if bill is None:
            self._preview_total()

    def _fill_bill(self, bill) -> None:
        self._lines_of = None
        self.spins = {}
        lines = [l for l in bill.lines if l.get("gross_fen") or l.get("kind") == "free"]
        self.table.setRowCount(len(lines))
        for r, l in enumerate(lines):
            self.table.removeCellWidget(r, 2)
            std = "免费" if l["kind"] == "free" else format_yuan(l["standard_fen"]) + (f"/{l['unit']}" if l["kind"] == "per_unit" else "")
            cells = (l["name"] + (f"（减免：{l['exemption']}）" if l.get("exemption") else ""), std,
                     f"{l['quantity']}{l['unit'] if l['kind'] == 'per_unit' else ''}", format_yuan(l["gross_fen"]),
                     format_yuan(l["reduction_fen"]), format_yuan(l["due_fen"]))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        how = "缴款通知书" if bill.method == "notice" else CHANNELS[bill.method]
        self.total_label.setText(f"已收费：{format_yuan(bill.total_fen)}（{capitals(bill.total_fen)}）· {how} · {bill.state_label}")
        self.exempt_label.clear()
        self.assessment = None
        self.change_label.setText("—")

    def _fill_lines(self) -> None:
        # A reload (after every sync cycle) must not undo what the clerk has typed meanwhile.
        keep = self._quantities() if getattr(self, "_lines_of", None) == self.fees.case_id else {}
        self._lines_of = self.fees.case_id
        self.table.setRowCount(len(self.fees.rules))
        self.spins: dict[int, QSpinBox] = {}
        for r, rule in enumerate(self.fees.rules):
            std = "免费" if rule["kind"] == "free" else format_yuan(rule["amount_fen"]) + (f"/{rule['unit']}" if rule["kind"] == "per_unit" else "")
            self.table.setItem(r, 0, QTableWidgetItem(rule["name"] + (f"（含 {rule['included']}{rule['unit']}）" if rule["included"] else "")))
            self.table.setItem(r, 1, QTableWidgetItem(std))
            if rule["kind"] == "per_unit":
                spin = QSpinBox(objectName=f"fees_qty_{r}")
                spin.setRange(0, 999)
                spin.setValue(keep.get(r, 1))
                spin.setSuffix(rule["unit"])
                spin.valueChanged.connect(lambda _v: self._preview_total())
                self.table.setCellWidget(r, 2, spin)
                self.spins[r] = spin
            else:
                self.table.removeCellWidget(r, 2)
                self.table.setItem(r, 2, QTableWidgetItem("1"))

    def _quantities(self) -> dict[int, int]:
        return {r: s.value() for r, s in getattr(self, "spins", {}).items()}

    def _preview_total(self) -> None:
        if not self.case_id:
            return
        Op(self, jobs.preview, self.store, self.case_id, self._quantities(), tuple(self.exemptions)).success(
            self._show_assessment).failure(self._error).run()

    def _show_assessment(self, a) -> None:
        self.assessment = a
        for r, line in enumerate(a.lines):
            for c, fen in ((3, line.gross_fen), (4, line.reduction_fen), (5, line.due_fen)):
                self.table.setItem(r, c, QTableWidgetItem(format_yuan(fen)))
        self.total_label.setText(f"合计 {format_yuan(a.total_fen)}（{capitals(a.total_fen)}）" if self.fees and self.fees.rules else "本事项不收费")
        self.exempt_label.setText("；".join(f"减免：{e.reason}（{e.basis}）" for e in self.exemptions))
        self._update_change()
        self._set_enabled()
        if getattr(self, "_focus_pending", False):
            self._focus_pending = False
            (self.charge_button if self.charge_button.isEnabled() else self.lookup).setFocus()

    # -- charging -------------------------------------------------------------------------------
    def _method(self) -> str:
        return next(k for k, b in self.method_buttons.items() if b.isChecked())

    def _method_changed(self) -> None:
        m = self._method()
        self.tendered.setEnabled(m == "cash")
        self.reference.setEnabled(m in ("card", "scan"))
        if m == "cash":
            self.tendered.setFocus()
        elif m in ("card", "scan"):
            self.reference.setFocus()
        self._update_change()

    def _update_change(self) -> None:
        if self._method() != "cash" or self.assessment is None or not self.tendered.text().strip():
            self.change_label.setText("—")
            return
        try:
            t = parse_yuan(self.tendered.text(), what="实收金额")
        except ValidationFailed as e:
            self.change_label.setText(e.message)
            return
        d = t - self.assessment.total_fen
        self.change_label.setText(format_yuan(d) if d >= 0 else f"还差 {format_yuan(-d)}")

    def charge(self) -> None:
        if not self.case_id or self.fees is None:
            self._say("请先打开一个办件", error=True)
            return
        if self.fees.active_bill is not None:
            self._say("该办件已收费（或已开缴款通知书），不能重复收费", error=True)
            return
        m = self._method()
        q, ex = self._quantities(), tuple(self.exemptions)
        if m == "notice":
            op = Op(self, jobs.issue_notice, self.store, self.actor, self.desk, self.case_id, q, ex, writer=True)
        else:
            try:
                tendered = parse_yuan(self.tendered.text(), what="实收金额") if m == "cash" else None
            except ValidationFailed as e:
                self._say(e.message, error=True)
                self.tendered.setFocus()
                return
            op = Op(self, jobs.pay, self.store, self.actor, self.desk, self.case_id, m, q, ex, tendered, self.reference.text(), writer=True)
        self.charge_button.setEnabled(False)
        op.success(self._charged).failure(self._error).run()

    def _charged(self, r) -> None:
        if r.method == "notice":
            self._say(f"已开具缴款通知书，缴款码 {r.payment_code}，应缴 {format_yuan(r.total_fen)}。请打印（Alt+P）交申请人扫码缴款；缴款确认将通过同步到达。")
        elif r.method == "cash":
            self._say(f"已收现金 {format_yuan(r.total_fen)}，找零 {format_yuan(r.change_fen or 0)}。财政电子票据将在同步后到达。")
        else:
            self._say(f"已收{CHANNELS[r.method]} {format_yuan(r.total_fen)}。财政电子票据将在同步后到达。")
        self._select_after_load = f"notice:{r.bill_id}" if r.method == "notice" else None
        self.reload()

    # -- records and documents ------------------------------------------------------------------
    def _fill_records(self) -> None:
        self.records.blockSignals(True)
        self.records.clear()
        for b in self.fees.bills:
            if b.method == "notice":
                self._add_record(f"缴款通知书 {b.payment_code}　{format_yuan(b.total_fen)}　{b.state_label}", f"notice:{b.id}")
            p = b.payment
            if p is not None:
                how = CHANNELS[p.channel] if p.channel != "notice" else "缴款确认"
                extra = f"实收 {format_yuan(p.tendered_fen or 0)} 找零 {format_yuan(p.change_fen or 0)}" if p.channel == "cash" else p.reference
                mark = f"　已退款/冲红：{p.reversal_reason}" if p.reversed else ""
                self._add_record(f"　{how} {format_yuan(p.amount_fen)}　{p.paid_at.astimezone():%m-%d %H:%M}　{extra}{mark}", f"pay:{p.id}")
            for r in b.e_receipts:
                self._add_record(f"　财政电子票据{'（红字）' if r.red else ''} {r.code} {r.number}　{format_yuan(r.amount_fen)}", f"e:{r.id}")
            for pr in b.paper:
                label = {"taken": "待确认打印", "printed": "已打印", "void": f"作废：{pr.void_reason}"}[pr.state]
                self._add_record(f"　纸质收据 {pr.code} {pr.number}　{label}", f"paper:{pr.id}")
        if not self.fees.bills:
            self._add_record("（尚无收费记录）", "")
        self.records.blockSignals(False)
        want = getattr(self, "_select_after_load", None)
        self._select_after_load = None
        keys = [self.records.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.records.count())]
        if want is None:  # the newest receipt, else the notice
            want = next((k for k in keys if k.startswith(("e:", "paper:"))), None) or next((k for k in keys if k.startswith("notice:")), None)
        if want in keys:
            self.records.setCurrentRow(keys.index(want))
        else:
            self.view.clear()
            self._shown_key = None

    def _add_record(self, text: str, key: str) -> None:
        it = QListWidgetItem(text)
        it.setData(Qt.ItemDataRole.UserRole, key)
        self.records.addItem(it)

    def selected_key(self) -> str:
        it = self.records.currentItem()
        return it.data(Qt.ItemDataRole.UserRole) if it else ""

    def _show_selected(self) -> None:
        key = self.selected_key()
        self._set_enabled()
        if not key or key.startswith("pay:") or self.fees is None:
            return
        if key == getattr(self, "_shown_key", None) and not key.startswith("paper:") and self.view.doc.pageCount():
            return  # notices and e-receipts never change: a reload after a sync keeps the one shown
        Op(self, jobs.render, self.store, self.fees, key).success(self._rendered).failure(self._error).run()

    def _rendered(self, rd) -> None:
        if rd.key == self.selected_key():
            self.view.show_pdf(rd.pdf, rd.title)
            self._shown_key = rd.key
            if getattr(self, "_print_when_rendered", None) == rd.key:
                self._print_when_rendered = None
                self._print_paper(rd)

    def print_selected(self) -> None:
        title = self.view.title

        def done(result) -> None:
            if result.ok:
                self._say(f"已打印{title}")
            else:
                self._say(f"{title}没有打印出来：{result.error}", error=True)

        if self.view.print_current(done):
            self._say(f"正在打印{title}……")
        elif self.view.doc.pageCount() == 0:
            self._say("没有可打印的文书：请先在右侧列表中选择缴款通知书或票据", error=True)

    def _payment_of_selection(self):
        if self.fees is None:
            return None
        bill = self.fees.active_bill
        return bill.payment if bill and bill.payment else None

    def _set_enabled(self) -> None:
        fees = self.fees
        chargeable = bool(fees and fees.chargeable and fees.active_bill is None and self.assessment and self.assessment.total_fen > 0)
        self.charge_button.setEnabled(chargeable)
        self.exempt_button.setEnabled(chargeable)
        self.clear_exempt.setEnabled(chargeable and bool(self.exemptions))
        key = self.selected_key()
        self.print_button.setEnabled(bool(key) and not key.startswith("pay:"))
        pay = self._payment_of_selection()
        self.paper_button.setEnabled(bool(pay and not pay.reversed and fees.stock and not fees.unconfirmed))
        self.confirm_paper_button.setEnabled(bool(fees and fees.unconfirmed))
        self.void_button.setEnabled(key.startswith("paper:"))
        self.reverse_button.setEnabled(bool(pay and not pay.reversed))

    # -- paper receipts -----------------------------------------------------------------------
    def issue_paper(self) -> None:
        pay = self._payment_of_selection()
        if pay is None:
            return
        Op(self, jobs.take_paper, self.store, self.actor, pay.id, writer=True).success(self._paper_taken).failure(self._error).run()

    def _paper_taken(self, info) -> None:
        self._say(f"已领用收据号 {info.code} {info.number}，正在打印……")
        self._select_after_load = f"paper:{info.id}"
        self._print_when_rendered = f"paper:{info.id}"
        self.reload()

    def _print_paper(self, rd) -> None:
        receipt_id = int(rd.key.split(":")[1])
        unprinted = "收据未打印：请重新打印后按“确认已打印”，或将该号码作废（须值班长授权）"

        def done(result) -> None:
            if result.ok:
                Op(self, jobs.confirm_paper, self.store, self.actor, receipt_id, writer=True).success(
                    lambda info: (self._say(f"收据 {info.code} {info.number} 已打印"), self.reload())).failure(self._error).run()
            else:
                self._say(f"{result.error}。{unprinted}", error=True)

        if not self.view.print_current(done):
            self._say(unprinted, error=True)

    def confirm_paper(self) -> None:
        if self.fees is None or not self.fees.unconfirmed:
            return
        p = self.fees.unconfirmed[0]
        ok = QMessageBox.question(self, "确认收据", f"收据 {p.code} {p.number} 是否已经完好打印出来？\n"
                                  "选“否”则将其作废（须值班长授权）。")
        if ok == QMessageBox.StandardButton.Yes:
            Op(self, jobs.confirm_paper, self.store, self.actor, p.id, writer=True).success(lambda _i: self.reload()).failure(self._error).run()
        else:
            self._void(p.id, f"{p.code} {p.number}")

    def void_paper(self) -> None:
        key = self.selected_key()
        if key.startswith("paper:") and self.fees:
            rid = int(key.split(":")[1])
            p = next(x for b in self.fees.bills for x in b.paper if x.id == rid)
            self._void(rid, f"{p.code} {p.number}")

    def _void(self, receipt_id: int, label: str) -> None:
        reason, ok = QInputDialog.getText(self, "作废收据", f"作废收据 {label} 的原因（必填）：")
        if not ok:
            return
        if not reason.strip():
            self._say("作废收据必须填写原因", error=True)
            return
        auth = self._authorise()
        if auth is False:
            return
        Op(self, jobs.void_paper, self.store, self.actor, receipt_id, reason, auth or None, writer=True).success(
            lambda info: (self._say(f"收据 {info.code} {info.number} 已作废，号码不再使用"), self.reload())).failure(self._error).run()

    # -- reversal and close ---------------------------------------------------------------------
    def _authorise(self):
        """None when the actor may do it alone; an Authorisation; False when cancelled."""
        if allowed(self.actor.role, Action.REVERSE_FEE):
            return None
        auth = ask_authorisation(self, self.store, Action.REVERSE_FEE, self.actor)
        return auth if auth is not None else False

    def reverse(self) -> None:
        pay = self._payment_of_selection()
        if pay is None:
            return
        what = "退款" if pay.channel in ("cash", "card", "scan") else "冲红"
        reason, ok = QInputDialog.getText(self, "退款/冲红", f"{what} {format_yuan(pay.amount_fen)} 的原因（必填）：")
        if not ok:
            return
        if not reason.strip():
            self._say("退款（冲红）必须填写原因", error=True)
            return
        auth = self._authorise()
        if auth is False:
            return
        Op(self, jobs.reverse, self.store, self.actor, pay.id, reason, auth or None, writer=True).success(
            lambda _r: (self._say(f"已{what} {format_yuan(pay.amount_fen)}；红字电子票据将在同步后到达"), self.reload())).failure(self._error).run()

    def open_close(self) -> CloseDialog:
        dlg = CloseDialog(self.store, self.actor, self)
        dlg.open()
        return dlg

    # -- exemptions -----------------------------------------------------------------------------
    def add_exemption(self) -> None:
        if not self.fees or not self.fees.rules:
            return
        dlg = ExemptionDialog([r["name"] for r in self.fees.rules], self)
        if dlg.exec() and dlg.result_exemption is not None:
            self.exemptions.append(dlg.result_exemption)
            self._preview_total()

    def _clear_exemptions(self) -> None:
        self.exemptions = []
        self._preview_total()

    # -- messages -------------------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.message.setText(text)

    def _error(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed) and self.exemptions and "减免" in exc.message:
            self.exemptions.pop()  # the exemption just added was refused: take it back
        self._say(error_text(exc), error=True)
        self._set_enabled()
