"""The intake page (受理): applicant, service item, material checklist, decision, documents.

Keyboard path of a clerk (keys from ui.keymap): type the ID, Enter → (name, Enter, for a new
applicant) → type the item ("gtgsh"), arrows, Enter → Ctrl+R (all received) or R/M/D/G/E/N per
row → F9 accept (for a 即办件 受理并办结, asked once) → Ctrl+P print the 受理通知书. Ctrl+N starts
another application within the same ticket. In the main window the page is the lower part of
the workbench (ui.workbench), under the ticket. All database work runs in
background operations; this class only arranges widgets and reacts to results.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from ui.intake import jobs
from ui.intake.applicant_panel import ApplicantPanel
from ui.intake.checklist_table import ChecklistTable
from ui.intake.decisions import DecisionBar, parse_day, refuse_dialog, supplement_dialog, unresolved_dialog, withdraw_dialog
from ui.intake.item_picker import ItemPicker
from ui.intake.preview import DocumentPreview
from ui.ops import Op, error_text

STATE_COLORS = {"accepted": "#1b5e20", "completed": "#1b5e20", "supplement": "#e65100", "refused": "#b00020"}


class IntakePage(QWidget):
    case_changed = Signal(object)  # CaseView | None
    document_ready = Signal(str)  # kind shown in the preview

    def __init__(self, store, session, parent=None, *, own_keys: bool = True):
        super().__init__(parent)
        self.store = store
        self.session = session
        self.desk = jobs.desk_of(session)
        self.view: jobs.CaseView | None = None
        self.ticket_no: str | None = None
        self.busy = False
        self.accept_clicked_at: float | None = None
        self.last_accept_to_preview_s: float | None = None
        self.dialog = None

        self.applicant = ApplicantPanel(store)
        self.items = ItemPicker(store, session.user_id)
        self.checklist = ChecklistTable(own_keys=own_keys)
        self.decisions = DecisionBar(own_keys=own_keys)
        self.preview = DocumentPreview(store, session.user_id)
        self.header = QLabel(objectName="case_header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.message = QLabel(objectName="intake_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")

        # At 1366x768 the applicant column is the tallest thing on the screen (the form, the
        # card photo, and the agent's or legal representative's rows when they apply): it
        # scrolls rather than pushing the window past the screen. The field with the focus is
        # kept in view (_keep_focus_visible).
        self.applicant_scroll = QScrollArea(objectName="applicant_scroll")
        self.applicant_scroll.setWidget(self.applicant)
        self.applicant_scroll.setWidgetResizable(True)
        self.applicant_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.applicant_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.applicant_scroll.setMinimumHeight(160)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.applicant_scroll)
        left.addWidget(self.items)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 0)
        left.setChildrenCollapsible(False)
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        self.middle_layout = ml  # the e-licence line goes under the header (LicenceAssist)
        ml.addWidget(self.header)
        ml.addWidget(self.checklist, 1)
        ml.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(self.preview)
        left.setMinimumWidth(340)
        middle.setMinimumWidth(520)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        self.split = split
        self._sized = False
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.decisions)

        self.applicant.completed.connect(self._applicant_completed)
        self.applicant.has_agent.toggled.connect(self._agent_toggled)
        self.applicant.resume_requested.connect(self.resume_case)
        self.items.chosen.connect(self.start_case)
        self.checklist.status_requested.connect(self.set_row)
        self.checklist.counts_requested.connect(self.set_counts)
        self.checklist.receive_all_requested.connect(self.receive_all)
        self.decisions.triggered.connect(self.trigger)
        self.preview.rendered.connect(self._rendered)
        from ui.certificates.licence_assist import LicenceAssist

        self.licences = LicenceAssist(self)  # 电子证照库: materials 免于提交 by themselves
        QApplication.instance().focusChanged.connect(self._keep_focus_visible)
        self._show(None)

    def user_switched(self, session) -> None:
        self.session = session
        self.desk = jobs.desk_of(session)
        self.preview.user_id = self.items.user_id = session.user_id

    def _keep_focus_visible(self, _old, new) -> None:
        if new is not None and self.applicant.isAncestorOf(new):
            self.applicant_scroll.ensureWidgetVisible(new, 0, 8)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._sized:  # proportions need the real width, known once shown
            self._sized = True
            w = max(self.split.width(), 1000)
            self.split.setSizes([int(w * 0.25), int(w * 0.45), int(w * 0.30)])
            # The item picker needs a search line and a few rows; the applicant takes the rest.
            left = self.split.widget(0)
            items = self.items.minimumSizeHint().height()
            left.setSizes([max(left.height() - items, 1), items])

    # -- flow ----------------------------------------------------------------------------------
    def new_applicant(self, ticket_no: str | None = None) -> None:
        """"下一位": a clean form, the cursor in the ID field."""
        self.ticket_no = ticket_no
        self.applicant.clear()
        self.items.search.clear()
        self.items.reload()
        self._show(None)
        self.message.clear()
        self.applicant.id_number.setFocus()

    # -- work in progress that survives a crash (ui.crash.DraftSource) ------------------------
    draft_kind = "intake"
    _DRAFT_FIELDS = ("id_number", "name", "phone", "address", "rep_name", "rep_id", "agent_id", "agent_name")

    def draft_state(self) -> dict | None:
        """The form and the open draft case, or None when nothing is in progress."""
        if self.view is not None and not self._draft():
            return None  # the case is decided: nothing left to lose
        a = self.applicant
        fields = {f: getattr(a, f).text() for f in self._DRAFT_FIELDS}
        if not any(fields.values()) and self.view is None:
            return None
        from hallclient.personal import mask_id

        return {
            "summary": f"{fields['name'] or '未填姓名'}（{mask_id(fields['id_number']) or '未填证件号'}）",
            "kind": a.kind.currentData(), "has_agent": a.has_agent.isChecked(), "fields": fields,
            "case_id": self.view.snapshot.id if self._draft() else None, "ticket_no": self.ticket_no,
        }

    def restore_draft(self, state: dict) -> None:
        a = self.applicant
        a.clear()
        a.kind.setCurrentIndex(max(0, a.kind.findData(state.get("kind", "person"))))
        a.has_agent.setChecked(bool(state.get("has_agent")))
        for f in self._DRAFT_FIELDS:
            getattr(a, f).setText(state.get("fields", {}).get(f, ""))
        self.ticket_no = state.get("ticket_no")
        if state.get("case_id"):
            self._run(jobs.case_view, self.store, state["case_id"])
        self.message.setText("已恢复上次未完成的录入，请核对后继续。")

    def _draft(self) -> bool:
        return self.view is not None and self.view.snapshot.state == "draft"

    def _applicant_completed(self) -> None:
        # An agent ticked and filled after the item was picked belongs to the draft case too.
        if not self._sync_agent():
            self.items.search.setFocus()

    def _agent_toggled(self, on: bool) -> None:
        if not on:
            self._sync_agent()  # unticked: the case has no agent (nor their letter) any more

    def _sync_agent(self) -> bool:
        """Attach, replace or remove the agent of the draft case to match the panel; returns
        whether a change was started (or refused with a message)."""
        if not self._draft():
            return False
        try:
            agent = self.applicant.agent_input()
        except Exception as e:  # noqa: BLE001 - ValidationFailed: tell, keep the typing
            self.message.setText(error_text(e))
            return True
        if not _agent_differs(agent, self.view.snapshot.agent):
            return False
        self._run(jobs.set_agent, self.store, self.desk, self.view.snapshot.id, agent, focus_table=True)
        return True

    def start_case(self, item_id: int) -> None:
        if self._draft() and self.view.item_id == item_id:
            if not self._sync_agent():
                self.checklist.table.setFocus()
            return
        try:
            applicant = self.applicant.applicant_input()
            agent = self.applicant.agent_input()
        except Exception as e:  # noqa: BLE001 - ValidationFailed: tell, keep the typing
            self.message.setText(error_text(e))
            self.applicant.id_number.setFocus()
            return
        self._run(jobs.start, self.store, self.desk, applicant, agent, item_id, self.ticket_no, focus_table=True,
                  card_verified=self.applicant.card_verified_for(applicant))

    def set_row(self, row_id: int, status: str, detail: str, due) -> None:
        if self.view:
            self._run(jobs.set_row, self.store, self.view.snapshot.id, row_id, status, detail, due, focus_table=True)

    def set_counts(self, row_id: int, originals: int, copies: int) -> None:
        if self.view:
            self._run(jobs.set_counts, self.store, self.view.snapshot.id, row_id, originals, copies, focus_table=True)

    def receive_all(self) -> None:
        if self.view and self.view.snapshot.state == "draft":
            self._run(jobs.receive_all, self.store, self.view.snapshot.id, focus_table=True)

    def resume_case(self, case_id: str) -> None:
        self._run(jobs.decide, self.store, self.desk, case_id, "resume", focus_table=True)

    def trigger(self, key: str) -> None:
        if key in ("new_applicant", "next"):
            self.new_applicant(self.ticket_no)  # another application of the same person: the ticket stays
            return
        if key == "print":
            self.preview.print_document()
            return
        if self.view is None and key != "unresolved":
            return
        cid = self.view.snapshot.id if self.view else None
        if key == "accept":
            self.accept_clicked_at = time.perf_counter()
            self._run(jobs.decide, self.store, self.desk, cid, key)
        elif key == "accept_complete":
            self._confirm_complete(cid)
        elif key == "resume":
            self._run(jobs.decide, self.store, self.desk, cid, key, focus_table=True)
        elif key == "supplement":
            Op(self, jobs.supplement_deadline, self.store).success(lambda d: self._ask_supplement(cid, d)).failure(
                lambda e: self.message.setText(error_text(e))).run()
        elif key == "refuse":
            self._ask(refuse_dialog(self), lambda v: self._run(jobs.decide, self.store, self.desk, cid, "refuse", **v))
        elif key == "withdraw":
            self._ask(withdraw_dialog(self), lambda v: self._run(jobs.decide, self.store, self.desk, cid, "withdraw", **v))
        elif key == "unresolved":
            item_id = self.view.item_id if self.view else None
            applicant = None if self.view else self._panel_applicant()
            self._ask(unresolved_dialog(self), lambda v: Op(self, jobs.record_unresolved, self.store, self.desk,
                                                            v["reason"], cid, item_id, applicant, writer=True)
                      .success(lambda _id: self.message.setText("已登记“办不成事”，将由专人跟进"))
                      .failure(lambda e: self.message.setText(error_text(e))).run())

    def _confirm_complete(self, cid: str) -> None:
        """受理并办结 cannot be undone: ask once (Enter confirms, Esc goes back)."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Question, "受理并办结",
                          "即办件将当场受理并办结，办结后不能撤回。确定办结吗？", parent=self)
        yes = box.addButton("确定办结", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("返回", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setObjectName("confirm_complete")
        self.dialog = box

        def answered(_r) -> None:
            if box.clickedButton() is yes and self.view is not None and self.view.snapshot.id == cid:
                self.accept_clicked_at = time.perf_counter()
                self._run(jobs.decide, self.store, self.desk, cid, "accept_complete")
            self._back_from_dialog(0)

        box.finished.connect(answered)
        box.open()

    def _panel_applicant(self):
        """The applicant of the panel for a "办不成事" without a case, when the form holds a
        valid one; an empty or unfinished form records the request without a person."""
        try:
            return self.applicant.applicant_input()
        except Exception:  # noqa: BLE001 - ValidationFailed: nobody identifiable yet
            return None

    def _ask_supplement(self, cid: str, default) -> None:
        from hallclient.intake.cases import local_today

        if self.view is None or self.view.snapshot.id != cid:
            return  # the clerk moved on meanwhile
        self._ask(supplement_dialog(self, default, local_today()),
                  lambda v: self._run(jobs.decide, self.store, self.desk, cid, "supplement",
                                      deadline=parse_day(v["deadline"])))

    def _ask(self, dialog, then) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: then(dialog.values()))
        dialog.finished.connect(self._back_from_dialog)
        dialog.open()
        next(iter(dialog.edits.values())).setFocus()

    def _back_from_dialog(self, _result: int) -> None:
        # The keyboard goes back to the checklist, so the next shortcut works at once.
        self.window().activateWindow()
        self.checklist.table.setFocus()

    # -- background work -----------------------------------------------------------------------
    def _run(self, fn, *args, focus_table: bool = False, **kw) -> None:
        if self.busy:
            return  # one write at a time from this page; a double Enter does nothing twice
        self.busy = True
        self.message.setText("")

        def done(view):
            self.busy = False
            self._show(view)
            if focus_table:
                self.checklist.table.setFocus()

        def failed(exc):
            self.busy = False
            self.message.setText(error_text(exc))

        Op(self, fn, *args, writer=True, **kw).success(done).failure(failed).run()

    def _show(self, view: jobs.CaseView | None) -> None:
        self.view = view
        self.checklist.show_view(view)
        if view is None:
            self.header.setText("<b>请读取身份证或输入证件号码，然后选择办理事项</b>"
                                + (f"　当前号：{self.ticket_no}" if self.ticket_no else ""))
            self.decisions.set_state(None, False, False)  # still 新申请 and 办不成事
            self.preview.set_case(None, ())
            self.preview.setVisible(False)
            self.case_changed.emit(None)
            return
        s = view.snapshot
        from hallclient.intake.cases import STATE_LABELS

        if s.state != "draft":  # "可以受理（F9）" is about a case still being checked
            self.checklist.summary.clear()

        color = STATE_COLORS.get(s.state, "#333")
        parts = [f"<b>{s.item_name}</b>（{s.case_type_name}）　申请人：{s.applicant.name}",
                 f"<span style='color:{color}'><b>{STATE_LABELS.get(s.state, s.state)}</b></span>"]
        if s.agent:
            parts.append(f"代办人：{s.agent.name}")
        if s.case_no:
            parts.append(f"<br>办件编号：<b>{s.case_no}</b>　查询密码：<b>{s.query_password}</b>　"
                         f"承诺办结：<b>{s.promised_date:%Y-%m-%d}</b>"
                         + ("<span style='color:#b26a00'>（暂定）</span>" if s.promised_provisional else ""))
        if s.state == "supplement":
            parts.append(f"<br>{s.outcome_reason}")
        self.header.setText("　".join(parts))
        if view.warnings:
            self.message.setText("；".join(view.warnings))
        # A draft (also one resumed after a supplement) is being checked: nothing to print yet;
        # its earlier notices stay reprintable from 办件查询.
        kinds = () if s.state == "draft" else jobs.documents_of(s)
        self.decisions.set_state(s.state, view.verdict.can_accept, s.case_type == "immediate",
                                 can_supplement=view.verdict.can_supplement, can_print=bool(kinds))
        # The preview takes room only when there is a document to show (1366 px is narrow).
        self.preview.setVisible(bool(kinds))
        if kinds and (self.preview.case_id != s.id or self.preview.kinds.count() != len(kinds)
                      or self.preview.kinds.itemData(0) != kinds[0]):
            self.preview.set_case(s.id, kinds, s)
        elif not kinds:
            self.preview.set_case(None, ())
        self.case_changed.emit(view)

    def _rendered(self, kind: str) -> None:
        if self.accept_clicked_at is not None and kind == "acceptance_notice":
            self.last_accept_to_preview_s = time.perf_counter() - self.accept_clicked_at
            self.accept_clicked_at = None
        self.document_ready.emit(kind)

    # -- entry points for the rest of the client -----------------------------------------------
    def fill_from_identity(self, doc) -> None:
        """An ID card was read (devices' card_read signal): start with that applicant."""
        if self.view is not None and self.view.snapshot.state != "draft":
            self.new_applicant(self.ticket_no)
        self.applicant.fill_from_identity(doc)


def _agent_differs(agent, current) -> bool:
    """Whether the agent typed in the panel (ApplicantInput | None) is not the case's agent
    (PartyInfo | None)."""
    if agent is None or current is None:
        return (agent is None) != (current is None)
    from hallclient.intake.applicants import check_applicant

    number = check_applicant(agent)[1]
    return number != current.id_number or agent.name.strip() != current.name
