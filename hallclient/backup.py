"""Backups of the local store: on demand, daily with retention, and restore. Qt-free.

A backup is SQLite's online backup of the live file (WAL content included), so it is
consistent while the client runs and writes. The copy is checked with `PRAGMA
integrity_check` before it counts. Personal columns are copied as stored, i.e. encrypted.

Restore replaces the store of a data directory by a backup file. It refuses while a client
runs on the directory (the single-instance lock), refuses a backup written by a newer client,
and refuses to throw away work that has not reached the central server (pending outbox rows)
unless told to; the store it replaces is itself kept in `backups/` first.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from hallclient.errors import HallError, os_error_text
from hallclient.lock import InstanceLock
from hallclient.paths import DataDir

log = logging.getLogger(__name__)

DAILY_PREFIX = "daily-"


class BackupError(HallError):
    pass


@dataclass(frozen=True)
class BackupInfo:
    path: str
    bytes: int
    revision: str | None
    pending_outbox: int


def _connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _inspect(path: Path) -> tuple[str | None, int]:
    """(schema revision, pending outbox rows) of a store file."""
    con = _connect_ro(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rev = con.execute("SELECT version_num FROM alembic_version").fetchone()[0] if "alembic_version" in tables else None
        pending = con.execute("SELECT count(*) FROM outbox WHERE status='pending'").fetchone()[0] if "outbox" in tables else 0
        return rev, pending
    finally:
        con.close()


def check_integrity(path: Path) -> None:
    """Raise BackupError unless `PRAGMA integrity_check` of the file says ok."""
    try:
        con = _connect_ro(path)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise BackupError(f"备份文件 {path.name} 不是有效的数据库文件，无法使用。") from e
    if result != "ok":
        raise BackupError(f"备份文件 {path.name} 已损坏（完整性检查未通过），请改用其他备份。")


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # the place was unusable in the first place
        pass


def backup_to(db_path: Path, out: Path) -> BackupInfo:
    """A consistent copy of the live store at `out` (written beside it, then renamed, so a
    half-written file never carries the target's name)."""
    out = Path(out)
    if not Path(db_path).exists():
        raise BackupError("数据目录中还没有数据库，无需备份。")
    tmp = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(db_path, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                # Small steps let the running client's writer in between pages.
                src.backup(dst, pages=1024)
            finally:
                dst.close()
        finally:
            src.close()
        check_integrity(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as e:
        _discard(tmp)
        raise BackupError(f"无法写入备份文件 {out}：{os_error_text(e)}。请换一个有写入权限且空间足够的位置。") from e
    except BaseException:
        _discard(tmp)
        raise
    rev, pending = _inspect(out)
    log.info("backup written to %s (%d bytes, revision %s)", out, out.stat().st_size, rev)
    return BackupInfo(str(out), out.stat().st_size, rev, pending)


def daily_backup(dd: DataDir, keep_days: int = 14, today: date | None = None) -> Path | None:
    """Once a day: a backup in `backups/daily-YYYYMMDD.sqlite3`; backups of that kind older
    than `keep_days` are removed (the migration backups are kept). Returns the new file, or
    None when today's exists already."""
    today = today or date.today()
    target = dd.backups / f"{DAILY_PREFIX}{today:%Y%m%d}.sqlite3"
    made = None
    if not target.exists() and dd.database.exists():
        backup_to(dd.database, target)
        made = target
    limit = today - timedelta(days=keep_days)
    for f in dd.backups.glob(f"{DAILY_PREFIX}*.sqlite3"):
        try:
            day = datetime.strptime(f.stem[len(DAILY_PREFIX):], "%Y%m%d").date()
        except ValueError:
            continue
        if day < limit:
            f.unlink(missing_ok=True)
            log.info("old daily backup %s removed (retention %d days)", f.name, keep_days)
    return made


def restore(dd: DataDir, backup: Path, *, force: bool = False) -> BackupInfo:
    """Replace the store of `dd` by `backup`. See the module docstring for what is refused."""
    from hallclient.db import HEAD_REVISION, _known_revision

    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"找不到备份文件 {backup}。")
    check_integrity(backup)
    rev, _ = _inspect(backup)
    if rev is not None and rev != HEAD_REVISION and not _known_revision(rev):
        raise BackupError("该备份由更新版本的窗口客户端写入，本程序无法使用。请先安装最新版本再恢复。")
    with InstanceLock(dd.lock_file):  # refused (AlreadyRunning) while a client runs here
        if dd.database.exists():
            _, pending = _inspect(dd.database)
            if pending and not force:
                raise BackupError(
                    f"当前数据库还有 {pending} 条尚未上传到省平台的记录，恢复备份会丢失它们。"
                    "请先联网同步；确需恢复时加 --force（当前数据库会先另存到 backups 目录）。"
                )
            kept = backup_to(dd.database, dd.backups / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite3")
            log.warning("store kept as %s before restoring %s", kept.path, backup)
        tmp = dd.database.with_name(dd.database.name + ".restore")
        shutil.copyfile(backup, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        for suffix in ("-wal", "-shm"):
            Path(str(dd.database) + suffix).unlink(missing_ok=True)
        os.replace(tmp, dd.database)
    log.warning("store restored from %s", backup)
    rev, pending = _inspect(dd.database)
    return BackupInfo(str(dd.database), dd.database.stat().st_size, rev, pending)
