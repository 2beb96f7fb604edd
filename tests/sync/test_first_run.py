"""A real installation's first day: a new data directory is registered, synchronised, and a
clerk of the central server logs in at a window of the registered hall (no demo data)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from hallclient import seed
from hallclient.catalogue import demo_catalogue
from hallclient.context import open_context
from hallclient.models import Hall, ServiceItem, User
from sync.engine import SyncEngine, register
from sync.server import admin


def test_register_sync_then_log_in_at_the_registered_hall(qtbot, tmp_path, sqlite_server, sx):
    db = sqlite_server.db
    token = sx.new_device(db, name="5号窗口", hall="440305001")
    admin.add_user(db, "zhaomin", "赵敏", "clerk", "zhao12345")
    admin.load_catalogue(db, demo_catalogue())
    with open_context(tmp_path / "window-pc") as ctx:  # what `hallclient app` opens: no seed
        register(ctx.store, sqlite_server.url, token)
        eng = SyncEngine.from_store(ctx.store)
        try:
            eng.cycle()
        finally:
            eng.close()
        with ctx.store.session() as s:
            assert seed.provision_hall_if_empty(s)  # the launcher's first step
            assert seed.has_users(s)
        with ctx.store.session() as s:
            assert s.scalars(select(Hall)).one().code == "440305001"  # case numbers start with it
            assert {u.username for u in s.scalars(select(User))} == {"zhaomin"}  # no demo users
            assert len(s.scalars(select(ServiceItem)).all()) == len(demo_catalogue()["items"])
        from ui.login import LoginDialog

        dlg = LoginDialog(ctx.store)
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.window_box.setCurrentIndex(dlg.window_box.findText("5号窗口"))
        qtbot.keyClicks(dlg.user, "zhaomin")
        qtbot.keyClicks(dlg.password, "zhao12345")
        qtbot.keyClick(dlg.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dlg.session is not None, timeout=10_000)
        assert (dlg.session.display_name, dlg.session.window_name, dlg.session.hall_code) == ("赵敏", "5号窗口", "440305001")
