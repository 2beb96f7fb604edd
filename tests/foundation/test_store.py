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
        backups = list((data_dir / "backups").glob("*.sqlite3"))
        assert len(backups) == 1
        old = sqlite3.connect(backups[0])
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
    open_context(data_dir).close()
    open_context(data_dir).close()
    assert list((data_dir / "backups").glob("*.sqlite3")) == []


def test_second_instance_on_same_data_dir_is_refused(ctx, data_dir):
    with pytest.raises(AlreadyRunning) as e:
        open_context(data_dir)
    assert "已被另一个窗口客户端使用" in e.value.message
    # and from another process
    import subprocess, sys, os

    code = (
        "import sys; from hallclient.context import open_context\n"
        "from hallclient.errors import AlreadyRunning\n"
        f"try:\n    open_context({str(data_dir)!r})\nexcept AlreadyRunning as e:\n    print(e.message); sys.exit(7)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    assert r.returncode == 7 and "另一个窗口客户端" in r.stdout


def test_lock_is_released_when_the_holder_dies(data_dir):
    import os, subprocess, sys, time

    code = f"from hallclient.context import open_context; c = open_context({str(data_dir)!r}); print('ready', flush=True); import time; time.sleep(60)"
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2])))
    try:
        assert p.stdout.readline().strip() == "ready"
        with pytest.raises(AlreadyRunning):
            open_context(data_dir)
    finally:
        p.kill()
        p.wait()
    open_context(data_dir).close()  # kernel released the lock: no stale lock file problem


def test_failed_transaction_leaves_nothing(store):
    from hallclient.models import Department

    with pytest.raises(RuntimeError):
        with store.session() as s:
            s.add(Department(code="TMP", name="临时"))
            s.flush()
            raise RuntimeError("power cut")
    with store.session() as s:
        assert s.scalars(select(Department).where(Department.code == "TMP")).first() is None
