"""Backup while the store is written, restore, daily retention, and the support bundle."""

from __future__ import annotations

import logging
import sqlite3
import threading
import zipfile
from datetime import date

import pytest

from hallclient.backup import BackupError, backup_to, daily_backup, restore
from hallclient.context import open_context
from hallclient.paths import DataDir
from hallclient.support import make_bundle
from hallclient.syncstate import SyncState
from tests.intake.intake_helpers import make_id, new_case


def _integrity(path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def test_backup_during_writes_restores_and_opens_with_integrity_ok(ctx, tmp_path):
    stop = threading.Event()
    written = []

    def writer():
        i = 0
        while not stop.is_set() and i < 400:
            with ctx.store.session() as s:
                cid, _ = new_case(s)
                written.append(cid)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(written) < 6:  # appended before its commit: 5 are surely committed
            stop.wait(0.01)
        info = backup_to(ctx.data_dir.database, tmp_path / "b.sqlite3")
    finally:
        stop.set()
        t.join()
    assert info.revision and _integrity(info.path) == "ok"
    # restore into another data directory and open it as the client would: a replacement PC
    # gets the store's key first (the backup alone is ciphertext)
    from hallclient import keystore

    dd = DataDir(tmp_path / "other").ensure()
    keystore.import_key(dd.root, keystore.export_key(ctx.data_dir.root))
    restored = restore(dd, tmp_path / "b.sqlite3")
    assert _integrity(restored.path) == "ok"
    with open_context(dd.root) as c2:
        with c2.store.session() as s:
            n = s.execute(__import__("sqlalchemy").text("SELECT count(*) FROM case_record")).scalar()
    assert n >= 5


def test_restore_refuses_unsynced_work_unless_forced_and_keeps_the_old_store(ctx, tmp_path):
    backup_to(ctx.data_dir.database, tmp_path / "empty.sqlite3")
    with ctx.store.session() as s:
        new_case(s)  # writes outbox rows: work the server has not seen
    root = ctx.data_dir.root
    ctx.close()
    dd = DataDir(root)
    with pytest.raises(BackupError) as e:
        restore(dd, tmp_path / "empty.sqlite3")
    assert "尚未上传" in e.value.message
    restore(dd, tmp_path / "empty.sqlite3", force=True)
    kept = list(dd.backups.glob("before-restore-*.sqlite3"))
    assert len(kept) == 1 and _integrity(kept[0]) == "ok"


def test_restore_refused_while_a_client_runs_and_for_a_broken_file(ctx, tmp_path):
    backup_to(ctx.data_dir.database, tmp_path / "b.sqlite3")
    from hallclient.errors import AlreadyRunning

    with pytest.raises(AlreadyRunning):
        restore(ctx.data_dir, tmp_path / "b.sqlite3")
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(BackupError) as e:
        restore(ctx.data_dir, bad)
    assert "不是有效的数据库" in e.value.message


def test_daily_backup_once_a_day_with_retention(ctx):
    dd = ctx.data_dir
    assert daily_backup(dd, keep_days=3, today=date(2026, 12, 1)) is not None
    assert daily_backup(dd, keep_days=3, today=date(2026, 12, 1)) is None  # once a day
    daily_backup(dd, keep_days=3, today=date(2026, 12, 3))
    daily_backup(dd, keep_days=3, today=date(2026, 12, 6))
    names = sorted(p.name for p in dd.backups.glob("daily-*.sqlite3"))
    assert names == ["daily-20261203.sqlite3", "daily-20261206.sqlite3"]


def test_backup_to_unwritable_place_says_so(ctx, tmp_path):
    # A path under a regular file cannot be created, whoever runs the test (root included).
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(BackupError) as e:
        backup_to(ctx.data_dir.database, blocker / "b.sqlite3")
    assert "无法写入备份文件" in e.value.message
    assert not (tmp_path / "blocker.part").exists()


def test_support_bundle_has_no_id_number_phone_or_token(ctx, tmp_path, cli):
    id_no = make_id("11010519491231002")
    token = "tok_" + "Zq8" * 20
    with ctx.store.session() as s:
        from tests.intake.intake_helpers import desk_for, item_id
        from hallclient.intake import ApplicantInput, save_applicant, start_case

        aid = save_applicant(s, ApplicantInput("person", "李四", id_no, phone="13812345678"))
        start_case(s, desk_for(s), item_id(s, "SCJG-003"), aid)
        st = s.get(SyncState, 1) or SyncState(id=1)
        st.token, st.hall_code, st.last_error = token, "440300001", f"HTTP 401 for token {token}"
        s.add(st)
    logging.getLogger("test").warning("applicant %s phone 13812345678 token %s", id_no, token)
    for h in logging.getLogger().handlers:
        h.flush()
    root = ctx.data_dir.root
    ctx.close()
    out = tmp_path / "bundle.zip"
    r = cli("support-bundle", "--out", str(out), data_dir=root)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        blob = b"".join(z.read(n) for n in names)
    assert "versions.json" in names and "store.json" in names and any(n.startswith("logs/") for n in names)
    text = blob.decode("utf-8")
    assert id_no not in text and "13812345678" not in text and token not in text
    assert '"registered": 1' in text and "440300001" in text  # the facts support needs stay
