import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hallclient import db
from hallclient.context import open_context
from hallclient.errors import AlreadyRunning
from hallclient.models import Applicant, Case, OutboxEntry, Rating

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v0001.sqlite3"


def test_pragmas_are_durable(store):
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_old_store_is_backed_up_and_migrated_keeping_its_data(data_dir):
    shutil.copy(FIXTURE, data_dir / "hallclient.sqlite3")
    ctx = open_context(data_dir, seed=False)
    try:
        assert db.current_revision(ctx.store.engine) == db.head_revision()
        # the copy of the old (plain) store is kept encrypted (revision 0005: encryption at rest)
        assert list((data_dir / "backups").glob("*.sqlite3")) == []
        backups = list((data_dir / "backups").glob("*.sqlite3.sm4"))
        assert len(backups) == 1
        from hallclient.backupcrypt import decrypt_file

        plain_copy = decrypt_file(ctx.store.keys.data, backups[0], data_dir / "restored.sqlite3")
        old = sqlite3.connect(plain_copy)
        assert old.execute("select version_num from alembic_version").fetchone()[0] == "0001"
        old.close()
        with ctx.store.session() as s:
            case = s.scalars(select(Case)).one()
            assert case.case_no == "44030000120260105010001"
            assert s.scalars(select(Applicant)).one().name == "李䶮𠀀"
            assert s.scalars(select(OutboxEntry)).one().status == "pending"
            assert s.scalars(select(Rating)).all() == []  # table added by 0002 exists
    finally:
        ctx.close()


def test_up_to_date_store_is_not_backed_up_again(data_dir):
    open_context(data_dir, seed=True).close()
    open_context(data_dir, seed=True).close()
    assert list((data_dir / "backups").glob("*.sqlite3")) == []


def test_second_instance_on_same_data_dir_is_refused(ctx, data_dir):
    with pytest.raises(AlreadyRunning) as e:
        open_context(data_dir, seed=True)
    assert "已被另一个窗口客户端使用" in e.value.message
    # and from another process
    import subprocess, sys, os

    code = (
        "import sys; from hallclient.context import open_context\n"
        "from hallclient.errors import AlreadyRunning\n"
        f"try:\n    open_context({str(data_dir)!r}, seed=True)\nexcept AlreadyRunning as e:\n    print(e.message); sys.exit(7)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    assert r.returncode == 7 and "另一个窗口客户端" in r.stdout


def test_lock_is_released_when_the_holder_dies(data_dir):
    import os, subprocess, sys, time

    code = f"from hallclient.context import open_context; c = open_context({str(data_dir)!r}, seed=True); print('ready', flush=True); import time; time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    try:
        assert p.stdout.readline().strip() == "ready"
        with pytest.raises(AlreadyRunning):
            open_context(data_dir, seed=True)
    finally:
        p.kill()
        p.wait()
    open_context(data_dir, seed=True).close()  # kernel released the lock: no stale lock file problem


def test_failed_transaction_leaves_nothing(store):
    from hallclient.models import Department

    with pytest.raises(RuntimeError):
        with store.session() as s:
            s.add(Department(code="TMP", name="临时"))
            s.flush()
            raise RuntimeError("power cut")
    with store.session() as s:
        assert s.scalars(select(Department).where(Department.code == "TMP")).first() is None


def test_a_corrupt_database_file_is_explained_not_a_traceback(data_dir, cli):
    (data_dir / "hallclient.sqlite3").write_bytes(b"this is not a database " * 100)
    from hallclient.errors import HallError

    with pytest.raises(HallError) as e:
        open_context(data_dir, seed=True)
    assert "已损坏" in e.value.message and "备份" in e.value.message
    r = cli("calendar", "due", "--from", "2026-09-30", "--days", "3", data_dir=data_dir)
    assert r.returncode == 3 and "已损坏" in r.stderr and "Traceback" not in r.stderr
    assert (data_dir / "hallclient.sqlite3").read_bytes().startswith(b"this is not")  # left for recovery


def test_a_store_from_a_newer_client_is_refused_and_left_alone(data_dir):
    open_context(data_dir, seed=True).close()
    con = sqlite3.connect(data_dir / "hallclient.sqlite3")
    con.execute("update alembic_version set version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    from hallclient.errors import HallError

    with pytest.raises(HallError) as e:
        open_context(data_dir, seed=True)
    assert "更新版本" in e.value.message
    con = sqlite3.connect(data_dir / "hallclient.sqlite3")
    assert con.execute("select version_num from alembic_version").fetchone()[0] == "9999_from_the_future"
    con.close()


def test_an_unusable_data_directory_is_explained(tmp_path):
    from hallclient.errors import HallError

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(HallError) as e:
        open_context(blocker / "data", seed=True)  # a path through a regular file: cannot be created
    assert "无法使用数据目录" in e.value.message and "--data-dir" in e.value.message


def test_a_real_installation_gets_its_hall_but_never_the_demo_users(data_dir):
    from hallclient import seed, settings
    from hallclient.models import Hall, User, Window

    with open_context(data_dir, seed=False) as c, c.store.session() as s:
        assert seed.provision_hall_if_empty(s)
        assert not seed.provision_hall_if_empty(s)  # once
        assert s.scalars(select(User)).all() == [] and not seed.has_users(s)
        hall = s.scalars(select(Hall)).one()
        assert hall.code == settings.get(s, settings.HALL_CODE)
        assert len(s.scalars(select(Window)).all()) == settings.HALL_WINDOWS.default


def test_the_known_head_revision_is_the_newest_migration_script():
    assert db.HEAD_REVISION == db.head_revision()


def test_opening_an_up_to_date_store_does_not_load_alembic(data_dir):
    import subprocess, sys

    open_context(data_dir, seed=True).close()
    code = (
        "import sys; from hallclient.context import open_context\n"
        f"open_context({str(data_dir)!r}, seed=True).close(); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).parents[2]).stdout.strip()
    assert out == "False"


def test_the_case_event_log_refuses_updates_and_deletes(store):
    from sqlalchemy.exc import DatabaseError

    from hallclient.models import CaseEvent

    import sys as _sys

    _sys.path.insert(0, str(Path(__file__).parents[1] / "intake"))
    from intake_helpers import new_case

    with store.session() as s:
        cid, _ = new_case(s)
        before = [e.payload for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid))]
    assert before  # starting a case wrote its first event
    for stmt in ("UPDATE case_event SET payload = '{}'", "DELETE FROM case_event"):
        with pytest.raises(DatabaseError, match="append-only"):
            with store.session() as s:
                s.execute(text(stmt))
    with store.session() as s:
        assert [e.payload for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid))] == before


def test_a_read_only_command_does_not_migrate_under_a_running_client(data_dir, cli):
    shutil.copy(FIXTURE, data_dir / "hallclient.sqlite3")
    from hallclient.lock import InstanceLock

    with InstanceLock(data_dir / "hallclient.lock"):  # a client of the old version is running
        r = cli("calendar", "due", "--from", "2026-09-30", "--days", "3", data_dir=data_dir)
        assert r.returncode == 3 and "已被另一个窗口客户端使用" in r.stderr
        con = sqlite3.connect(data_dir / "hallclient.sqlite3")
        assert con.execute("select version_num from alembic_version").fetchone()[0] == "0001"
        con.close()
    r = cli("calendar", "due", "--from", "2026-09-30", "--days", "3", data_dir=data_dir)
    assert r.returncode == 0 and r.stdout.strip() == "2026-10-10"
    con = sqlite3.connect(data_dir / "hallclient.sqlite3")
    assert con.execute("select version_num from alembic_version").fetchone()[0] == db.HEAD_REVISION
    con.close()


def test_catalogue_load_inserts_new_items_and_updates_known_ones_in_place(store):
    import copy

    from hallclient.catalogue import demo_catalogue, load_catalogue
    from hallclient.models import Material, ServiceItem

    cat = copy.deepcopy(demo_catalogue())
    base = cat["items"][0]
    with store.session() as s:
        ids_before = [m.id for m in s.scalars(select(ServiceItem).where(ServiceItem.code == base["code"])).one().materials]
    changed = dict(copy.deepcopy(base), name=base["name"] + "（修订）", materials=base["materials"][:-1])
    fresh = dict(copy.deepcopy(cat["items"][1]), code="NEW-777", name="新增测试事项")
    with store.session() as s:
        assert load_catalogue(s, {"items": [changed, fresh]}) == 2
    with store.session() as s:
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == base["code"])).one()
        assert item.name.endswith("（修订）") and [m.id for m in item.materials] == ids_before[:-1]  # same rows
        assert s.get(Material, ids_before[-1]) is None or s.get(Material, ids_before[-1]).item_id != item.id
        new = s.scalars(select(ServiceItem).where(ServiceItem.code == "NEW-777")).one()
        assert new.pinyin_initials == "xzcssx" and new.department.code == cat["items"][1]["department"]
        assert [(m.seq, m.name) for m in new.materials] == [(n, m["name"]) for n, m in enumerate(cat["items"][1]["materials"], 1)]
