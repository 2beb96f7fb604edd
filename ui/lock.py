"""Locking the window: after the idle time (setting 无操作自动锁屏) or with Ctrl+L.

A locked window hides everything it shows (pages, tool bar, menus, status bar) behind an opaque
panel that asks for the password; the widgets themselves stay as they are, so work in progress
(a half-filled intake form) is kept. The same user unlocks with their password; a supervisor
may unlock instead and then takes the window over (the main window's session switches to them).
Locking, unlocking and taking over are audit records (`hallclient.signin`).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFrame, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hallclient import settings, signin
from hallclient.accounts import Role
from ui import keymap
from ui.ops import Op, error_text

log = logging.getLogger(__name__)

LOCK_KEY = keymap.key("lock")  # Ctrl+L
_INPUT_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                 QEvent.Type.Wheel, QEvent.Type.TouchBegin}


class IdleWatch(QObject):
    """Emits `idle` when no key, mouse or wheel input reached the application for `minutes`."""

    idle = Signal()

    def __init__(self, minutes: int, parent=None):
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True)
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.timeout.connect(self.idle)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.start()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _INPUT_EVENTS:
            self.timer.start()  # restart: the clerk is there
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockPanel(QFrame):
    """The opaque panel over the whole window while it is locked."""

    def __init__(self, parent: QWidget):
        super().__init__(parent, objectName="lock_panel")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock_panel { background: #1f3a5f; } QLabel { color: white; }"
                           " #lock_message { color: #ffd0d0; }")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        box = QFrame(objectName="lock_box")
        box.setMaximumWidth(460)
        lay = QVBoxLayout(box)
        self.title = QLabel("窗口已锁定", objectName="lock_title")
        self.title.setStyleSheet("font-size: 22pt; font-weight: bold")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who = QLabel(objectName="lock_who")
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who.setWordWrap(True)
        form = QFormLayout()
        self.user = QLineEdit(objectName="lock_username")
        self.password = QLineEdit(objectName="lock_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(QLabel("用户名"), self.user)
        form.addRow(QLabel("密码"), self.password)
        self.message = QLabel(objectName="lock_message")
        self.message.setWordWrap(True)
        self.button = QPushButton("解锁", objectName="lock_unlock")
        self.button.setDefault(True)
        lay.addWidget(self.title)
        lay.addWidget(self.who)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.button)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)
        self.password.returnPressed.connect(self.button.click)
        self.user.returnPressed.connect(self.password.setFocus)
        self.hide()


def _lock_job(store, actor, reason: str, window_code: str) -> None:
    with store.session() as s:
        signin.lock(s, actor, reason, window_code=window_code)


def _unlock_job(store, locked, username: str, password: str, window_code: str) -> signin.SignedIn:
    with store.sessionmaker() as s:
        try:
            return signin.unlock(s, locked, username, password, window_code=window_code)
        finally:
            s.commit()  # a failed attempt counts and is audited


def _idle_minutes(store) -> int:
    with store.session() as s:
        return settings.get(s, settings.IDLE_LOCK_MINUTES)


class WindowLock(QObject):
    """The lock of one main window: `lock(reason)`, the panel, the idle watch, Ctrl+L."""

    locked_changed = Signal(bool)

    def __init__(self, mw):
        super().__init__(mw)
        self.mw = mw
        self.locked = False
        self.panel = LockPanel(mw)
        self.panel.button.clicked.connect(self._submit)
        # Ctrl+L, declared in the one key table (ui/keymap.py)
        self.action = keymap.install(mw, "lock", lambda: self.lock("key"), text="锁屏")
        self.idle = IdleWatch(_idle_minutes(mw.store), self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        self._disabled: list[QAction] = []
        mw.installEventFilter(self)

    # what the lock hides: every part of the window that can show personal data
    def _parts(self) -> list[QWidget]:
        mw = self.mw
        parts = [mw.centralWidget(), mw.statusBar(), mw.menuBar()]
        parts += [w for w in mw.findChildren(QWidget) if w.parent() is mw and w.metaObject().className() in ("QToolBar", "QDockWidget")]
        return [p for p in parts if p is not None]

    def lock(self, reason: str = "key") -> None:
        if self.locked:
            return
        self.locked = True
        self.idle.timer.stop()
        for w in self._parts():
            w.setVisible(False)
        self._disabled = [a for a in self.mw.findChildren(QAction) if a.isEnabled() and a is not self.action]
        for a in self._disabled:
            a.setEnabled(False)  # no page key (Ctrl+3…) reaches a hidden page
        self.panel.setGeometry(self.mw.rect())
        s = self.mw.session
        self.panel.who.setText(f"{s.display_name}（{Role(s.role).label}）已离开。本人输入密码解锁；值班长可输入本人账号接管。")
        self.panel.user.setText(s.username)
        self.panel.password.clear()
        self.panel.message.clear()
        self.panel.show()
        self.panel.raise_()
        self.panel.password.setFocus()
        self.locked_changed.emit(True)
        Op(self.mw, _lock_job, self.mw.store, s.actor, reason, s.window_code, writer=True) \
            .failure(lambda e: log.warning("lock not audited: %s", e)).run()

    def _submit(self) -> None:
        if not self.panel.password.text():
            self.panel.message.setText("请输入密码")
            return
        self.panel.button.setEnabled(False)
        self.panel.message.setText("正在验证……")
        s = self.mw.session
        Op(self.mw, _unlock_job, self.mw.store, s.actor, self.panel.user.text(), self.panel.password.text(),
           s.window_code, writer=True).success(self._unlocked).failure(self._refused).run()

    def _refused(self, exc: BaseException) -> None:
        self.panel.button.setEnabled(True)
        self.panel.password.clear()
        self.panel.password.setFocus()
        self.panel.message.setText(error_text(exc))

    def _unlocked(self, who: signin.SignedIn) -> None:
        self.panel.button.setEnabled(True)
        if who.user_id != self.mw.session.user_id:
            self.mw.switch_user(replace(self.mw.session, user_id=who.user_id, username=who.username,
                                        display_name=who.display_name, role=who.role, must_change_password=False))
        self.locked = False
        self.panel.password.clear()
        self.panel.hide()
        for w in self._parts():
            w.setVisible(True)
        for a in self._disabled:
            a.setEnabled(True)
        self._disabled = []
        self.mw.apply_role()
        self.idle.set_minutes(_idle_minutes(self.mw.store))
        self.locked_changed.emit(False)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.mw and event.type() == QEvent.Type.Resize and self.locked:
            self.panel.setGeometry(self.mw.rect())
        return False

    def close(self) -> None:
        self.idle.stop()
