"""The window client opens after a real login through the dialog."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QSpinBox

from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog
from hallclient import settings
from hallclient.permissions import Actor

ADMIN = Actor(4, "admin", "admin", "管理员")  # who changes the settings (checked and audited)


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
    # the data directory is for IT staff: not in a clerk's status bar (its tooltip keeps it)
    assert mw.status_data.text() == "" and str(ctx.data_dir.root) in mw.status_data.toolTip()
    # the supervisor page is not for clerks; coming pages are visible but disabled
    assert not mw.page_actions["supervisor"].isEnabled()
    assert mw.page_actions["fees"].isEnabled()  # 收费 (issue 13)
    assert mw.page_actions["certificates"].isEnabled()  # 证照打印 (issue 14)
    assert mw.page_actions["certificates"].toolTip() == "证照打印（Ctrl+6）"


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
    dlg = SettingsDialog(ctx.store, actor=ADMIN)
    qtbot.addWidget(dlg)
    assert set(dlg.editors) == set(settings.SETTINGS)
    name = dlg.editors["hall.name"]
    assert isinstance(name, QLineEdit)
    name.setText("福田区政务服务中心")
    repeat = dlg.editors["queue.voice_repeat"]
    assert isinstance(repeat, QSpinBox) and repeat.maximum() == 5
    repeat.setValue(3)
    dlg.save()  # by the writer, off the UI thread
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    with ctx.store.session() as s:
        assert settings.get(s, settings.HALL_NAME) == "福田区政务服务中心"
        assert settings.get(s, settings.VOICE_REPEAT) == 3
        # the documents print the Hall row's name: the setting carries over to it
        from sqlalchemy import select

        from hallclient.models import Hall

        assert s.scalars(select(Hall)).one().name == "福田区政务服务中心"


def _windows_offered_after_setting_count(qtbot, store, n: int) -> list[str]:
    dlg = SettingsDialog(store, actor=ADMIN)
    qtbot.addWidget(dlg)
    dlg.editors["hall.windows"].setValue(n)
    dlg.save()
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    login = LoginDialog(store)
    qtbot.addWidget(login)
    return [login.window_box.itemText(i) for i in range(login.window_box.count())]


def test_window_count_setting_adds_and_retires_windows_for_the_login(qtbot, ctx):
    names = _windows_offered_after_setting_count(qtbot, ctx.store, 12)
    assert "12号窗口" in names and len(names) == 12
    assert _windows_offered_after_setting_count(qtbot, ctx.store, 3) == ["1号窗口", "2号窗口", "3号窗口"]


def test_a_wrong_hall_code_is_refused_with_the_reason(qtbot, ctx):
    dlg = SettingsDialog(ctx.store, actor=ADMIN)
    qtbot.addWidget(dlg)
    dlg.editors["hall.code"].setText("44030")
    dlg.save()
    qtbot.waitUntil(lambda: "9 位数字" in dlg.message.text(), timeout=10_000)
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "9 位数字" in dlg.message.text()


def test_setting_values_are_checked():
    import pytest

    with pytest.raises(ValueError, match="不能大于 5"):
        settings.VOICE_REPEAT.coerce(9)


def _answer_message_box(seen: list):
    """Close the next modal message box (the launcher's static QMessageBox blocks) and keep its text."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def look():
        w = QApplication.activeModalWidget()
        if isinstance(w, QMessageBox):
            seen.append(w.text())
            w.accept()
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(20, look)


def test_the_client_on_a_new_installation_explains_first_run_and_invents_no_users(qtbot, data_dir):
    from sqlalchemy import select

    from hallclient.context import open_context
    from hallclient.models import Hall, ServiceItem, User
    from ui.launcher import run_client

    seen: list[str] = []
    _answer_message_box(seen)
    assert run_client(str(data_dir), demo=False) == 4
    assert "hallclient sync register" in seen[0] and "hallclient demo" in seen[0]
    with open_context(data_dir, seed=False) as c, c.store.session() as s:
        assert s.scalars(select(User)).all() == []  # never the demo users with published passwords
        assert s.scalars(select(ServiceItem)).all() == []  # the catalogue comes from the server
        assert s.scalars(select(Hall)).one().code == settings.HALL_CODE.default


def test_the_demo_has_its_own_data_directory():
    import os
    import subprocess
    import sys

    # The real command line, with the window itself replaced by printing where it would open.
    code = (
        "import sys; from hallclient import cli; import ui.cli as u\n"
        "u.cmd_app = lambda a: print(a.data_dir) or 0\n"
        "sys.exit(cli.main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, HALLCLIENT_DATA_DIR="/tmp/hall-data-root")
    demo = subprocess.run([sys.executable, "-c", code, "demo"], capture_output=True, text=True, env=env, timeout=60)
    app = subprocess.run([sys.executable, "-c", code, "app"], capture_output=True, text=True, env=env, timeout=60)
    assert demo.stdout.strip() == "/tmp/hall-data-root/demo", demo.stderr
    assert app.stdout.strip() == "/tmp/hall-data-root", app.stderr


def test_font_scale_setting_enlarges_the_whole_ui(qapp):
    from ui.app import BASE_POINT_SIZE, apply_font_scale

    try:
        apply_font_scale(150)
        assert qapp.font().pointSize() == round(BASE_POINT_SIZE * 1.5)
        assert qapp.font().families()[0] == "WenQuanYi Micro Hei"  # still the bundled CJK font
    finally:
        apply_font_scale(100)
    assert qapp.font().pointSize() == BASE_POINT_SIZE
