"""Opening a data directory: lock, logging, store (migrated), seed data. Qt-free."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy.exc

from hallclient.db import Store, needs_migration
from hallclient.errors import HallError, os_error_text
from hallclient.lock import InstanceLock
from hallclient.logging_setup import setup_logging
from hallclient.paths import DataDir

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """What every command and window works with: the data directory and its open store."""

    data_dir: DataDir
    store: Store
    lock: InstanceLock | None = None
    services: dict = field(default_factory=dict)  # started helpers (simulators, workers) to stop on close

    def close(self) -> None:
        for name, svc in reversed(list(self.services.items())):
            try:
                svc.close()
            except Exception:  # noqa: BLE001 - closing must go on for the rest
                log.exception("closing %s failed", name)
        self.services.clear()
        self.store.close()
        if self.lock:
            self.lock.release()

    def __enter__(self) -> "AppContext":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_context(root: Path | str, *, exclusive: bool = True, seed: bool = False) -> AppContext:
    """Open a data directory. `exclusive` takes the single-instance lock (the window client and
    any command that writes); read-only commands may pass False. `seed=True` loads the demo
    hall, users and catalogue into an empty store: only the demo and tests ask for it, because
    the demo users' passwords are published."""
    try:
        dd = DataDir(root).ensure()
    except OSError as e:
        raise HallError(
            f"无法使用数据目录 {root}：{os_error_text(e)}。请检查该目录是否存在、是否有写入权限、磁盘是否已满，"
            "或用 --data-dir 指定其他目录。"
        ) from e
    lock = InstanceLock(dd.lock_file).acquire() if exclusive else None
    try:
        setup_logging(dd.logs)
        try:
            if not exclusive and needs_migration(dd.database):
                # A read-only command must not migrate the schema under a running client:
                # it takes the lock for the migration (refused while a client runs).
                with InstanceLock(dd.lock_file):
                    Store(dd.database, dd.backups).close()
            store = Store(dd.database, dd.backups)
        except sqlalchemy.exc.DatabaseError as e:
            log.exception("the database file could not be opened")
            raise HallError(
                f"数据库文件 {dd.database} 已损坏或不是本程序的数据库，无法打开。"
                f"请勿删除它：请信息化人员用 {dd.backups} 中最近的备份恢复，或联系技术支持。"
            ) from e
        ctx = AppContext(dd, store, lock)
        if seed:
            from hallclient import seed as seed_mod

            with store.write() as s:
                seed_mod.seed_if_empty(s)
        return ctx
    except BaseException:
        if lock:
            lock.release()
        raise
