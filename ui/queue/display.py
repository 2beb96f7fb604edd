"""The hall display (叫号大屏): latest calls large, each window's number, waiting counts, a
scrolling notice, and the spoken call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hallclient.queue.announce import announcement, display_text, window_label
from hallclient.queue.model import HALL_TZ
from sync.hallqueue.client import QueueClient, QueueRefused
from ui.ops import Op
from ui.queue.follower import EventFollower
from ui.queue.voice import Announcer

CALL_TYPES = ("call", "recall", "call_back")
#: A call older than this is shown but not spoken: after a network drop the display receives
#: the backlog it missed, and reading out ten stale calls would send people to the wrong window.
SPEAK_MAX_AGE_S = 60
STYLE = """
QWidget#hall_display { background: #0b1f3a; }
QLabel { color: #f4f6fa; }
QLabel#latest { color: #ffd54a; font-size: 64pt; font-weight: bold; }
QLabel#latest_window { color: #ffffff; font-size: 40pt; font-weight: bold; }
QLabel#header { font-size: 26pt; font-weight: bold; }
QLabel#clock { font-size: 20pt; }
QLabel.prev { font-size: 22pt; color: #9fc3ff; }
QFrame#windows { background: #12305a; border-radius: 12px; }
QLabel#notice { font-size: 18pt; color: #ffe9a8; background: #081628; padding: 6px; }
QLabel#waiting { font-size: 18pt; }
QLabel#offline { color: #ff8a80; font-size: 16pt; }
"""


class HallDisplay(QWidget):
    def __init__(self, url: str, hall_name: str = "政务服务中心", notice: str = "", voice_repeat: int = 2,
                 enable_speech: bool = True, parent=None, token: str = ""):
        super().__init__(parent)
        self.setObjectName("hall_display")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.url, self.voice_repeat = url, voice_repeat
        self.token = token
        self.client = QueueClient(url, timeout=5, token=token)
        self.announcer = Announcer(self, enable_speech=enable_speech)
        self.calls: list[dict] = []  # latest first
        self.window_labels: dict[str, QLabel] = {}
        self.window_names: dict[str, str] = {}
        self.follower: EventFollower | None = None
        self.clock_offset = timedelta(0)  # service clock − this PC's clock, from the last status

        head = QHBoxLayout()
        head.addWidget(QLabel(f"{hall_name} · 叫号信息", objectName="header"))
        head.addStretch()
        self.offline = QLabel("", objectName="offline")
        head.addWidget(self.offline)
        self.clock = QLabel(objectName="clock")
        head.addWidget(self.clock)

        left = QVBoxLayout()
        self.latest = QLabel("——", objectName="latest")
        self.latest.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.latest_window = QLabel("请留意叫号", objectName="latest_window")
        self.latest_window.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addStretch()
        left.addWidget(self.latest)
        left.addWidget(self.latest_window)
        left.addSpacing(24)
        self.prev_labels = []
        for _ in range(4):
            lab = QLabel("")
            lab.setProperty("class", "prev")
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            left.addWidget(lab)
            self.prev_labels.append(lab)
        left.addStretch()

        self.windows_frame = QFrame(objectName="windows")
        self.windows_grid = QGridLayout(self.windows_frame)
        self.windows_grid.addWidget(QLabel("<b style='font-size:18pt'>窗口</b>"), 0, 0)
        self.windows_grid.addWidget(QLabel("<b style='font-size:18pt'>当前号码</b>"), 0, 1)

        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addWidget(self.windows_frame, 2)

        self.waiting = QLabel("", objectName="waiting")
        self.waiting.setWordWrap(True)
        self.notice_text = (notice or "请取号后留意屏幕和语音叫号；老年人、残疾人、孕妇、军人可走绿色通道。过号请在自助取号机“过号登记”或到导服台登记。") + "　　　　"
        self.notice = QLabel(self.notice_text, objectName="notice")
        # The scrolled text is longer than the screen: it must not widen the window.
        self.notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addLayout(body, 1)
        lay.addWidget(self.waiting)
        lay.addWidget(self.notice)

        self._tick = QTimer(self, interval=300)
        self._tick.timeout.connect(self._advance)
        self._tick.start()
        self._status_timer = QTimer(self, interval=250, singleShot=True)
        self._status_timer.timeout.connect(self.refresh_status)
        self._advance()
        self.refresh_status(start_following=True)

    # -- data ---------------------------------------------------------------------------------
    def refresh_status(self, start_following: bool = False) -> None:
        Op(self, self.client.status).success(lambda st: self._apply_status(st, start_following)) \
            .failure(lambda e: self._offline(start_following, e)).run()

    def _offline(self, start_following: bool, exc: BaseException | None = None) -> None:
        refused = isinstance(exc, QueueRefused) and exc.status in (401, 403)
        # Shown on the hall's wall: says what is wrong, for the IT staff walking by.
        self.offline.setText("大屏的叫号服务凭据无效，请信息化人员处理" if refused else "叫号服务连接中断，正在重连…")
        if start_following:
            QTimer.singleShot(2000, lambda: self.refresh_status(start_following=True))

    def _apply_status(self, st: dict, start_following: bool) -> None:
        self.offline.setText("")
        if st.get("now"):  # the age of a call is judged on the service's clock, not this PC's
            self.clock_offset = datetime.fromisoformat(st["now"]) - datetime.now(timezone.utc)
        for i, w in enumerate(st["windows"], start=1):
            self.window_names[w["code"]] = w["name"]
            lab = self.window_labels.get(w["code"])
            if lab is None:
                name = QLabel(w["name"])
                name.setStyleSheet("font-size: 18pt")
                lab = QLabel(objectName=f"win_{w['code']}")
                lab.setStyleSheet("font-size: 20pt; font-weight: bold; color: #ffd54a")
                self.windows_grid.addWidget(name, i, 0)
                self.windows_grid.addWidget(lab, i, 1)
                self.window_labels[w["code"]] = lab
            lab.setText("暂停服务" if w["paused"] else (w["current"] or "—"))
        self.waiting.setText("　".join(f"{q['prefix']} {q['name']}：等候 {q['waiting']} 人" for q in st["queues"]))
        if start_following and not self.calls:
            self.calls = [dict(c) for c in st["recent_calls"]]
            self._show_calls()
        if start_following and self.follower is None:
            self.follower = EventFollower(self.url, st["cursor"], parent=self, token=self.token)
            self.follower.received.connect(self.on_events)
            self.follower.online.connect(lambda ok: self.offline.setText("" if ok else "叫号服务连接中断，正在重连…"))
            self.follower.start()

    def on_events(self, events: list[dict]) -> None:
        for ev in events:
            if ev["type"] in CALL_TYPES and ev["outcome"] == "ok":
                name = ev["data"].get("window_name") or self.window_names.get(ev["window"], "")
                self.calls.insert(0, {"ticket": ev["ticket"], "window": ev["window"], "window_name": name})
                del self.calls[20:]
                if self.is_fresh(ev):
                    self.announcer.say(announcement(ev["ticket"], ev["window"], name), self.voice_repeat)
        self._show_calls()
        self._status_timer.start()  # one status refresh for a burst of events

    def is_fresh(self, ev: dict) -> bool:
        """Was the call made within SPEAK_MAX_AGE_S (on the service's clock)?"""
        try:
            at = datetime.fromisoformat(ev["at"])
        except (KeyError, TypeError, ValueError):
            return True
        return (datetime.now(timezone.utc) + self.clock_offset - at).total_seconds() <= SPEAK_MAX_AGE_S

    def _show_calls(self) -> None:
        if self.calls:
            c = self.calls[0]
            self.latest.setText(c["ticket"])
            self.latest_window.setText(f"请到 {window_label(c['window'], c.get('window_name', ''))} 办理")
        for lab, c in zip(self.prev_labels, self.calls[1:] + [None] * 4):
            lab.setText(display_text(c["ticket"], c["window"], c.get("window_name", "")) if c else "")

    def _advance(self) -> None:
        self.clock.setText(datetime.now(HALL_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        self.notice_text = self.notice_text[1:] + self.notice_text[0]  # the scrolling notice
        self.notice.setText(self.notice_text * 3)

    def closeEvent(self, e) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(e)

    def shutdown(self) -> None:
        self._tick.stop()
        if self.follower is not None:
            self.follower.stop()
            self.follower = None
