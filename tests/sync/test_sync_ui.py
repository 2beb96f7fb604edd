"""The sync indicator, "立即同步" and the rejected-items list in the real main window."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QLabel

from hallclient.caselog import enqueue
from sync.drill import queue_cases
from ui.login import Session
from ui.main_window import MainWindow

SHOTS_ENV = "HALLCLIENT_SCREENSHOTS_DIR"  # set it to refresh docs/screenshots on purpose


def _window(qtbot, ctx) -> MainWindow:
    from ui.app import ensure_app, ui_font

    ensure_app().setFont(ui_font())  # the bundled CJK fonts, as the launcher sets them
    sess = Session(1, "supervisor", "陈建国", "supervisor", 1, "01", "1号窗口", "440300001", "示例市政务服务中心")
    mw = MainWindow(ctx, sess)
    qtbot.addWidget(mw)
    mw.show()
    return mw


def test_without_server_it_says_not_configured_and_starts_nothing(qtbot, ctx):
    mw = _window(qtbot, ctx)
    label = mw.findChild(QLabel, "sync_status")
    qtbot.waitUntil(lambda: label.text() == "同步：未配置", timeout=5000)
    assert mw.sync_controller.worker is None and "sync" not in ctx.services
    assert [a.text() for a in mw.sync_menu.actions()] == ["立即同步", "被拒收的记录…"]


def _shots_dir(tmp_path: Path) -> Path:
    # A test run must never rewrite tracked files; screenshots go to tmp_path unless asked.
    d = Path(os.environ[SHOTS_ENV]) if os.environ.get(SHOTS_ENV) else tmp_path / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_sync_now_and_rejected_list(qtbot, ctx, sqlite_server, sx, tmp_path):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 4)
    with store.session() as s:
        enqueue(s, "case.event", {"case_no": "44030020260301000123", "type": "accepted", "state": "accepted", "at": "2026-03-01T09:00:00+08:00"})
    mw = _window(qtbot, ctx)
    label = mw.findChild(QLabel, "sync_status")
    ctrl = mw.sync_controller
    qtbot.waitUntil(lambda: ctrl.worker is not None, timeout=5000)
    qtbot.waitUntil(lambda: "在线" in label.text() and "待同步 0" in label.text(), timeout=15000)
    assert "被拒收 1" in label.text()
    assert len(sx.server_records(sqlite_server.db)) == 4

    queue_cases(store, 2, seed=9)
    mw.findChild(type(ctrl.act_now), "sync_now").trigger()
    qtbot.waitUntil(lambda: len(sx.server_records(sqlite_server.db)) == 6, timeout=15000)

    dlg = ctrl.open_rejected()
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=5000)
    assert dlg.table.item(0, 2).text() == "44030020260301000123"
    assert "case_id" in dlg.table.item(0, 4).text()
    shots = _shots_dir(tmp_path)
    qtbot.waitUntil(lambda: not ctrl.status.running, timeout=15000)
    for name, widget in (("sync_main_window", mw), ("sync_status_bar", mw.statusBar()), ("sync_rejected_dialog", dlg)):
        assert widget.grab().save(str(shots / f"{name}.png")), name

    dlg.table.selectRow(0)
    dlg.btn_retry.click()  # requeued and sent again: rejected again, with the same reason
    qtbot.waitUntil(lambda: "被拒收 1" in label.text() and not ctrl.status.running, timeout=15000)
    ctx.services.pop("sync").close()  # the worker thread ends with the window's data directory
    assert not ctrl.worker._thread.is_alive()
