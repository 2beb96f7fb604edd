"""The window client opens after a real login through the dialog."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QSpinBox

from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from hallclient import settings


def _login(qtbot, store, username, password):
    dlg = LoginDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.user, username)
    qtbot.keyClicks(dlg.password, password)
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    return dlg


def test_login_then_main_window(qtbot, ctx):
    dlg = _login(qtbot, ctx.store, "clerk", "clerk123")
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    s = dlg.session
    assert s.username == "clerk" and s.role == "clerk" and s.window_name == "1号窗口"
    mw = MainWindow(ctx, s)
    qtbot.addWidget(mw)
    mw.show()
    qtbot.waitExposed(mw)
    assert "王晓敏" in mw.status_user.text()
    assert "1号窗口" in mw.status_window.text()
    assert str(ctx.data_dir.root) in mw.status_data.text()
    # the supervisor page is not for clerks; coming pages are visible but disabled
    assert not mw.page_actions["supervisor"].isEnabled()
    assert not mw.page_actions["fees"].isEnabled()
    assert mw.page_actions["fees"].toolTip() == "将在后续版本提供"


def test_wrong_password_is_explained_and_dialog_stays(qtbot, ctx):
    dlg = _login(qtbot, ctx.store, "clerk", "nope")
    qtbot.waitUntil(lambda: "用户名或密码错误" in dlg.message.text(), timeout=10_000)
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.password.text() == ""  # cleared for the next try
    assert dlg.buttons.isEnabled()


def test_window_choice_is_remembered(qtbot, ctx):
    dlg = LoginDialog(ctx.store)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.window_box.setCurrentIndex(dlg.window_box.findText("3号窗口"))
    qtbot.keyClicks(dlg.user, "clerk")
    qtbot.keyClicks(dlg.password, "clerk123")
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.session is not None, timeout=10_000)
    again = LoginDialog(ctx.store)
    qtbot.addWidget(again)
    assert again.window_box.currentText() == "3号窗口"


def test_settings_dialog_is_built_from_declared_settings_and_saves(qtbot, ctx):
    dlg = SettingsDialog(ctx.store)
    qtbot.addWidget(dlg)
    assert set(dlg.editors) == set(settings.SETTINGS)
    name = dlg.editors["hall.name"]
    assert isinstance(name, QLineEdit)
    name.setText("福田区政务服务中心")
    repeat = dlg.editors["queue.voice_repeat"]
    assert isinstance(repeat, QSpinBox) and repeat.maximum() == 5
    repeat.setValue(3)
    dlg.save()
    assert dlg.result() == QDialog.DialogCode.Accepted
    with ctx.store.session() as s:
        assert settings.get(s, settings.HALL_NAME) == "福田区政务服务中心"
        assert settings.get(s, settings.VOICE_REPEAT) == 3


def test_setting_values_are_checked():
    import pytest

    with pytest.raises(ValueError, match="不能大于 5"):
        settings.VOICE_REPEAT.coerce(9)
