"""Changing one's password: 系统 ▸ 修改密码…, and the forced change of an initial password
before the main window opens (the user's `must_change_password`, set for users an
administrator created)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from hallclient import signin
from ui.ops import Op, error_text


def _change(store, actor, old: str, new: str) -> None:
    with store.sessionmaker() as s:
        try:
            signin.change_password(s, actor, old, new)
        finally:
            s.commit()  # a wrong old password is audited even though nothing changes


class PasswordDialog(QDialog):
    def __init__(self, store, actor, parent=None, forced: bool = False):
        super().__init__(parent)
        self.store, self.actor, self.forced = store, actor, forced
        self.changed = False
        self.setWindowTitle("修改密码")
        self.setObjectName("password_dialog")
        self.setMinimumWidth(400)
        lay = QVBoxLayout(self)
        intro = ("这是管理员为您设置的初始密码，请先设置您自己的密码再开始工作。" if forced
                 else "请输入原密码和新密码。")
        lay.addWidget(QLabel(intro + f"\n新密码至少 {signin.PASSWORD_MIN} 位，须同时包含字母和数字。", wordWrap=True))
        form = QFormLayout()
        self.old = QLineEdit(objectName="password_old")
        self.new = QLineEdit(objectName="password_new")
        self.again = QLineEdit(objectName="password_again")
        for e in (self.old, self.new, self.again):
            e.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("原密码", self.old)
        form.addRow("新密码", self.new)
        form.addRow("再输一遍", self.again)
        lay.addLayout(form)
        self.message = QLabel(objectName="password_message", wordWrap=True)
        self.message.setStyleSheet("color: #b00020")
        lay.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("修改")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出程序" if forced else "取消")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.old.setFocus()

    def _submit(self) -> None:
        if self.new.text() != self.again.text():
            self.message.setText("两次输入的新密码不一致")
            return
        try:
            signin.check_new_password(self.actor.username, self.new.text(), self.old.text())
        except signin.PasswordRejected as e:
            self.message.setText(e.message)
            return
        self.buttons.setEnabled(False)
        self.message.setText("正在保存……")
        Op(self, _change, self.store, self.actor, self.old.text(), self.new.text(), writer=True) \
            .success(self._done).failure(self._failed).run()

    def _done(self, _=None) -> None:
        self.changed = True
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(error_text(exc))
        self.old.clear()
        self.old.setFocus()


def install_password_menu(mw) -> None:
    act = QAction("修改密码…", mw, objectName="change_password")
    act.triggered.connect(lambda: PasswordDialog(mw.store, mw.session.actor, mw).exec())
    mw.system_menu.insertAction(mw.quit_action, act)
