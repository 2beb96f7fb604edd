"""办件查询: today's cases of this window, search over every local case, a detail view with
the event timeline, the print log and the documents (reprint from there, marked 补打)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hallclient.intake.cases import STATE_LABELS
from hallclient.disclosure import reveal_id_number
from hallclient.permissions import Action, allowed
from hallclient.personal import mask_id
from ui.authorise import ask_authorisation
from ui.intake import jobs
from ui.intake.preview import DocumentPreview
from ui.ops import Op, error_text

COLUMNS = ("办件编号", "状态", "事项", "申请人", "证件号码", "登记时间", "承诺办结")
EVENT_LABELS = {
    "created": "登记", "agent_set": "代办人", "accepted": "受理", "completed": "办结", "supplement_requested": "一次性告知补正",
    "resumed": "补正后继续办理", "refused": "不予受理", "withdrawn": "撤回", "unresolved_recorded": "办不成事登记",
    "decision": "审批决定", "certificate_issued": "制证", "certificate_fields": "补充证照内容",
    "certificate_printed": "打印证照", "certificate_reprinted": "补打证照", "certificate_spoiled": "证书作废",
    "handed_over": "出件",
    "fee_notice_issued": "开具缴款通知书（待缴费）", "fee_paid": "缴费", "fee_reversed": "退款/冲红",
    "fee_e_receipt": "财政电子票据", "fee_paper_receipt": "纸质收据", "fee_paper_receipt_voided": "纸质收据作废",
}


def _reveal(store, actor, case_id: str, authorisation):
    with store.session() as s:
        return reveal_id_number(s, actor, case_id, authorisation)


class CaseDetail(QWidget):
    def __init__(self, store, user_id, parent=None):
        super().__init__(parent)
        self.store = store
        self.info = QLabel(objectName="case_detail_info")
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        self.timeline = QListWidget(objectName="case_timeline")
        self.prints = QListWidget(objectName="case_prints")
        self.preview = DocumentPreview(store, user_id)
        self.preview.printed.connect(lambda *_: self.refresh())
        self._masked_line = ""
        self.actor = None  # callable giving the acting user (the page's session may switch)
        self.reveal = QPushButton("查看完整证件号码", objectName="reveal_id")
        self.reveal.setToolTip("将记入审计日志；窗口人员需值班长现场授权")
        self.reveal.clicked.connect(self.reveal_id)
        self.reveal.setEnabled(False)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.info)
        ll.addWidget(self.reveal, 0, Qt.AlignmentFlag.AlignLeft)
        ll.addWidget(QLabel("办件过程"))
        ll.addWidget(self.timeline, 2)
        ll.addWidget(QLabel("打印记录"))
        ll.addWidget(self.prints, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setSizes([420, 420])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.case_id: str | None = None

    def reveal_id(self) -> None:
        """The full ID number, on purpose: a supervisor directly, a clerk with a supervisor's
        authorisation; audited either way (hallclient.disclosure)."""
        if not self.case_id or self.actor is None:
            return
        actor = self.actor()
        auth = None
        if not allowed(actor.role, Action.VIEW_FULL_ID):
            auth = ask_authorisation(self, self.store, Action.VIEW_FULL_ID, actor)
            if auth is None:
                return
        Op(self, _reveal, self.store, actor, self.case_id, auth, writer=True).success(self._revealed).run()

    def _revealed(self, r) -> None:
        if r.case_id == self.case_id and self._masked_line in self.info.text():
            self.info.setText(self.info.text().replace(self._masked_line, f"{r.applicant_name}　{r.id_number}"))

    def show_case(self, case_id: str | None) -> None:
        self.case_id = case_id
        self.reveal.setEnabled(case_id is not None)
        if case_id is None:
            self.info.clear()
            self.timeline.clear()
            self.prints.clear()
            self.preview.set_case(None, ())
            return
        Op(self, jobs.case_detail, self.store, case_id).success(self._loaded).failure(
            lambda e: self.info.setText(error_text(e))).run()

    def refresh(self) -> None:
        if self.case_id:
            Op(self, jobs.case_detail, self.store, self.case_id).success(lambda r: self._loaded(r, keep_preview=True)).run()

    def _loaded(self, result, keep_preview: bool = False) -> None:
        snap, prints = result
        if snap.id != self.case_id:
            return
        a = snap.applicant
        self._masked_line = f"{a.name}　{mask_id(a.id_number)}"
        lines = [f"<b>{snap.item_name}</b>（{snap.case_type_name}）　<b>{STATE_LABELS.get(snap.state, snap.state)}</b>",
                 f"办件编号：{snap.case_no or '（未受理）'}　查询密码：{snap.query_password or '—'}",
                 f"申请人：{self._masked_line}" + (f"　代办人：{snap.agent.name}" if snap.agent else ""),
                 f"{snap.window_name}　{snap.clerk_name}"]
        if snap.promised_date:
            lines.append(f"承诺办结日期：{snap.promised_date:%Y-%m-%d}")
        if snap.outcome_reason:
            lines.append(snap.outcome_reason)
        if snap.training:
            lines.append("<span style='color:#e65100'>演练数据</span>")
        self.info.setText("<br>".join(lines))
        self.timeline.clear()
        for e in snap.events:
            extra = e.payload.get("reason") or e.payload.get("case_no") or ""
            self.timeline.addItem(f"{e.at.astimezone():%Y-%m-%d %H:%M}　{EVENT_LABELS.get(e.type, e.type)}　{e.actor}　{extra}")
        self.prints.clear()
        for p in prints:
            self.prints.addItem(f"{p.at.astimezone():%Y-%m-%d %H:%M}　{jobs.DOC_TITLES.get(p.document_kind, p.document_kind)}"
                                f"　{'补打' if p.reprint else '首次打印'}　{p.user}　{p.printer}")
        if not keep_preview:
            self.preview.set_case(snap.id, jobs.documents_of(snap), snap)


class CasesPage(QWidget):
    certificate_requested = Signal(str)  # case id: open it on the certificate page

    def __init__(self, store, session, parent=None, on_fees=None):
        super().__init__(parent)
        self.store = store
        self.session = session
        self.rows: list = []
        self.fees_button = QPushButton("收费（&F）", objectName="cases_fees")
        self.fees_button.setEnabled(on_fees is not None)
        if on_fees is not None:
            self.fees_button.clicked.connect(lambda: self.detail.case_id and on_fees(self.detail.case_id))
        self.search = QLineEdit(objectName="cases_search")
        self.search.setPlaceholderText("办件编号 / 证件号码 / 姓名 / 事项名称，回车查询")
        self.today_button = QPushButton("本窗口今日办件（Ctrl+T）", objectName="cases_today")
        self.today_button.setToolTip("今日办件（Ctrl+T）")  # the key is window-wide (ui.keymap); F5 is 挂起
        self.count = QLabel(objectName="cases_count")
        self.certificate_button = QPushButton("证照与出件(&A)", objectName="cases_certificate")
        self.certificate_button.clicked.connect(self._open_certificate)
        self.table = QTableWidget(0, len(COLUMNS), objectName="cases_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c in (0, 1, 3, 4, 5, 6):
            self.table.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.detail = CaseDetail(store, session.user_id)
        self.detail.actor = lambda: self.session.actor
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.today_button)
        top.addWidget(self.fees_button)
        top.addWidget(self.count)
        top.addWidget(self.certificate_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([300, 500])
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.search.returnPressed.connect(self.run_search)
        self.today_button.clicked.connect(self.show_today)
        self.table.currentCellChanged.connect(lambda r, *_: self._select(r))
        self.show_today()

    def user_switched(self, session) -> None:
        self.session = session
        self.detail.preview.user_id = session.user_id

    def show_today(self) -> None:
        Op(self, jobs.list_today, self.store, self.session.window_id).success(
            lambda rows: self._fill(rows, "今日")).run()

    def run_search(self) -> None:
        q = self.search.text().strip()
        if not q:
            self.show_today()
            return
        Op(self, jobs.list_search, self.store, q).success(lambda rows: self._fill(rows, "查询结果")).failure(
            lambda e: self.count.setText(error_text(e))).run()  # e.g. a query too long: said in the page

    def _fill(self, rows, what: str) -> None:
        self.rows = list(rows)
        self.table.setRowCount(len(self.rows))
        for r, c in enumerate(self.rows):
            cells = (c.case_no or "—", c.state_label + ("（演练）" if c.training else ""), c.item_name, c.applicant_name,
                     c.applicant_id_masked, f"{c.created_at.astimezone():%m-%d %H:%M}",
                     f"{c.promised_date:%Y-%m-%d}" if c.promised_date else "")
            for col, text in enumerate(cells):
                self.table.setItem(r, col, QTableWidgetItem(text))
        self.count.setText(f"{what}：{len(self.rows)} 件")
        if self.rows:
            self.table.blockSignals(True)  # (0, 0) may already be current: select explicitly
            self.table.setCurrentCell(0, 0)
            self.table.blockSignals(False)
            self._select(0)
        else:
            self.detail.show_case(None)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.detail.show_case(self.rows[row].id)

    def _open_certificate(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.certificate_requested.emit(self.rows[row].id)
