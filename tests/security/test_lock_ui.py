"""Auto-lock and Ctrl+L with real widgets: the locked window hides every personal datum,
the same user's password restores it (work kept), a supervisor takes over, others are refused."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from hallclient import audit, settings
from hallclient.audit import AuditRecord
from ui.login import LoginDialog
from ui.main_window import MainWindow

SHOTS = os.environ.get("HALLCLIENT_SHOTS")  # a directory: save screenshots there to look at


def _login(qtbot, store, username="clerk", password="clerk123"):
    dlg = LoginDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.user, username)
    qtbot.keyClicks(dlg.password, password)
    qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.session is not None or dlg.buttons.isEnabled(), timeout=10_000)
    assert dlg.session is not None, (dlg.message.text(), dlg.user.text(), dlg.password.text())
    return dlg.session


@pytest.fixture
def mw(qtbot, ctx):
    w = MainWindow(ctx, _login(qtbot, ctx.store))
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


def _actions(store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(r.actor, r.action) for r in s.scalars(select(AuditRecord).order_by(AuditRecord.seq))]


def _unlock(qtbot, mw, username, password):
    panel = mw.window_lock.panel
    panel.user.setText(username)
    qtbot.keyClicks(panel.password, password)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)


def test_ctrl_l_hides_everything_and_the_password_restores_it(qtbot, mw, ctx, tmp_path):
    page = mw.show_page("intake")
    idf = page.findChild(object, "applicant_id")
    idf.setText("110105194912310021")
    assert idf.isVisible() and mw.statusBar().isVisible()
    qtbot.keyClick(mw, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    lock = mw.window_lock
    assert lock.locked and lock.panel.isVisible()
    assert not idf.isVisible() and not mw.centralWidget().isVisible()
    assert not mw.statusBar().isVisible() and not mw.menuBar().isVisible()
    assert not mw.page_actions["cases"].isEnabled()  # no page key reaches a hidden page
    if SHOTS:
        mw.grab().save(os.path.join(SHOTS, "locked-1366.png"))
    _unlock(qtbot, mw, "clerk", "wrong")
    qtbot.waitUntil(lambda: "错误" in lock.panel.message.text(), timeout=10_000)
    assert lock.locked and not idf.isVisible()
    _unlock(qtbot, mw, "clerk", "clerk123")
    qtbot.waitUntil(lambda: not lock.locked, timeout=10_000)
    assert idf.isVisible() and idf.text() == "110105194912310021"  # work in progress kept
    assert mw.statusBar().isVisible() and mw.page_actions["cases"].isEnabled()
    qtbot.waitUntil(lambda: ("clerk", "unlock") in _actions(ctx.store), timeout=10_000)
    acts = _actions(ctx.store)
    assert acts[:2] == [("clerk", "login"), ("clerk", "lock")]
    assert ("clerk", "login_failed") in acts
    with ctx.store.session() as s:
        assert audit.verify(s).ok


def test_a_supervisor_takes_over_and_another_clerk_is_refused(qtbot, mw, ctx):
    mw.window_lock.lock("key")
    _unlock(qtbot, mw, "clerk2", "clerk123")
    qtbot.waitUntil(lambda: "本人或值班长" in mw.window_lock.panel.message.text(), timeout=10_000)
    assert mw.window_lock.locked and mw.session.username == "clerk"
    _unlock(qtbot, mw, "supervisor", "super123")
    qtbot.waitUntil(lambda: not mw.window_lock.locked, timeout=10_000)
    assert mw.session.username == "supervisor" and "值班长" in mw.status_user.text()
    assert mw.settings_action.isEnabled() and mw.audit_action.isEnabled()  # the supervisor's role now decides
    qtbot.waitUntil(lambda: ("supervisor", "takeover") in _actions(ctx.store), timeout=10_000)
    # What the pages keep of the user follows: prints, cases and ratings are the supervisor's now.
    me = mw.session.user_id
    wb = mw.pages["workbench"]
    assert wb.intake.preview.user_id == me and wb.intake.desk.user_id == me
    assert wb.ticket_panel.clerk_id == me and wb.ticket_panel.clerk_display == mw.session.display_name
    assert mw.crash_guard.user_id == me


def test_idle_time_locks_after_the_setting(qtbot, ctx):
    with ctx.store.session() as s:
        settings.set_value(s, settings.IDLE_LOCK_MINUTES, 7)
    w = MainWindow(ctx, _login(qtbot, ctx.store))
    qtbot.addWidget(w)
    w.show()
    assert w.window_lock.idle.timer.interval() == 7 * 60_000 and w.window_lock.idle.timer.isActive()
    w.window_lock.idle.timer.timeout.emit()  # the idle time passed (no waiting in a test)
    assert w.window_lock.locked
    qtbot.waitUntil(lambda: ("clerk", "lock") in _actions(ctx.store), timeout=10_000)
    with ctx.store.session() as s:
        rec = s.scalars(select(AuditRecord).where(AuditRecord.action == "lock")).one()
        assert '"reason":"idle"' in rec.detail


def test_a_clerk_cannot_open_settings(qtbot, mw):
    assert not mw.settings_action.isEnabled() and not mw.audit_action.isEnabled()
    assert not mw.findChild(type(mw.settings_action), "open_device_settings").isEnabled()


def test_forced_password_change_of_an_initial_password(qtbot, ctx):
    from hallclient.accounts import Role, create_user
    from hallclient.models import User
    from ui.password import PasswordDialog

    with ctx.store.session() as s:
        u = create_user(s, "zhaomin", "赵敏", Role.CLERK, "Initial1")
        u.must_change_password = True
    session = _login(qtbot, ctx.store, "zhaomin", "Initial1")
    assert session.must_change_password
    dlg = PasswordDialog(ctx.store, session.actor, forced=True)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.old, "Initial1")
    qtbot.keyClicks(dlg.new, "short1")
    qtbot.keyClicks(dlg.again, "short1")
    qtbot.keyClick(dlg.again, Qt.Key.Key_Return)
    assert "至少 8 位" in dlg.message.text() and dlg.result() != QDialog.DialogCode.Accepted
    for e in (dlg.new, dlg.again):
        e.clear()
        qtbot.keyClicks(e, "Qiuyue2026x")
    qtbot.keyClick(dlg.again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.changed, timeout=10_000)
    with ctx.store.session() as s:
        u = s.scalars(select(User).where(User.username == "zhaomin")).one()
        assert not u.must_change_password
    assert ("zhaomin", "password_change") in _actions(ctx.store)
    assert not _login(qtbot, ctx.store, "zhaomin", "Qiuyue2026x").must_change_password


def test_pages_and_menus_follow_the_matrix_for_an_administrator(qtbot, ctx):
    from ui.login import Session

    w = MainWindow(ctx, Session(4, "admin", "管理员", "admin", None, "", "", "440300001", "示例市政务服务中心"))
    qtbot.addWidget(w)
    assert not w.page_actions["workbench"].isEnabled()  # no counter work
    assert w.show_page("intake") is None
    assert w.settings_action.isEnabled() and w.audit_action.isEnabled()


def test_the_settings_dialog_tells_the_administrator_where_the_key_is(qtbot, ctx):
    from hallclient.permissions import Actor
    from ui.settings_dialog import SettingsDialog

    assert ctx.store.keys.source == "file"  # no OS key store on the test machine
    dlg = SettingsDialog(ctx.store, actor=Actor(4, "admin", "admin"))
    qtbot.addWidget(dlg)
    assert "hallclient.key" in dlg.key_warning.text()
