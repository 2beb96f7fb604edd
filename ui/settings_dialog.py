"""Settings dialog, built from the typed settings declared once in hallclient.settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hallclient import settings, settings_ops
from ui.ops import Op, error_text


def save_settings(store, changes: dict, actor) -> None:
    """Write the changed settings in one transaction as `actor` (role checked, change audited;
    a ValueError names the bad value)."""
    with store.write() as s:
        settings_ops.change_settings(s, actor, changes)


class SettingsDialog(QDialog):
    def __init__(self, store, parent=None, actor=None):
        super().__init__(parent)
        self.store = store
        # Who is changing the settings: the core checks the role and audits the change.
        self.actor = actor if actor is not None else getattr(getattr(parent, "session", None), "actor", None)
        self.setWindowTitle("设置")
        self.setMinimumWidth(560)  # every group's tab visible at once
        self.editors: dict[str, QWidget] = {}
        with store.read() as s:
            values = settings.all_values(s)
        self._loaded = values
        tabs = QTabWidget()
        forms: dict[str, QFormLayout] = {}
        for key, var in settings.SETTINGS.items():
            if var.group not in forms:
                page = QWidget()
                forms[var.group] = QFormLayout(page)
                tabs.addTab(page, var.group)
            editor = self._editor(var, values[key])
            editor.setObjectName(key)
            if var.help:
                editor.setToolTip(var.help)
            self.editors[key] = editor
            forms[var.group].addRow(var.label, editor)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020")
        self.buttons = buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        from hallclient.keystore import key_warning

        warning = key_warning(store.keys) if getattr(store, "keys", None) is not None else None
        if warning:  # where the personal-data key is, said to whoever administers this PC
            self.key_warning = QLabel(warning, objectName="key_warning", wordWrap=True)
            self.key_warning.setStyleSheet("color: #8a4b00; background: #fff4e0; padding: 6px")
            lay.addWidget(self.key_warning)
        lay.addWidget(tabs)
        lay.addWidget(self.message)
        lay.addWidget(buttons)

    @staticmethod
    def _editor(var: settings.SettingVar, value) -> QWidget:
        if var.type is bool:
            w = QCheckBox()
            w.setChecked(bool(value))
        elif var.type is int:
            w = QSpinBox()
            w.setRange(var.minimum if var.minimum is not None else -10**9, var.maximum if var.maximum is not None else 10**9)
            w.setValue(int(value))
        else:
            w = QLineEdit(str(value))
            if var.secret:
                w.setEchoMode(QLineEdit.EchoMode.Password)
        return w

    def value_of(self, key: str):
        w = self.editors[key]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox):
            return w.value()
        return w.text()

    def save(self) -> None:
        # Written by the process's one writer, off the UI thread (a sync pull may hold it).
        # Only what the person changed is written, so opening and saving the dialog never
        # re-applies a value another path (e.g. device registration) has since changed.
        changes = {key: self.value_of(key) for key in settings.SETTINGS if self.value_of(key) != self._loaded[key]}
        if changes and self.actor is None:
            self.message.setText("未登录，不能修改设置")
            return
        self.message.setText("正在保存…")
        self.buttons.setEnabled(False)
        Op(self, save_settings, self.store, changes, self.actor, writer=True).success(lambda _: self.accept()).failure(
            self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(exc) if isinstance(exc, ValueError) else error_text(exc))
