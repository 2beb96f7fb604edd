"""The hall display (叫号大屏): latest calls large, each window's number, waiting counts, a
scrolling notice, and the spoken call."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hallclient.queue.announce import announcement, display_text, window_label
from hallclient.queue.model import HALL_TZ
from sync.hallqueue.client import QueueClient, QueueRefused
from ui.ops import Op
from ui.queue.follower import EventFollower
from ui.queue.voice import Announcer

log = logging.getLogger(__name__)

CALL_TYPES = ("call", "recall", "call_back")
#: Windows per column and at most three columns; a hall with more windows than fit shows them
#: in pages that turn every PAGE_TURN_MS. Text stays at least 32 px high at 1080p (from across
#: the hall), so the list gives way in columns and pages, never in size.
ROWS_PER_COLUMN = 10
MAX_COLUMNS = 3
PAGE_TURN_MS = 8000
WINDOW_NAME_PX = 32
WINDOW_NUMBER_PX = 36
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
                 enable_speech: bool = True, parent=None, known_windows: list[tuple[str, str]] | None = None,
                 token: str = ""):
        """`known_windows`: (code, name) of the hall's windows from the local store, shown at
        once, also when the display starts while the queue service is down."""
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
        self.windows_grid.setHorizontalSpacing(18)
        self.window_state: dict[str, str] = {}  # code -> what the window shows
        self.page = 0
        self.pages = 1
        self._page_timer = QTimer(self, interval=PAGE_TURN_MS)
        self._page_timer.timeout.connect(self._turn_page)
        self.page_label = QLabel("", objectName="windows_page")
        self.page_label.setStyleSheet("font-size: 24px; color: #9fc3ff")

        frame_box = QVBoxLayout()
        frame_box.addWidget(self.windows_frame, 1)
        frame_box.addWidget(self.page_label)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(frame_box, 2)
        self.body = body

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
        self._offline_logged = False
        for code, name in known_windows or ():
            self.window_names[code] = name
            self.window_state.setdefault(code, "—")
        self._layout_windows()
        self.refresh_status(start_following=True)

    # -- data ---------------------------------------------------------------------------------
    def refresh_status(self, start_following: bool = False) -> None:
        Op(self, self.client.status).success(lambda st: self._apply_status(st, start_following)) \
            .failure(lambda e: self._offline(start_following, e)).run()

    def _offline(self, start_following: bool, exc: BaseException | None = None) -> None:
        refused = isinstance(exc, QueueRefused) and exc.status in (401, 403)
        if not self._offline_logged:  # once per outage, not every retry
            log.warning("hall queue service %s unreachable or refusing (%r); the display keeps retrying", self.url, exc)
            self._offline_logged = True
        # Shown on the hall's wall: says what is wrong, for the IT staff walking by.
        self.offline.setText("大屏的叫号服务凭据无效，请信息化人员处理" if refused else "叫号服务连接中断，正在重连…")
        if start_following:
            QTimer.singleShot(2000, lambda: self.refresh_status(start_following=True))

    def _apply_status(self, st: dict, start_following: bool) -> None:
        self.offline.setText("")
        if self._offline_logged:
            log.info("hall queue service %s reachable again", self.url)
            self._offline_logged = False
        if st.get("now"):  # the age of a call is judged on the service's clock, not this PC's
            self.clock_offset = datetime.fromisoformat(st["now"]) - datetime.now(timezone.utc)
        for w in st["windows"]:
            self.window_names[w["code"]] = w["name"]
            self.window_state[w["code"]] = "暂停服务" if w["paused"] else (w["current"] or "—")
        self._layout_windows()
        self.waiting.setText("　".join(f"{q['prefix']} {q['name']}：等候 {q['waiting']} 人" for q in st["queues"]))
        if start_following and not self.calls:
            self.calls = [dict(c) for c in st["recent_calls"]]
            self._show_calls()
        if start_following and self.follower is None:
            self.follower = EventFollower(self.url, st["cursor"], parent=self, token=self.token)
            self.follower.received.connect(self.on_events)
            self.follower.online.connect(lambda ok: self.offline.setText("" if ok else "叫号服务连接中断，正在重连…"))
            self.follower.start()

    # -- the windows' list: columns, then pages -------------------------------------------------
    def _layout_windows(self) -> None:
        codes = sorted(self.window_state)
        n = len(codes)
        cols = max(1, min(MAX_COLUMNS, math.ceil(n / ROWS_PER_COLUMN)))
        per_page = cols * ROWS_PER_COLUMN
        self.pages = max(1, math.ceil(n / per_page))
        self.page %= self.pages
        if self.pages > 1 and not self._page_timer.isActive():
            self._page_timer.start()
        elif self.pages == 1:
            self._page_timer.stop()
        # The list side widens with its columns.
        self.body.setStretch(0, 3 if cols == 1 else 2)
        self.body.setStretch(1, 2 if cols == 1 else 3)
        shown = codes[self.page * per_page:(self.page + 1) * per_page]
        rows = min(ROWS_PER_COLUMN, max(1, len(shown)))
        wanted = [(c, self.window_names.get(c, c), self.window_state[c]) for c in shown]
        if getattr(self, "_shown_windows", None) == (wanted, cols):
            return
        self._shown_windows = (wanted, cols)
        while self.windows_grid.count():
            item = self.windows_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.window_labels = {}
        for i, (code, name, state) in enumerate(wanted):
            col, row = divmod(i, rows)
            name_label = QLabel(name, objectName=f"winname_{code}")
            name_label.setStyleSheet(f"font-size: {WINDOW_NAME_PX}px")
            lab = QLabel(state, objectName=f"win_{code}")
            lab.setStyleSheet(f"font-size: {WINDOW_NUMBER_PX}px; font-weight: bold; color: #ffd54a")
            self.windows_grid.addWidget(name_label, row, col * 2)
            self.windows_grid.addWidget(lab, row, col * 2 + 1)
            self.window_labels[code] = lab
        self.page_label.setText(f"窗口 第 {self.page + 1}/{self.pages} 页" if self.pages > 1 else "")

    def _turn_page(self) -> None:
        self.page = (self.page + 1) % self.pages
        self._layout_windows()

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
