"""The sync worker: one thread per sync endpoint with its own command queue.

It runs a cycle on a timer and on demand (`sync_now`), never on the UI thread. After a
transient failure it waits with exponential backoff and jitter (so forty windows of a hall do
not hammer a recovering server in step); a rejected token stops automatic retries until the
next `sync_now`. Listeners get a `SyncStatus` (plain data) after every change, on the worker
thread: a UI must hand it over to its own thread.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable

from hallclient.db import Store
from sync.engine import CycleReport, NotConfigured, SyncEngine, counts, load_state, server_url
from sync.transport import SyncFailure, Unauthorized

log = logging.getLogger(__name__)


def backoff_delay(failures: int, base: float = 2.0, cap: float = 300.0, rng: random.Random | None = None) -> float:
    """Seconds to wait after `failures` consecutive failures: exponential, capped, with
    "equal jitter" (half fixed, half random) so retries spread out but never collapse to 0."""
    d = min(cap, base * (2 ** max(0, failures - 1)))
    return d / 2 + (rng or random).uniform(0, d / 2)


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    online: bool | None  # None: not tried yet
    running: bool
    pending: int
    rejected: int
    last_success: datetime | None
    last_error: str | None
    next_attempt_in_s: float | None
    server_url: str = ""


_SYNC_NOW, _STOP = "sync", "stop"


class SyncWorker:
    def __init__(self, store: Store, interval_s: float = 30.0, engine_factory: Callable[[Store], SyncEngine] | None = None):
        self.store = store
        self.interval_s = interval_s
        self.engine_factory = engine_factory or SyncEngine.from_store
        self._q: queue.Queue[str] = queue.Queue()
        self._listeners: list[Callable[[SyncStatus], None]] = []
        self._thread = threading.Thread(target=self._run, name="sync-worker", daemon=True)
        self._failures = 0
        self._last_crash: str | None = None
        self._lock = threading.Lock()
        self._status = self._read_status(running=False, online=None, next_in=None)
        self.last_report: CycleReport | None = None

    # -- API (any thread) ---------------------------------------------------------------------
    def start(self) -> "SyncWorker":
        self._thread.start()
        return self

    def sync_now(self) -> None:
        self._q.put(_SYNC_NOW)

    def close(self, timeout: float = 15.0) -> None:
        """Stop after the current exchange (requests' timeouts bound it)."""
        self._q.put(_STOP)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def add_listener(self, cb: Callable[[SyncStatus], None]) -> None:
        self._listeners.append(cb)

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        delay: float | None = 0.5  # a first cycle soon after start-up
        while True:
            try:
                cmd = self._q.get(timeout=delay)
            except queue.Empty:
                cmd = _SYNC_NOW
            if cmd == _STOP:
                return
            delay = self._one_cycle()

    def _one_cycle(self) -> float | None:
        self._publish(replace(self.status, running=True, next_attempt_in_s=None))
        online: bool | None = None
        try:
            engine = self.engine_factory(self.store)
        except NotConfigured:
            self._publish(self._read_status(running=False, online=None, next_in=None))
            return self.interval_s
        except Exception:  # noqa: BLE001 - e.g. the store busy: try again later, stay alive
            log.exception("starting a sync cycle failed")
            self._publish(self._read_status(running=False, online=None, next_in=self.interval_s))
            return self.interval_s
        try:
            self.last_report = engine.cycle()
            self._failures, online, self._last_crash = 0, True, None
            delay = self.interval_s
        except Unauthorized:
            self._failures, online = self._failures + 1, True
            delay = None  # waits for sync_now: retrying a refused token only fills logs
        except SyncFailure:
            self._failures, online = self._failures + 1, False
            delay = min(self.interval_s * 10, backoff_delay(self._failures))
        except Exception as e:  # noqa: BLE001 - the worker must survive anything and say so
            # Once per kind of crash, with its traceback; the same crash every cycle is one line.
            what = f"{type(e).__name__}: {e}"
            if what != self._last_crash:
                log.exception("sync cycle failed")
            self._last_crash = what
            self._failures, online = self._failures + 1, None
            delay = min(self.interval_s * 10, backoff_delay(self._failures))
        finally:
            engine.close()
        self._publish(self._read_status(running=False, online=online, next_in=delay))
        return delay

    def _read_status(self, running: bool, online: bool | None, next_in: float | None) -> SyncStatus:
        try:
            st, c, url = load_state(self.store), counts(self.store), server_url(self.store)
        except Exception:  # noqa: BLE001 - a locked or closing store: keep the last status
            log.exception("reading sync status failed")
            return getattr(self, "_status", None) or SyncStatus(False, None, running, 0, 0, None, None, None)
        return SyncStatus(
            configured=bool(url and st.token),
            online=online,
            running=running,
            pending=c.pending,
            rejected=c.rejected,
            last_success=st.last_success_at,
            last_error=st.last_error,
            next_attempt_in_s=next_in,
            server_url=url,
        )

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        for cb in list(self._listeners):
            try:
                cb(status)
            except Exception:  # noqa: BLE001
                log.exception("sync status listener failed")
