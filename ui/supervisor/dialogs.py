"""Dialogs of the supervisor's page: a case's detail and timeline with the review actions
(批注, 督办 with a deadline), and the steps of a 差评 follow-up (回访, 整改, 办结)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from hallclient.supervision import followups
from hallclient.supervision.overview import CaseDetail, case_detail, hall_time, reading
from ui.ops import Op, error_text


def _esc(s: str) -> str:
    return (s or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CaseDetailDialog(QDialog):
    """Detail, timeline, reviews; add a note or a follow-up flag (synced up as events)."""

    def __init__(self, store, actor, case_id: str, today: date, parent=None):
        super().__init__(parent)
        self.store, self.actor, self.case_id, self.today = store, actor, case_id, today
        self.setWindowTitle("办件详情")
        self.resize(760, 620)
        self.info = QLabel(objectName="sup_case_info")
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setWordWrap(True)
        self.timeline = QListWidget(objectName="sup_case_timeline")
        self.reviews = QListWidget(objectName="sup_case_reviews")
        self.note = QPlainTextEdit(objectName="sup_review_text")
        self.note.setPlaceholderText("批注或督办内容")
        self.note.setFixedHeight(60)
        self.flag = QCheckBox("督办，期限(&D)：", objectName="sup_review_flag")
        self.deadline = QDateEdit(QDate(today.year, today.month, today.day).addDays(3), objectName="sup_review_deadline")
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setEnabled(False)
        self.flag.toggled.connect(self.deadline.setEnabled)
        self.add_btn = QPushButton("保存批注(&S)", objectName="sup_review_add")
        self.add_btn.clicked.connect(self.add_review)
        self.message = QLabel(objectName="sup_case_message")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.flag)
        row.addWidget(self.deadline)
        row.addStretch(1)
        row.addWidget(self.add_btn)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.info)
        lay.addWidget(QLabel("办件过程（时间线）"))
        lay.addWidget(self.timeline, 3)
        lay.addWidget(QLabel("值班长批注与督办"))
        lay.addWidget(self.reviews, 1)
        lay.addWidget(self.note)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addWidget(close)
        self.reload()

    def _load(self) -> CaseDetail:
        with reading(self.store) as s:
            return case_detail(s, self.actor, self.case_id)

    def reload(self) -> None:
        Op(self, self._load).success(self.show_detail).failure(lambda e: self.message.setText(error_text(e))).run()

    def show_detail(self, d: CaseDetail) -> None:
        r = d.row
        broken = f"<p style='color:#b03020'><b>记录不完整：</b>{_esc(r.broken)}</p>" if r.broken else ""
        gaps = "；".join(f"{g.get('name')}（承诺 {g.get('due')} 前补交{'，已补交' if g.get('supplied') else ''}）" for g in d.gaps)
        self.info.setText(
            f"<h3>{_esc(r.case_no or '（未编号）')} · {_esc(r.state_label)}</h3>"
            f"<p>事项：{_esc(r.item_name)}（{_esc(r.item_code)}，{_esc(r.department)}，{_esc(r.case_type_name)}）<br>"
            f"申请人：{_esc(r.applicant_name)}　证件：{_esc(r.applicant_id_masked)}<br>"
            f"窗口：{_esc(r.window_code)}　人员：{_esc(r.clerk)}　接件：{hall_time(r.received_at)}<br>"
            f"承诺办结：{r.promised_date or '—'}{'（' + r.promised_note + '）' if r.promised_note else ''}　法定期限：{d.legal_due_date or '—'}"
            f"{'　补正期限：' + str(d.supplement_deadline) if d.supplement_deadline else ''}<br>"
            f"{'容缺材料：' + _esc(gaps) + '<br>' if gaps else ''}"
            f"{'说明：' + _esc(r.outcome_reason) + '<br>' if r.outcome_reason else ''}"
            f"{'法律依据：' + _esc(d.legal_basis) if d.legal_basis else ''}</p>{broken}"
        )
        self.timeline.clear()
        for e in d.timeline:
            extra = f"　{e.detail}" if e.detail else ""
            self.timeline.addItem(f"{hall_time(e.at, '%m-%d %H:%M:%S')}　{e.label}　→ {e.state}　{e.window_code}号窗口 {e.actor}{extra}")
        for rt in d.ratings:
            self.timeline.addItem(f"{hall_time(rt.at, '%m-%d %H:%M:%S')}　评价：{rt.level} 星 {'、'.join(rt.reasons)}")
        self.reviews.clear()
        for v in d.reviews:
            kind = f"督办（期限 {v.deadline}{'，已完成' if v.done else ''}）" if v.kind == "flag" else "批注"
            self.reviews.addItem(f"{hall_time(v.at, '%m-%d %H:%M')}　{v.by}　{kind}：{v.text}")

    def add_review(self) -> None:
        text = self.note.toPlainText()
        deadline = self.deadline.date().toPython() if self.flag.isChecked() else None

        def write():
            with self.store.session() as s:
                return followups.add_review(s, self.actor, self.case_id, text, deadline=deadline, today=self.today)

        def done(_v) -> None:
            self.note.clear()
            self.flag.setChecked(False)
            self.message.setText("已保存，将随同步上传")
            self.reload()

        Op(self, write, writer=True).success(done).failure(lambda e: self.message.setText(error_text(e))).run()


class FollowUpDialog(QDialog):
    """One step of a 差评 follow-up: 回访 (note), 整改 (plan + working days), 办结 (result)."""

    TITLES = {"callback": "差评回访", "fix": "安排整改", "close": "整改办结"}

    def __init__(self, store, actor, rating_id: str, step: str, today: date, default_days: int = 5, parent=None,
                 about: str = ""):
        super().__init__(parent)
        self.store, self.actor, self.rating_id, self.step, self.today = store, actor, rating_id, step, today
        self.setWindowTitle(self.TITLES[step])
        self.text = QPlainTextEdit(objectName="sup_fu_text")
        self.text.setPlaceholderText({"callback": "回访情况：联系了谁，对方的意见", "fix": "整改措施",
                                      "close": "整改结果（办结必须填写）"}[step])
        self.days = QSpinBox(objectName="sup_fu_days")
        self.days.setRange(1, 60)
        self.days.setValue(default_days)
        self.message = QLabel(objectName="sup_fu_message")
        self.message.setWordWrap(True)
        form = QFormLayout()
        if about:
            what = QLabel(about, objectName="sup_fu_about")
            what.setWordWrap(True)
            form.addRow("差评：", what)
        form.addRow("内容(&T)：", self.text)
        if step == "fix":
            form.addRow("整改期限（工作日）(&D)：", self.days)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.result_view = None

    def save(self) -> None:
        text, days = self.text.toPlainText(), self.days.value()

        def write():
            with self.store.session() as s:
                if self.step == "callback":
                    return followups.record_callback(s, self.actor, self.rating_id, text)
                if self.step == "fix":
                    return followups.start_fix(s, self.actor, self.rating_id, text, days, today=self.today)
                return followups.close(s, self.actor, self.rating_id, text)

        def done(v) -> None:
            self.result_view = v
            self.accept()

        Op(self, write, writer=True).success(done).failure(lambda e: self.message.setText(error_text(e))).run()
