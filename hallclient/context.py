"""Opening a data directory: lock, logging, store (migrated), seed data. Qt-free."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from hallclient.db import Store
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


def open_context(root: Path | str, *, exclusive: bool = True, seed: bool = True) -> AppContext:
    """Open a data directory. `exclusive` takes the single-instance lock (the window client and
    any command that writes); read-only commands may pass False. `seed` loads the demo hall,
    users and catalogue into an empty store."""
    dd = DataDir(root).ensure()
    lock = InstanceLock(dd.lock_file).acquire() if exclusive else None
    try:
        setup_logging(dd.logs)
        store = Store(dd.database, dd.backups)
        ctx = AppContext(dd, store, lock)
        if seed:
            from hallclient import seed as seed_mod

            with store.session() as s:
                seed_mod.seed_if_empty(s)
        return ctx
    except BaseException:
        if lock:
            lock.release()
        raise
