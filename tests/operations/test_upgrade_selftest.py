"""Upgrades over stores of every earlier schema, downgrade refusal, and `hallclient selftest`."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from hallclient import db
from hallclient.context import open_context
from hallclient.errors import HallError

FIXTURE = db.Path(__file__).parent.parent / "fixtures" / "store_v0001.sqlite3"


def _earlier_revisions() -> list[str]:
    script = ScriptDirectory(str(db.MIGRATIONS_DIR))
    revs = [r.revision for r in script.walk_revisions()]  # head first
    return list(reversed(revs))[:-1]  # every revision but the newest


@pytest.mark.parametrize("rev", _earlier_revisions())
def test_new_version_over_a_store_of_every_earlier_schema(tmp_path, rev):
    root = tmp_path / "data"
    root.mkdir()
    store = root / "hallclient.sqlite3"
    shutil.copyfile(FIXTURE, store)
    engine = db.make_engine(store)
    from hallclient import keystore, personal

    # From 0005 on the store is encrypted at rest: its key, as that release created it.
    personal.attach_keys(engine, keystore.load_keys(root, may_create=True))
    try:
        command.upgrade(db.alembic_config(engine), rev)  # the store as that release left it
    finally:
        engine.dispose()
    with open_context(root) as ctx:
        assert db.current_revision(ctx.store.engine) == db.HEAD_REVISION
        backups = list(ctx.data_dir.backups.glob("*.sqlite3*"))
        # the copy of a store from before encryption at rest (revision 0005) is kept encrypted
        if backups and backups[0].suffix == ".sm4":
            from hallclient.backupcrypt import decrypt_file

            backups = [decrypt_file(ctx.store.keys.data, backups[0], tmp_path / "backup.sqlite3")]
    assert backups, "a migration takes a backup first"
    con = sqlite3.connect(store)
    try:
        assert con.execute("SELECT case_no FROM case_record").fetchone()[0] == "44030000120260105010001"
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    bcon = sqlite3.connect(backups[0])
    try:
        assert bcon.execute("SELECT version_num FROM alembic_version").fetchone()[0] == rev
    finally:
        bcon.close()


def test_downgrade_is_refused_with_a_message_and_the_store_untouched(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    store = root / "hallclient.sqlite3"
    shutil.copyfile(FIXTURE, store)
    con = sqlite3.connect(store)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'")
    con.commit()
    con.close()
    before = store.read_bytes()
    with pytest.raises(HallError) as e:
        open_context(root)
    assert "更新版本" in e.value.message
    assert store.read_bytes() == before


def test_selftest_passes_on_a_store_and_fails_on_an_unreachable_server(ctx, cli):
    from hallclient import settings

    root = ctx.data_dir.root
    ctx.close()
    r = cli("selftest", data_dir=root, timeout=240)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["ok"], r.stdout + r.stderr
    checks = {c["name"]: c for c in out["checks"]}
    assert checks["store"]["ok"] and checks["documents"]["ok"] and checks["main_window"]["ok"]
    assert checks["print_spooler"]["ok"]  # the spooler child started as the same program
    assert checks["central_server"]["ok"] is None  # none configured: skipped, not failed
    with open_context(root) as c2:
        with c2.store.session() as s:
            settings.set_value(s, settings.SYNC_SERVER_URL, "http://127.0.0.1:9")  # nothing listens there
    r = cli("selftest", data_dir=root, timeout=240)
    out = json.loads(r.stdout)
    assert r.returncode == 1 and not out["ok"]
    assert {c["name"]: c for c in out["checks"]}["central_server"]["ok"] is False
