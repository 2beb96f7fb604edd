"""The workbench page: the ticket strip (ui.queue.panel in its compact form) above the intake
page, one visit from the call (F1) to the rating (F8).

The keys are window-wide actions of the main window (ui.keymap); they reach this page through
`press(binding_id)`, so F1 works right after login whatever has focus. The visit's times
(waited, service timer against the 20-minute target) come from hallclient.visit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QMessageBox, QPushButton, QVBoxLayout, QWidget

from hallclient.visit import SERVICE_TARGET_MIN, mmss, visit_times, waited_text
from ui import keymap
from ui.intake.page import IntakePage
from ui.queue.panel import QueuePanel

log = logging.getLogger(__name__)

QUEUE_KEYS = ("call_next", "recall", "no_show", "transfer", "park", "call_back", "pause")
DECISION_KEYS = ("new_applicant", "accept", "supplement", "resume", "refuse", "unresolved", "withdraw", "print")
LEVEL_COLOURS = {"ok": "#1b7f3b", "near": "#b26a00", "over": "#b00020"}
#: Further steps of a visit, offered once the case is decided: page key -> button label.
STEPS = (("fees", "收费"), ("certificates", "出证"))
STEP_STATES = ("accepted", "completed")


class Workbench(QWidget):
    def __init__(self, mw, parent=None):
        super().__init__(parent)
        self.mw = mw
        self.ticket: dict | None = None  # the ticket of the visit, from the call to the end
        self._rating_case: str | None = None
        self.dialog = None
        self._shown = False
        self.ended: list[str] = []  # tickets whose visit ended here (tests, benchmark)
        self.ticket_panel = _ticket_panel(mw, self)
        self.intake = IntakePage(mw.store, mw.session, own_keys=False)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 2)
        lay.setSpacing(2)
        lay.addWidget(self.ticket_panel)
        lay.addWidget(line)
        lay.addWidget(self.intake, 1)
        self.step_buttons: dict[str, QPushButton] = {}
        for key, label in STEPS:
            # "收费 Ctrl+5", not "收费（Ctrl+5）": the full-width brackets of the two step buttons
            # pushed the decision row past 1366 pixels once both steps exist.
            b = QPushButton(f"{label} {keymap.key(f'page_{key}')}", objectName=f"step_{key}")
            b.clicked.connect(lambda _=False, k=key: self.open_step(k))
            b.setVisible(False)
            self.intake.decisions.steps.addWidget(b)
            self.step_buttons[key] = b
        self.intake.case_changed.connect(self._case_changed)
        self.clock = QTimer(self, interval=1000)
        self.clock.timeout.connect(self.show_times)
        self.show_times()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:  # the cursor starts where the first typing goes: the ID field
            self._shown = True
            self.intake.applicant.id_number.setFocus()

    # -- keys ------------------------------------------------------------------------------------
    def press(self, binding_id: str) -> None:
        """A window-wide key of the visit (ui.keymap) was pressed."""
        p = self.ticket_panel
        if binding_id in QUEUE_KEYS:
            if p.buttons[binding_id].isEnabled():
                getattr(p, f"do_{binding_id}")()
        elif binding_id == "call_specific":
            p.focus_specific()
        elif binding_id == "end":
            self.end_visit()
        elif binding_id == "receive_all":
            self.intake.receive_all()
        elif binding_id in DECISION_KEYS:
            self.intake.decisions.press(binding_id)

    # -- the visit -------------------------------------------------------------------------------
    def open_intake_for_ticket(self, ticket_no: str) -> None:
        """The strip called `ticket_no` (F1, Shift+F1, F6): a new visit starts."""
        t = self.ticket_panel.current or {}
        self.ticket = dict(t) if t.get("no") == ticket_no else {"no": ticket_no}
        self._rating_case = None
        self.ticket.setdefault("first_call_at", datetime.now(timezone.utc).isoformat())
        self.intake.new_applicant(ticket_no)
        self.clock.start()
        self.show_times()

    def visit_case_id(self) -> str | None:
        """The case of the visit (what 收费/出证 and the rating attach to)."""
        v = self.intake.view
        return v.snapshot.id if v is not None else None

    def user_switched(self, session) -> None:
        """A supervisor took the window over: they serve, print and are rated from now on."""
        self.intake.user_switched(session)
        p = self.ticket_panel
        p.clerk, p.clerk_id, p.clerk_display = session.username, session.user_id, session.display_name

    def rating_case_id(self) -> str | None:
        """The case the rating being asked belongs to (the visit has just ended)."""
        return self._rating_case or self.visit_case_id()

    def end_visit(self) -> None:
        """F8: end the visit and ask for the rating. A case still being checked is not lost (it
        stays a draft, found in 办件查询), but ending then is asked once."""
        v = self.intake.view
        if v is not None and v.snapshot.state == "draft":
            box = QMessageBox(QMessageBox.Icon.Question, "结束办理",
                              "当前办件尚未作出受理决定（已保存，可在办件查询中继续）。确定结束本次办理并请申请人评价吗？",
                              parent=self)
            yes = box.addButton("结束并评价", QMessageBox.ButtonRole.AcceptRole)
            box.addButton("返回", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(yes)
            box.setObjectName("confirm_end")
            self.dialog = box
            box.finished.connect(lambda _r: box.clickedButton() is yes and self._end())
            box.open()
            return
        self._end()

    def _end(self) -> None:
        p = self.ticket_panel
        no = (self.ticket or {}).get("no") or (p.current or {}).get("no", "")
        case_id = self.visit_case_id()
        if p.current and p.online:
            p.do_end()  # the service ends the ticket, then the panel asks the pad or the screen
        else:
            # No ticket in the service (offline, a walk-in): the visit is still rated.
            p.open_rating_dialog(no)
        if no:
            self.ended.append(no)
        log.info("visit ended: ticket %s case %s", no or "-", case_id or "-")
        self._rating_case = case_id
        self.ticket = None
        self.clock.stop()
        self.intake.new_applicant(None)
        self.show_times()

    def show_times(self) -> None:
        """The strip's second line: queue, waited, service timer against the target."""
        label = self.ticket_panel.visit_info
        t = self.ticket
        if not t:
            label.setText("<span style='color:#666'>等待叫号（F1 叫下一位）</span>")
            return
        times = visit_times(t.get("issued_at"), t.get("first_call_at"), datetime.now(timezone.utc))
        queue = t.get("queue", "")
        qname = next((q["name"] for q in self.ticket_panel.status.get("queues", []) if q.get("prefix") == queue), "")
        colour = LEVEL_COLOURS[times.level]
        label.setText(
            f"<b>{t['no']}</b>　{('队列 ' + queue + ' ' + qname) if queue else ''}　等候 {waited_text(times.waited_s)}"
            f"　办理 <b style='color:{colour}'>{mmss(times.served_s)}</b> / 目标 {SERVICE_TARGET_MIN} 分钟")

    # -- steps: fees, certificates ---------------------------------------------------------------
    def _case_changed(self, view) -> None:
        decided = view is not None and view.snapshot.state in STEP_STATES
        for key, b in self.step_buttons.items():
            b.setVisible(decided and self.mw.page_available(key))

    def open_step(self, key: str) -> None:
        self.mw.open_step(key)


def _ticket_panel(mw, host: Workbench) -> QueuePanel:
    from hallclient import settings
    from hallclient.models import Window

    with mw.store.read() as s:
        url = settings.get(s, settings.QUEUE_SERVICE_URL)
        w = s.get(Window, mw.session.window_id) if mw.session.window_id else None
        queues = list(w.queues) if w else []
        token = settings.get(s, settings.QUEUE_TOKEN)
    demo = mw.ctx.services.get("demo_queue")
    if demo is not None:  # the demo's own service, and a token for this window on it
        url, token = demo.url, demo.token("window", mw.session.window_code or "00", label="demo")
    return QueuePanel(url, mw.session.window_code or "00", mw.session.window_name, mw.session.username, queues,
                      store=mw.store, clerk_id=mw.session.user_id, window_id=mw.session.window_id, main_window=host,
                      compact=True, own_keys=False, clerk_display=mw.session.display_name, token=token)
