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


def test_a_replacement_pc_at_the_same_window_never_reissues_a_case_number(tmp_path, sqlite_server, sx):
    import sys
    from datetime import date
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "intake"))
    from intake_helpers import at, new_case, receive_all

    from hallclient.intake import accept
    from hallclient.intake.numbering import parse_case_number

    def sync_once(store):
        eng = SyncEngine.from_store(store)
        try:
            eng.cycle()
        finally:
            eng.close()

    def accept_one(store, day):
        with store.session() as s:
            cid, desk = new_case(s, "SCJG-003", window="03", when=at(2026, 9, day))
            receive_all(s, cid, date(2026, 9, day))
            return accept(s, cid, desk, now=at(2026, 9, day)).case_no

    db = sqlite_server.db
    with open_context(tmp_path / "old-pc", seed=True) as old:
        register(old.store, sqlite_server.url, sx.new_device(db, name="3号窗口"))
        issued = [accept_one(old.store, 28) for _ in range(3)]
        sync_once(old.store)
    # The old PC breaks; its replacement is installed fresh and logs in as window 03.
    with open_context(tmp_path / "new-pc", seed=True) as new:
        register(new.store, sqlite_server.url, sx.new_device(db, name="3号窗口（新机）"))
        sync_once(new.store)  # pulls the hall's cases, among them window 03's
        again = accept_one(new.store, 29)
    assert [int(parse_case_number(n)["seq"]) for n in issued] == [1, 2, 3]
    assert int(parse_case_number(again)["seq"]) == 4 and again not in issued
