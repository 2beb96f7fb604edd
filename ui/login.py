"""Login dialog: user name, password and the window (counter) to work at."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)
from sqlalchemy import select

from hallclient import settings, signin
from hallclient.errors import LoginFailed
from hallclient.models import Hall, Window
from hallclient.permissions import Actor
from ui.ops import Op, error_text


@dataclass(frozen=True)
class Session:
    """Who is logged in, and where. Plain data: safe to pass anywhere."""

    user_id: int
    username: str
    display_name: str
    role: str
    window_id: int | None
    window_code: str
    window_name: str
    hall_code: str
    hall_name: str
    must_change_password: bool = False  # an initial password: changed before the main window opens

    @property
    def actor(self) -> "Actor":
        """The logged-in user as the core's permission checks take it."""
        return Actor(self.user_id, self.username, self.role, self.display_name)


def _windows(store) -> list[tuple[int, str, str]]:
    with store.read() as s:
        return [(w.id, w.code, w.name) for w in s.scalars(select(Window).where(Window.active.is_(True)).order_by(Window.code))]


def _login(store, username: str, password: str, window_id: int | None) -> Session:
    with store.write() as s:
        win = s.get(Window, window_id) if window_id else None
        try:
            user = signin.sign_in(s, username, password, window_code=win.code if win else "")
        except LoginFailed:
            s.commit()  # the failed attempt counts, and is audited
            raise
        hall = s.scalars(select(Hall)).first()
        if win:
            settings.set_value(s, settings.WINDOW_CODE, win.code)
        result = Session(
            user.user_id, user.username, user.display_name, user.role,
            win.id if win else None, win.code if win else "", win.name if win else "",
            hall.code if hall else "", hall.name if hall else "", user.must_change_password,
        )
        s.commit()
        return result


class LoginDialog(QDialog):
    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.session: Session | None = None
        self.setWindowTitle("登录 — 政务服务窗口客户端")
        self.setMinimumWidth(380)
        self.user = QLineEdit(objectName="username")
        self.user.setPlaceholderText("工号 / 用户名")
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.window_box = QComboBox(objectName="window")
        with store.read() as s:
            last = settings.get(s, settings.WINDOW_CODE)
        for wid, code, name in _windows(store):
            self.window_box.addItem(name, wid)
            if code == last:
                self.window_box.setCurrentIndex(self.window_box.count() - 1)
        self.message = QLabel(objectName="message")
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow("用户名", self.user)
        form.addRow("密码", self.password)
        form.addRow("窗口", self.window_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        title = QLabel("政务服务窗口客户端")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 18pt; font-weight: bold; margin: 8px")
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

    def try_login(self) -> None:
        if not self.user.text().strip() or not self.password.text():
            self.message.setText("请输入用户名和密码")
            return
        self.buttons.setEnabled(False)
        self.message.setText("正在验证……")
        Op(self, _login, self.store, self.user.text(), self.password.text(), self.window_box.currentData(), writer=True) \
            .success(self._ok).failure(self._failed).run()

    def _ok(self, session: Session) -> None:
        self.session = session
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(error_text(exc))
        self.password.clear()
        self.password.setFocus()
