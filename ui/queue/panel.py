"""The window panel (叫号): current ticket, waiting counts, the clerk's actions on F-keys.

Every action goes to the hall queue service through an Op (never on the UI thread). When the
service is unreachable the panel says so in red and lets the clerk show a typed number on the
window's own LED strip.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hallclient.queue.announce import display_text
from hallclient.queue.model import PRIORITY_REASONS
from sync.hallqueue.client import QueueClient, QueueOffline, QueueRefused
from ui.ops import Op, error_text
from ui.queue import bridge

ACTIONS = [  # key, label, F-key
    ("call_next", "叫号", "F1"),
    ("recall", "重呼", "F2"),
    ("no_show", "过号", "F3"),
    ("transfer", "转移", "F4"),
    ("park", "挂起", "F5"),
    ("call_back", "回呼", "F6"),
    ("pause", "暂停", "F7"),
    ("end", "结束/评价", "F8"),
]
PAUSE_REASONS = ["午休", "临时离开", "业务咨询", "系统故障", "业务培训", "其他"]
#: How long the panel waits for the rating pad to take a request before the screen asks instead.
PAD_ANSWER_S = 5.0

log = logging.getLogger(__name__)


class TransferDialog(QDialog):
    def __init__(self, queues: list[dict], windows: list[dict], own: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("转移")
        self.target = QComboBox(objectName="transfer_target")
        for q in queues:
            self.target.addItem(f"队列 {q['prefix']} {q['name']}", ("queue", q["prefix"]))
        for w in windows:
            if w["code"] != own:
                self.target.addItem(f"窗口 {w['name']}", ("window", w["code"]))
        self.keep = QCheckBox("保留原排队位置（否则排到队尾）", objectName="transfer_keep")
        self.keep.setChecked(True)
        form = QFormLayout(self)
        form.addRow("转到", self.target)
        form.addRow(self.keep)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)


class QueuePanel(QWidget):
    """`compact`: the ticket strip on top of the workbench (one visit on one screen); else the
    full page. `own_keys`: the panel binds its F-keys itself (used alone); in the main window the
    window-wide actions of ui.keymap do, so no key is bound twice."""

    def __init__(self, url: str, window_code: str, window_name: str = "", clerk: str = "", served_queues=(),
                 store=None, clerk_id: int | None = None, window_id: int | None = None, main_window=None, parent=None,
                 *, compact: bool = False, own_keys: bool = True, clerk_display: str = "", token: str = ""):
        super().__init__(parent)
        self.url, self.code, self.window_name = url, window_code, window_name or f"{window_code}号窗口"
        self.clerk, self.served_queues = clerk, list(served_queues)
        self.clerk_display = clerk_display or clerk
        self.store, self.clerk_id, self.window_id, self.main_window = store, clerk_id, window_id, main_window
        self.compact = compact
        self.client = QueueClient(url, timeout=5, token=token)
        self.current: dict | None = None
        self.status: dict = {}
        self.online: bool | None = None
        self.paused = False
        self.rating_dialog = None
        self.last_result: dict | None = None
        self._registering = False
        self._offline_logged = False

        self.banner = QLabel(objectName="queue_banner")
        self.banner.setWordWrap(True)
        self.current_label = QLabel("—", objectName="current_ticket")
        self.current_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current_label.setStyleSheet(f"font-size: {30 if compact else 54}pt; font-weight: bold; color: #0b5394")
        self.current_info = QLabel("尚未叫号", objectName="current_info")
        self.current_info.setAlignment(Qt.AlignmentFlag.AlignLeft if compact else Qt.AlignmentFlag.AlignCenter)
        self.current_info.setStyleSheet(f"font-size: {11 if compact else 14}pt")
        self.message = QLabel(objectName="queue_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"font-size: {10 if compact else 12}pt; color: #444")
        self.waiting = QLabel(objectName="waiting_counts")
        self.waiting.setStyleSheet(f"font-size: {10 if compact else 13}pt")
        self.waiting.setWordWrap(True)

        grid = QGridLayout()
        grid.setSpacing(4 if compact else 6)
        self.buttons: dict[str, QPushButton] = {}
        for i, (key, label, fkey) in enumerate(ACTIONS):
            b = QPushButton(f"{label}\n{fkey}", objectName=f"btn_{key}")
            if compact:
                b.setMinimumSize(72, 44)
                b.setStyleSheet("font-size: 10pt")
            else:
                b.setMinimumSize(120, 64)
                b.setStyleSheet("font-size: 14pt")
            b.clicked.connect(getattr(self, f"do_{key}"))
            grid.addWidget(b, 0 if compact else i // 4, i if compact else i % 4)
            self.buttons[key] = b
            if own_keys:
                sc = QShortcut(QKeySequence(fkey), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
                sc.activated.connect(b.click)
        # Offline, a disabled 叫号 must not look pressable: the clerk would keep hitting F1.
        self.buttons["call_next"].setStyleSheet(f"QPushButton {{ font-size: {12 if compact else 16}pt; font-weight: bold;"
                                                " background: #1b7f3b; color: white }"
                                                " QPushButton:disabled { background: #c9d8cd; color: #7a8a7f }")

        # 叫指定号: Shift+F1 puts the cursor here, Enter calls the typed number (an applicant back
        # from fetching a copy, an appointment the clerk takes out of turn).
        self.specific_no = QLineEdit(objectName="specific_no")
        self.specific_no.setPlaceholderText("指定号码，如 A012")
        self.specific_no.setMaximumWidth(150 if compact else 180)
        self.specific_no.setStyleSheet(f"font-size: {10 if compact else 13}pt")
        self.specific_no.returnPressed.connect(self.do_call_specific)
        self.specific_btn = QPushButton("叫指定号 Shift+F1" if compact else "叫指定号\nShift+F1", objectName="btn_call_specific")
        self.specific_btn.setMinimumSize(0 if compact else 120, 0 if compact else 48)
        self.specific_btn.clicked.connect(self.do_call_specific)
        if own_keys:
            sc = QShortcut(QKeySequence("Shift+F1"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.focus_specific)
        specific = QHBoxLayout()
        if not compact:
            specific.addWidget(QLabel("叫指定号："))
        specific.addWidget(self.specific_no)
        specific.addWidget(self.specific_btn)
        if not compact:
            specific.addStretch()

        # Offline fallback: announce a typed number on this window's own LED strip.
        self.manual_no = QLineEdit(objectName="manual_no")
        self.manual_no.setPlaceholderText("手动号码，如 A012")
        self.manual_no.setMaximumWidth(150 if compact else 180)
        self.manual_btn = QPushButton("在本窗口屏显示", objectName="manual_show")
        self.manual_btn.clicked.connect(self.show_manual)
        manual_box = QWidget(objectName="manual_box")
        manual = QHBoxLayout(manual_box)
        manual.setContentsMargins(0, 0, 0, 0)
        manual.addWidget(QLabel("离线叫号："))
        manual.addWidget(self.manual_no)
        manual.addWidget(self.manual_btn)
        manual.addStretch()
        self.manual_box = manual_box

        lay = QVBoxLayout(self)
        if compact:
            lay.setContentsMargins(4, 2, 4, 2)
            lay.setSpacing(2)
            top = QHBoxLayout()
            ticket = QVBoxLayout()
            ticket.setSpacing(0)
            self.current_label.setMinimumWidth(120)
            ticket.addWidget(self.current_label)
            top.addLayout(ticket)
            info = QVBoxLayout()
            info.setSpacing(0)
            self.visit_info = QLabel(objectName="visit_info")  # queue, waited, service timer (workbench)
            self.visit_info.setTextFormat(Qt.TextFormat.RichText)
            self.visit_info.setStyleSheet("font-size: 11pt")
            info.addWidget(self.visit_info)
            info.addWidget(self.current_info)
            top.addLayout(info, 1)
            top.addLayout(grid)
            lay.addLayout(top)
            second = QHBoxLayout()
            second.addWidget(self.banner, 1)
            second.addWidget(self.waiting, 2)
            second.addWidget(self.message, 2)
            second.addLayout(specific)
            second.addWidget(manual_box)
            lay.addLayout(second)
            manual_box.setVisible(False)  # shown only while the service is offline
        else:
            self.visit_info = None
            lay.addWidget(self.banner)
            lay.addWidget(QLabel(f"<b>{self.window_name}</b>　当前号码"))
            lay.addWidget(self.current_label)
            lay.addWidget(self.current_info)
            lay.addLayout(grid)
            lay.addLayout(specific)
            lay.addWidget(self.message)
            lay.addWidget(QLabel("<b>等候人数</b>"))
            lay.addWidget(self.waiting)
            lay.addStretch()
            lay.addWidget(manual_box)

        self.timer = QTimer(self, interval=3000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._set_online(None)
        self.register_window()

    # -- service state ------------------------------------------------------------------------
    def _set_online(self, ok: bool | None, why: str = "") -> None:
        if ok is not None and ok != self.online:
            # The log gets one line per change of state, not one per poll.
            if ok:
                log.info("hall queue service %s reachable", self.url)
            else:
                log.warning("hall queue service %s unreachable: %s", self.url, why)
        self.online = ok
        self.manual_box.setVisible(ok is False or not self.compact)
        if ok is False:
            self.banner.setText("⚠ 大厅排队系统暂时连接不上。可输入号码在本窗口屏上显示，"
                                "并请信息技术人员检查叫号服务。")
            self.banner.setStyleSheet(f"background: #fdecea; color: #b00020; font-size: {10 if self.compact else 13}pt;"
                                      " padding: 4px")
        elif ok:
            self.banner.setText("叫号服务已连接")
            self.banner.setStyleSheet("color: #1b7f3b; padding: 4px")
        else:
            self.banner.setText("正在连接叫号服务…")
            self.banner.setStyleSheet("color: #666; padding: 4px")
        for key, b in self.buttons.items():
            b.setEnabled(ok is not False)

    def register_window(self) -> None:
        """Register this window with the service (again whenever the service does not know it:
        it was down when the panel started, or its database was replaced)."""
        if self._registering:
            return
        self._registering = True

        def work():
            st = self.client.status(self.code)
            if not any(w["code"] == self.code for w in st["windows"]):
                self.client.set_window(self.code, self.window_name, {"queues": self.served_queues}, self.clerk)
            elif self.clerk:
                self.client.set_window(self.code, clerk=self.clerk)
            return self.client.status(self.code)

        def done(st: dict) -> None:
            self._registering = False
            self._apply_status(st)

        def failed(exc: BaseException) -> None:
            self._registering = False
            self._failed(exc)

        Op(self, work).success(done).failure(failed).run()

    def refresh(self) -> None:
        Op(self, self.client.status, self.code).success(self._apply_status).failure(self._failed).run()

    def _apply_status(self, st: dict) -> None:
        self.status = st
        self._set_online(True)
        me = next((w for w in st["windows"] if w["code"] == self.code), None)
        if me is None:
            self.register_window()  # otherwise every action would be refused with 404
        else:
            self.current = me["ticket"]
            self.paused = me["paused"]
            self._show_current()
            self.buttons["pause"].setText("恢复\nF7" if self.paused else "暂停\nF7")
        self.waiting.setText("　".join(f"{q['prefix']} {q['name']}：{q['waiting']}" for q in st["queues"]
                                      if not self.served_queues or q["prefix"] in self.served_queues or q["waiting"]))

    def _show_current(self) -> None:
        t = self.current
        self.current_label.setText(t["no"] if t else "—")
        if t:
            prio = PRIORITY_REASONS.get(t.get("priority") or "", "")
            self.current_info.setText(f"第 {t['calls']} 次呼叫" + (f"　绿色通道：{prio}" if prio else ""))
        else:
            self.current_info.setText("暂停服务：" + next((w["pause_reason"] for w in self.status.get("windows", []) if w["code"] == self.code), "")
                                      if self.paused else "空闲，按 F1 叫下一位")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, QueueOffline):
            self._set_online(False, f"{self.url}: {exc.__cause__!r}")
            self.message.setText("")  # the banner says it, in words for people
            return
        if isinstance(exc, QueueRefused) and exc.status == 401:  # the service cannot be used at all
            self._set_online(False, "叫号服务不认可本机的凭据，请信息化人员发放")
        log.warning("queue action failed: %r", exc)
        self.message.setText(error_text(exc))

    # -- actions --------------------------------------------------------------------------------
    def _act(self, fn, *args, after=None) -> None:
        def done(r: dict) -> None:
            self.last_result = r
            self.message.setText(r["message"] if not r["ok"] else self._describe(r))
            if r["ok"] and r.get("ticket") and r["event"]["type"] in ("call", "call_back", "recall"):
                self.current = r["ticket"]
                self._show_current()
                bridge.led_show(bridge.hub_of(self), display_text(r["ticket"]["no"], self.code, self.window_name))
            if after and r["ok"]:
                after(r)
            self.refresh()

        Op(self, fn, *args).success(done).failure(self._failed).run()

    def _describe(self, r: dict) -> str:
        ev = r["event"]
        text = {"call": "已叫号", "recall": "已重呼", "no_show": "已过号", "transfer": "已转移", "park": "已挂起",
                "call_back": "已回呼", "pause": "窗口已暂停", "resume": "窗口已恢复", "end": "办理结束"}.get(ev["type"], "完成")
        return f"{text} {ev['ticket']}".strip()

    def _open_intake(self, r: dict) -> None:
        fn = getattr(self.main_window, "open_intake_for_ticket", None)
        if callable(fn):
            fn(r["ticket"]["no"])

    def do_call_next(self) -> None:
        self._act(self.client.call_next, self.code, after=self._open_intake)

    def call_specific(self, ticket_no: str) -> None:
        self._act(self.client.call, self.code, ticket_no.strip().upper(), after=self._open_intake)

    def focus_specific(self) -> None:
        self.specific_no.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.specific_no.selectAll()

    def do_call_specific(self) -> None:
        """Call the typed number; offline, show it on this window's LED strip instead."""
        no = self.specific_no.text().strip().upper()
        if not no:
            self.message.setText("请输入要呼叫的号码，如 A012")
            self.focus_specific()
            return
        self.specific_no.clear()
        if self.online is False:
            self.manual_no.setText(no)
            self.show_manual()
            return
        self.call_specific(no)

    def do_recall(self) -> None:
        self._act(self.client.recall, self.code)

    def do_no_show(self) -> None:
        self._act(self.client.no_show, self.code, after=lambda r: self._cleared())

    def _cleared(self) -> None:
        self.current = None
        self._show_current()

    def do_transfer(self) -> None:
        if not self.current:
            self.message.setText("当前没有正在办理的号")
            return
        d = TransferDialog(self.status.get("queues", []), self.status.get("windows", []), self.code, self)
        if d.exec() == QDialog.DialogCode.Accepted and d.target.currentData():
            kind, target = d.target.currentData()
            self.transfer_to(target if kind == "queue" else "", target if kind == "window" else "", d.keep.isChecked())

    def transfer_to(self, to_queue: str = "", to_window: str = "", keep_position: bool = True) -> None:
        self._act(self.client.transfer, self.code, to_queue, to_window, keep_position, after=lambda r: self._cleared())

    def do_park(self) -> None:
        self._act(self.client.park, self.code, after=lambda r: self._cleared())

    def do_call_back(self) -> None:
        parked = self.status.get("parked", [])
        if not parked:
            self.message.setText("本窗口没有挂起的号")
            return
        no = parked[0]
        if len(parked) > 1:
            no, ok = QInputDialog.getItem(self, "回呼", "选择挂起的号：", parked, 0, False)
            if not ok:
                return
        self.call_back(no)

    def call_back(self, ticket_no: str) -> None:
        self._act(self.client.call_back, self.code, ticket_no, after=self._open_intake)

    def do_pause(self) -> None:
        if self.paused:
            self._act(self.client.resume, self.code)
            return
        reason, ok = QInputDialog.getItem(self, "暂停窗口", "暂停原因：", PAUSE_REASONS, 0, True)
        if ok and reason.strip():
            self.pause(reason)

    def pause(self, reason: str) -> None:
        self._act(self.client.pause, self.code, reason)

    def do_end(self) -> None:
        ticket = (self.current or {}).get("no", "")
        self._act(self.client.end, self.code, after=lambda r: self.ask_rating(ticket))

    def ask_rating(self, ticket_no: str) -> None:
        """The rating pad when the hub has one; else the customer-facing rating window."""
        self._cleared()
        pad = bridge.rating_pad_of(bridge.hub_of(self))
        if pad is None:
            self.open_rating_dialog(ticket_no)
            return
        try:
            fut = pad.request(ticket_no, "请对本次服务进行评价")
        except Exception as e:  # noqa: BLE001 - whatever the pad does, the applicant is asked
            self._pad_failed(ticket_no, e)
            return
        self.message.setText(f"办理结束 {ticket_no}，正在请评价器评价…")
        # The pad answers on its worker thread; wait for it off the UI thread. A pad that is
        # unplugged, refuses or never answers must not mean that no rating is asked.
        Op(self, lambda: fut.result(PAD_ANSWER_S)).success(
            lambda _r: self.message.setText(f"办理结束 {ticket_no}，请申请人在评价器上评价")).failure(
            lambda e: self._pad_failed(ticket_no, e)).run()

    def _pad_failed(self, ticket_no: str, exc: BaseException) -> None:
        log.warning("rating pad failed for %s: %r", ticket_no, exc)
        why = getattr(exc, "message", "") or ("等待超时" if isinstance(exc, TimeoutError) else "连接失败")
        self.message.setText(f"评价器没有响应（{why}），已改在屏幕上请申请人评价 {ticket_no}；请检查评价器连接")
        self.open_rating_dialog(ticket_no)

    def open_rating_dialog(self, ticket_no: str) -> None:
        """The customer-facing rating window (second screen) for `ticket_no`."""
        if self.store is None:
            return
        from ui.queue.rating import RatingDialog

        if self.rating_dialog is not None:  # the previous visit's window: one at a time, not one per visit
            self.rating_dialog.deleteLater()
        self.rating_dialog = RatingDialog(self.store, ticket_no, self.clerk_id, self.window_id, self.clerk_display,
                                          parent=self, case_id=self.rating_case_id())
        self.rating_dialog.setWindowModality(Qt.WindowModality.NonModal)
        # The F-keys belong to the clerk's window again once the applicant has rated.
        self.rating_dialog.finished.connect(lambda _=0: (self.window().activateWindow(), self.setFocus()))
        self.rating_dialog.open()

    def rating_case_id(self) -> str | None:
        """The case of the visit being rated, when the host knows it (the workbench does)."""
        fn = getattr(self.main_window, "rating_case_id", None)
        return fn() if callable(fn) else None

    # -- offline -------------------------------------------------------------------------------
    def show_manual(self) -> None:
        no = self.manual_no.text().strip().upper()
        if not no:
            self.message.setText("请输入要显示的号码")
            return
        text = display_text(no, self.code, self.window_name)
        if bridge.led_show(bridge.hub_of(self), text):
            self.message.setText(f"已在本窗口屏显示：{text}")
        else:
            self.message.setText(f"本窗口没有可用的窗口屏，请口头呼叫：{text}")
        self.current_label.setText(no)
        self.current_info.setText("离线叫号（未记入大厅排队系统）")


def queue_page(mw) -> QueuePanel:
    """Factory of the "queue" page of the main window."""
    from hallclient import settings
    from hallclient.models import Window

    with mw.store.read() as s:
        url, token = settings.get(s, settings.QUEUE_SERVICE_URL), settings.get(s, settings.QUEUE_TOKEN)
        demo = mw.ctx.services.get("demo_queue")
        if demo is not None:  # the demo's own service, and a token for this window on it
            url, token = demo.url, demo.token("window", mw.session.window_code or "00", label="demo")
        w = s.get(Window, mw.session.window_id) if mw.session.window_id else None
        queues = list(w.queues) if w else []
    return QueuePanel(url, mw.session.window_code or "00", mw.session.window_name, mw.session.username, queues,
                      store=mw.store, clerk_id=mw.session.user_id, window_id=mw.session.window_id, main_window=mw,
                      token=token)
