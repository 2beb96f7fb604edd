"""The local SQLite store: engine with durable settings, sessions, migrations at start-up.

One writer, free readers. `Store.read()` is a read-only unit of work: a deferred `BEGIN` on a
connection with `PRAGMA query_only`, so it never takes SQLite's write lock and never waits
behind a writer (WAL gives it a snapshot). `Store.write()` is a unit of work that may write:
it holds the process's one `Writer` (a lock every writing thread shares: the UI's writer
operations, the sync worker, command-line commands) and begins `IMMEDIATE`. `Store.session()`
is `write()`, kept for code written before the split; new code says `read()` or `write()`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import traceback
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from hallclient.errors import HallError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision. Known here so that opening an up-to-date store (every
# start of the client) does not import Alembic, a fifth of the cold start;
# tests/foundation/test_store.py checks it against the migration scripts.
HEAD_REVISION = "0010"
BUSY_TIMEOUT_MS = 10_000


def _on_connect(dbapi_conn, _record) -> None:
    # WAL lets readers (supervisor views, sync) run while the writer commits; FULL makes a
    # commit durable across power loss, which a case number must be.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def make_engine(db_path: Path | str, *, read_only: bool = False) -> Engine:
    """An engine on the SQLite file with WAL, synchronous=FULL, foreign keys and busy timeout.

    Its transactions begin IMMEDIATE (a writer takes the write lock up front, so two writers
    never deadlock on upgrade); with `read_only`, a deferred BEGIN on `query_only`
    connections: readers never take the write lock and a stray write fails loudly."""
    engine = create_engine(
        f"sqlite:///{Path(db_path)}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _on_connect)
    begin = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    if read_only:
        @event.listens_for(engine, "connect")
        def _query_only(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.execute("PRAGMA query_only=ON")

    # pysqlite's own transaction handling is switched off; emit BEGIN ourselves.
    @event.listens_for(engine, "begin")
    def _begin(conn):  # noqa: ANN001
        conn.exec_driver_sql(begin)

    @event.listens_for(engine, "connect")
    def _no_pysqlite_tx(dbapi_conn, _rec):  # noqa: ANN001
        dbapi_conn.isolation_level = None

    return engine


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision (Alembic's version table), None for a new file."""
    with engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").first():
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest revision according to the migration scripts (imports Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def backup_database(db_path: Path, backup_dir: Path) -> Path:
    """A consistent copy of the database (SQLite online backup, so WAL content is included)."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"{db_path.stem}-{stamp}.sqlite3"
    src = sqlite3.connect(db_path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def needs_migration(db_path: Path) -> bool:
    """True when the file exists and its schema is not the newest (cheap: no Alembic)."""
    if not Path(db_path).exists():
        return False
    engine = make_engine(db_path)
    try:
        return current_revision(engine) != HEAD_REVISION
    finally:
        engine.dispose()


def _known_revision(rev: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(rev) is not None
    except CommandError:  # alembic's answer for a revision it has no script for
        return False


def migrate(engine: Engine, db_path: Path, backup_dir: Path, encrypt_backup_key: bytes | None = None) -> Path | None:
    """Bring the schema to head; copy the file to a timestamped backup first if it has data.

    `encrypt_backup_key`: the store is being migrated to encryption at rest, so its backup copy
    holds personal data in the clear: once the migration succeeded, the copy is encrypted with
    this key (hallclient.backupcrypt) and the plain copy removed.
    Returns the backup's path, or None when nothing needed migrating or the file was new.
    """
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return None
    from alembic import command

    head = head_revision()
    if current is not None and not _known_revision(current):
        raise SchemaTooNew(
            f"数据库 {db_path} 由更新版本的窗口客户端写入（结构版本 {current}），本程序无法打开。"
            "请安装最新版本的窗口客户端，数据不会丢失。"
        )
    backup = None
    if current is not None and db_path.exists():
        backup = backup_database(db_path, backup_dir)
        log.info("database backed up to %s before migrating %s -> %s", backup, current, head)
    command.upgrade(alembic_config(engine), "head")
    if backup is not None and encrypt_backup_key is not None:
        from hallclient.backupcrypt import encrypt_file

        plain = backup
        backup = encrypt_file(encrypt_backup_key, plain)
        plain.unlink()
        log.info("the pre-encryption backup was encrypted to %s", backup)
    return backup


def _has_encrypted_data(engine: Engine) -> bool:
    """True once the store has been migrated to encryption at rest (revision 0005 made the
    audit table in the same step): from then on a missing key is an error, never a new key."""
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_record'").first() is not None


class SchemaTooNew(HallError):
    pass


class WriteOnUiThread(RuntimeError):
    """A programming error: a database write on the thread that must stay responsive."""


class Writer:
    """The process's one database writer: every write session holds it.

    Re-entrant, so a write helper called inside another write of the same thread does not
    deadlock. A UI registers its event-loop thread with `forbid_thread`: a write started
    there is logged with its stack (or raised, with `strict`, as the tests do), because the
    window would freeze for as long as another writer holds the lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.forbidden_thread: int | None = None
        self.strict = False

    def forbid_thread(self, thread: threading.Thread | None, strict: bool = False) -> None:
        self.forbidden_thread = thread.ident if thread is not None else None
        self.strict = strict

    def check_thread(self) -> None:
        if self.forbidden_thread is not None and threading.get_ident() == self.forbidden_thread:
            if self.strict:
                raise WriteOnUiThread("database write on the UI thread")
            log.error("database write on the UI thread:\n%s", "".join(traceback.format_stack(limit=8)))


class Store:
    """The opened local store: a write engine and a read engine on one file, one writer."""

    def __init__(self, db_path: Path, backup_dir: Path, keys=None):
        from hallclient import keystore, personal

        self.path = Path(db_path)
        self.engine = make_engine(self.path)
        # The personal-data key before anything reads or migrates: the migration to
        # encryption at rest encrypts the existing rows with it.
        encrypted = _has_encrypted_data(self.engine)
        self.keys = keys or keystore.load_keys(self.path.parent, may_create=not encrypted)
        personal.attach_keys(self.engine, self.keys)
        self.last_backup = migrate(self.engine, self.path, backup_dir,
                                   encrypt_backup_key=None if encrypted else self.keys.data)
        self.read_engine = make_engine(self.path, read_only=True)
        personal.attach_keys(self.read_engine, self.keys)  # readers decrypt too
        self.writer = Writer()
        #: Sessions on the write engine WITHOUT the writer: only for code that manages its own
        #: commit (login's failed attempt); prefer `write()`.
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work: never waits for the writer, never blocks it; any write
        inside fails ("attempt to write a readonly database"). Closing ends the transaction;
        objects loaded inside keep their values afterwards (detached, not expired)."""
        with self.read_sessionmaker() as s:
            yield s

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that may write: holds the process's writer; committed on success,
        rolled back on any error."""
        self.writer.check_thread()
        with self.writer.lock, self.sessionmaker() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def session(self):
        """Same as `write()` (the API before reads and writes were split)."""
        return self.write()

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
