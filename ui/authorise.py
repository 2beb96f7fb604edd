"""The one on-the-spot authorisation dialog: a supervisor types their credentials at the
clerk's PC for one privileged action (fee reversal, certificate reprint, …).

The check is `hallclient.permissions.authorise` (offline, against the synced hashes), run on
the database writer because a wrong password counts towards the authoriser's lockout.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from hallclient.permissions import Action, Actor, Authorisation, authorise
from ui.ops import Op, error_text


def _check(store, action: Action, requester: Actor, username: str, password: str) -> Authorisation:
    with store.write() as s:
        try:
            return authorise(s, action, requester, username, password)
        finally:
            s.commit()  # a failed attempt counts towards the lockout


class AuthoriseDialog(QDialog):
    def __init__(self, store, action: Action, requester: Actor, parent=None):
        super().__init__(parent)
        self.store, self.action, self.requester = store, action, requester
        self.result_authorisation: Authorisation | None = None
        self.setWindowTitle("值班长授权")
        self.setObjectName("authorise_dialog")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"“{action.label}”需要值班长现场授权。\n请值班长输入本人的账号和密码："))
        form = QFormLayout()
        self.user = QLineEdit(objectName="authorise_username")
        self.password = QLineEdit(objectName="authorise_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("值班长账号", self.user)
        form.addRow("密码", self.password)
        lay.addLayout(form)
        self.message = QLabel(objectName="authorise_message")
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("授权")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.user.setFocus()

    def _submit(self) -> None:
        self.buttons.setEnabled(False)
        self.message.setText("正在核验…")
        Op(self, _check, self.store, self.action, self.requester, self.user.text(), self.password.text(),
           writer=True).success(self._granted).failure(self._refused).run()

    def _granted(self, auth: Authorisation) -> None:
        self.result_authorisation = auth
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.message.setText(error_text(exc))


def ask_authorisation(parent, store, action: Action, requester: Actor) -> Authorisation | None:
    """Show the dialog modally; the authorisation, or None when cancelled."""
    dlg = AuthoriseDialog(store, action, requester, parent)
    dlg.exec()
    return dlg.result_authorisation
