"""The hall queue service's transactions: one action = one database transaction.

Atomic call-next: every write holds the service's writer lock and runs in one database
transaction (BEGIN IMMEDIATE on SQLite; SELECT … FOR UPDATE SKIP LOCKED of the candidates on
PostgreSQL), and the ticket row carries a version column checked by the UPDATE. So a ticket is
never called by two windows, and events commit in `seq` order — which is what lets a display
resume from its cursor without missing an event.

The writer is a lock, not a thread: the app runs a window's action on its event loop thread
(docs/queue-api.md, "Speed"). Measured under load, handing each action to a writer thread and
back cost two GIL hand-overs (p50 ~5 ms each, the interpreter's switch interval) for some
0.5 ms of work. Committed events are kept in memory (`EventRing`), so the displays' long polls
are answered without a database read.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections import deque
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, create_engine, event, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from hallclient.errors import ValidationFailed

from hallclient.personal import id_lookup_key
from hallclient.queue import actions
from hallclient.queue.model import (
    OUTCOME_TEXT,
    Outcome,
    QueueDef,
    QueueEvent,
    Rules,
    Ticket,
    TicketState,
    WindowState,
    local_day,
    utc_now,
)
from hallclient.queue.profile import WorkProfile
from hallclient.queue.validate import check_profile, check_rules
from sync.hallqueue.tables import QAppointment, QBase, QConfig, QEvent, QQueue, QSequence, QTicket, QWindow
from sync.hallqueue.rawsql import TICKET_COLS, TICKET_SELECT, WINDOW_SELECT, Raw
from sync.hallqueue.tokens import TokenStore

log = logging.getLogger(__name__)

DEFAULT_QUEUES = [
    ("A", "综合受理"), ("B", "不动产登记"), ("C", "社保医保"), ("D", "公积金"),
    ("E", "户籍出入境"), ("F", "市场监管"), ("G", "税务"),
]
DEMO_WINDOWS = {"01": ["A"], "02": ["A"], "03": ["A", "B"], "04": ["B"], "05": ["C"], "06": ["C", "D"], "07": ["E", "F"], "08": ["G", "A"]}

CANDIDATES_PER_QUEUE = 5
MAX_BATCH = 64  # actions per group commit (PostgreSQL)
MAX_QUEUES = 64  # a hall has a dozen business categories; the cap keeps /status bounded
MAX_WINDOWS = 200
_TICKET_FIELDS = [f.name for f in fields(Ticket)]


class UnknownWindow(LookupError):
    pass


def make_engine(db_url: str, *, writer: bool = True):
    """The engine of the service's database. On SQLite two engines share the file: the writer's
    transactions start with BEGIN IMMEDIATE (the write lock up front, so two writers never
    deadlock on a lock upgrade), the readers' with a plain deferred BEGIN, which under WAL reads a
    snapshot without waiting for the writer or making it wait. A display polling /status or
    /events must never queue behind 50 windows' call-next."""
    if db_url.startswith("sqlite"):
        eng = create_engine(db_url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode (SQLite's documented WAL trade-off): a commit is in the WAL file
            # when it returns, so it survives a crash or kill of the process; only a power cut or
            # OS crash can lose the last commits. A queue ticket is worth that for 50 windows'
            # latency (FULL would add an fsync, ~3.5 ms here, to every call).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            if writer:
                # The writer never checkpoints: a checkpoint (page copies and two fsyncs, 10-40 ms)
                # inside a call-next's commit was the top of its latency. `Checkpointer` does it.
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return eng
    return create_engine(db_url, pool_size=20, max_overflow=20, pool_pre_ping=True)





T, W, E = QTicket.__table__, QWindow.__table__, QEvent.__table__
Q, S, A, C = QQueue.__table__, QSequence.__table__, QAppointment.__table__, QConfig.__table__


_INSERT_TICKET = ("INSERT INTO q_ticket (version, " + ", ".join(f'"{c}"' for c in TICKET_COLS) + ") VALUES (:version, "
                  + ", ".join(f":{c}" for c in TICKET_COLS) + ")")


class Checkpointer:
    """Copies the SQLite WAL into the database file on a thread and connection of its own,
    every `every_s` seconds, so no committing action ever runs a checkpoint. PASSIVE: it never
    waits for (or blocks) the writer or a reader; what it could not copy is copied next time.
    Durability does not depend on it: a commit is in the WAL before it returns."""

    def __init__(self, path: str, every_s: float = 1.0):
        self.path, self.every_s = path, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        except sqlite3.Error as e:
            log.warning("queue checkpointer cannot open the database: %s", e)
            return
        try:
            while not self._stop.wait(self.every_s):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as e:  # busy or locked: next round
                    log.debug("queue checkpoint skipped: %s", e)
            db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)


class EventRing:
    """The last `size` committed events as the API shows them, in seq order without gaps.

    The writer appends after each commit; /events answers from here when the cursor is inside
    the ring (every display following the hall), and from the database otherwise (a display
    resuming from an old cursor, or after another process wrote events). A gap in seq (an event
    written by another process, a sequence value lost to a rollback on PostgreSQL) starts the
    ring afresh, so what it answers is always exactly what the table holds after the cursor."""

    def __init__(self, last_seq: int, size: int = 5000):
        self._lock = threading.Lock()
        self._ring: deque[dict] = deque(maxlen=size)
        self._base = last_seq  # the ring holds every event with seq > _base

    def extend(self, events: list[dict]) -> None:
        with self._lock:
            for ev in events:
                last = self._ring[-1]["seq"] if self._ring else self._base
                if ev["seq"] != last + 1:
                    self._ring.clear()
                    self._base = ev["seq"] - 1
                if len(self._ring) == self._ring.maxlen:
                    self._base = self._ring[0]["seq"]
                self._ring.append(ev)

    def after(self, after: int, limit: int) -> tuple[list[dict], int] | None:
        """Events with seq > `after` (at most `limit`) and the new cursor; None when the ring
        does not reach back to `after` (read the table)."""
        with self._lock:
            if after < self._base:
                return None
            i = after - self._base
            if i >= len(self._ring):
                return [], after
            out = [self._ring[j] for j in range(i, min(len(self._ring), i + limit))]
        return out, out[-1]["seq"]


class Conflict(Exception):
    """Another process changed a row between our read and our UPDATE: decide again."""


def _to_ticket(r) -> Ticket:
    m = r._mapping
    d = {k: m[k] for k in _TICKET_FIELDS}
    d["state"] = TicketState(d["state"])
    return Ticket(**d)


class Held:
    """A ticket row read by the writer: its id and version, the values as read, the Ticket."""

    __slots__ = ("id", "version", "before", "t")

    def __init__(self, raw: Raw, row: tuple):
        self.id, self.version, self.t = raw.ticket(row)
        self.before = raw.ticket_params(self.t)


def _save_ticket(raw: Raw, h: Held) -> None:
    """Write what the action changed in ticket `h.t`, checking its version (optimistic guard:
    even a second service process on the same database could never call a ticket twice)."""
    now = raw.ticket_params(h.t)
    changes = {k: v for k, v in now.items() if h.before[k] != v}
    if not changes:
        return
    sets = ", ".join(f'"{k}" = :{k}' for k in changes)
    n = raw.run(f"UPDATE q_ticket SET {sets}, version = :nv WHERE id = :id AND version = :v",
                {**changes, "nv": h.version + 1, "id": h.id, "v": h.version})
    if n != 1:
        raise Conflict("ticket")


def _save_window(raw: Raw, row: dict, w: WindowState) -> None:
    changes = {k: getattr(w, k) for k in ("current", "paused", "pause_reason", "clerk", "consecutive_priority")
               if row[k] != getattr(w, k)}
    if "paused" in changes:
        changes["paused"] = raw.b(w.paused)
    if row["served"] != w.served:
        changes["served"] = raw.js(dict(w.served))
    if not changes:
        return
    sets = ", ".join(f'"{k}" = :{k}' for k in changes)
    n = raw.run(f"UPDATE q_window SET {sets}, version = :nv WHERE code = :code AND version = :v",
                {**changes, "nv": row["version"] + 1, "code": row["code"], "v": row["version"]})
    if n != 1:
        raise Conflict("window")


def _event_json(r) -> dict:
    """An event row as the API shows it (QueueEvent.as_json, without building the dataclass)."""
    return {"seq": r.seq, "type": r.type, "outcome": r.outcome, "at": r.at.isoformat(), "window": r.window,
            "clerk": r.clerk, "ticket": r.ticket, "queue": r.queue,
            "issued_at": r.issued_at.isoformat() if r.issued_at else None, "data": r.data or {}}


class Notifier:
    """Wakes long-polling readers when events were committed (thread-safe, any event loop)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters: set = set()
        self.last_seq = 0

    def publish(self, seq: int) -> None:
        with self._lock:
            self.last_seq = max(self.last_seq, seq)
            waiters = list(self._waiters)
        for loop, fut in waiters:
            loop.call_soon_threadsafe(lambda f=fut: f.done() or f.set_result(None))

    async def wait(self, after: int, timeout: float) -> bool:
        """Wait until an event after `after` is committed or `timeout` passes; True when woken."""
        import asyncio

        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        item = (loop, fut)
        with self._lock:
            if self.last_seq > after:
                return True
            self._waiters.add(item)
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.discard(item)


class QueueService:
    def __init__(self, db_url: str, seed_demo: bool = True, clock: Callable[[], datetime] = utc_now):
        self.db_url = db_url
        self.engine = make_engine(db_url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        QBase.metadata.create_all(self.engine)
        for ix in QEvent.__table__.indexes:  # create_all skips indexes added to an existing table
            ix.create(self.engine, checkfirst=True)
        # Reads never take the write lock (see make_engine); on PostgreSQL one engine does both.
        self.read_engine = make_engine(db_url, writer=False) if self.is_sqlite else self.engine
        self.clock = clock
        self.notifier = Notifier()
        self.tokens = TokenStore(self.read_engine)  # lookups are reads: never the write lock
        self._rules_cache: Rules | None = None
        # The single writer: a lock held from BEGIN to the publication of the events. The app
        # takes it on its event loop thread, so HTTP calls are served in arrival order.
        self._wlock = threading.RLock()
        # Configuration writes (rare, SQLAlchemy) of the app run here, off the event loop.
        self._config_pool = ThreadPoolExecutor(1, thread_name_prefix="queue-config")
        self._conn: Connection | None = None  # the writer's SQLAlchemy connection (configuration)
        self._raw: Raw | None = None  # the writer's DBAPI connection (actions)
        self._new_events: list[dict] = []
        # PostgreSQL: a commit waits for the server's fsync (~3.5 ms here), one writer commits
        # one action at a time, so actions queue behind fsyncs. The app hands them to a writer
        # thread that commits whatever has queued meanwhile in one transaction (group commit).
        # SQLite in WAL with synchronous=NORMAL does not fsync at commit: actions run inline.
        self.group_commit = not self.is_sqlite
        self._in_batch = False
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._batcher: threading.Thread | None = None
        self._batcher_lock = threading.Lock()
        self.generation = 0  # bumped by every committed write: the status cache's key
        self._status_cache: tuple[tuple, dict] | None = None
        with self.read_engine.connect() as c:
            self.notifier.last_seq = c.scalar(select(func.max(E.c.seq))) or 0
        self.ring = EventRing(self.notifier.last_seq)
        path = self.engine.url.database if self.is_sqlite else None
        self._checkpointer = Checkpointer(path) if path and path != ":memory:" else None
        if seed_demo:
            self._seed()

    def close(self) -> None:
        if self._batcher is not None:
            self._jobs.put(None)
            self._batcher.join(30)
        with self._wlock:
            self._drop_conns()
        self._config_pool.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()
        self.read_engine.dispose()

    # -- plumbing ---------------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args) -> Future:
        """Run `fn(*args)` on a thread of its own (configuration writes: they go through
        SQLAlchemy and may take a few ms, not worth holding the event loop for)."""
        return self._config_pool.submit(fn, *args)

    def _drop_conns(self) -> None:
        self._drop_raw()
        self._drop_conn()

    def _drop_conn(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except DBAPIError:
                pass
            self._conn = None

    def _write(self, fn: Callable[[Connection, datetime], Any]) -> Any:
        """Run configuration `fn` (SQLAlchemy) as the single writer in one transaction."""
        with self._wlock:
            return self._write_locked(fn)

    def _write_locked(self, fn: Callable[[Connection, datetime], Any]) -> Any:
        for attempt in range(5):
            if self._conn is None:
                self._conn = self.engine.connect()
            try:
                with self._conn.begin():
                    result = fn(self._conn, self.clock())
            except (Conflict, IntegrityError) as e:  # another process changed the rows: decide again
                log.warning("queue write conflict, retrying (%d): %s", attempt + 1, type(e).__name__)
                continue
            except DBAPIError as e:
                if e.connection_invalidated or isinstance(e, OperationalError):
                    self._drop_conn()  # the database restarted or dropped us: reconnect next time
                raise
            self.generation += 1
            return result
        raise RuntimeError("queue write kept conflicting")

    def _act(self, fn: Callable[[Raw, datetime], Any]) -> Any:
        """Run action `fn` (plain SQL, rawsql.py) as the single writer in one transaction;
        publish its events after the commit (still under the lock: in seq order)."""
        with self._wlock:
            return self._act_locked(fn)

    def _act_locked(self, fn: Callable[[Raw, datetime], Any]) -> Any:
        dbapi = self.engine.dialect.loaded_dbapi
        if self._in_batch:  # inside the group commit's transaction: no BEGIN, no COMMIT
            return fn(self._raw, self.clock())
        for attempt in range(5):
            if self._raw is None:
                self._raw = Raw(self.engine)
            raw = self._raw
            self._new_events = []
            try:
                raw.begin()
                result = fn(raw, self.clock())
                raw.commit()
            except (Conflict, dbapi.IntegrityError) as e:  # another process changed the rows: decide again
                self._rollback()
                log.warning("queue write conflict, retrying (%d): %s", attempt + 1, type(e).__name__)
                continue
            except dbapi.Error as e:
                self._rollback()
                if isinstance(e, (dbapi.OperationalError, dbapi.InterfaceError)):
                    self._drop_raw()  # the database restarted or dropped us: reconnect next time
                raise DBAPIError.instance(None, None, e, dbapi.Error) from None
            except BaseException:
                self._rollback()
                raise
            self.generation += 1
            if self._new_events:
                self.ring.extend(self._new_events)
                self.notifier.publish(self._new_events[-1]["seq"])
            return result
        raise RuntimeError("queue write kept conflicting")

    # -- group commit (PostgreSQL) ------------------------------------------------------------
    def submit_action(self, fn: Callable[..., Any], *args) -> Future:
        """Queue action call `fn(*args)` (e.g. `self.call_next, "03"`) for the group-commit
        writer; the future is resolved once the transaction holding it has committed."""
        fut: Future = Future()
        if self._batcher is None:
            with self._batcher_lock:
                if self._batcher is None:
                    self._batcher = threading.Thread(target=self._batch_loop, name="queue-writer", daemon=True)
                    self._batcher.start()
        self._jobs.put((fn, args, fut))
        return fut

    def _batch_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            jobs = [job]
            while len(jobs) < MAX_BATCH:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)
                    break
                jobs.append(more)
            self._run_batch(jobs)

    def _run_batch(self, jobs: list) -> None:
        """Every queued action in one transaction and one commit (one fsync of the database's
        log for the lot); each is answered only after that commit. Should any action of the
        batch fail (a refusal, a conflict with another process, a database error), the whole
        transaction is rolled back and each action runs again alone, in a transaction of its
        own, so one action's failure never takes the others with it. Failures are rare: the
        common case costs no extra round trip (a savepoint per action would cost two)."""
        if len(jobs) > 1 and self._try_batch(jobs):
            return
        for fn, args, fut in jobs:
            try:
                fut.set_result(fn(*args))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting request
                fut.set_exception(e)

    def _try_batch(self, jobs: list) -> bool:
        dbapi = self.engine.dialect.loaded_dbapi
        with self._wlock:
            if self._raw is None:
                self._raw = Raw(self.engine)
            self._new_events = []
            try:
                self._raw.begin()
                self._in_batch = True
                try:
                    results = [fn(*args) for fn, args, _fut in jobs]
                finally:
                    self._in_batch = False
                self._raw.commit()
            except Exception as e:  # noqa: BLE001 - every action runs again alone
                self._rollback()
                if isinstance(e, (dbapi.OperationalError, dbapi.InterfaceError)):
                    self._drop_raw()
                log.debug("group commit rolled back (%s): the actions run one by one", type(e).__name__)
                return False
            self.generation += 1
            if self._new_events:
                self.ring.extend(self._new_events)
                self.notifier.publish(self._new_events[-1]["seq"])
        for (_fn, _args, fut), result in zip(jobs, results):
            fut.set_result(result)
        return True

    def _rollback(self) -> None:
        try:
            self._raw.rollback()
        except Exception:  # noqa: BLE001 - a broken connection: start afresh
            self._drop_raw()

    def _drop_raw(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def _record(self, raw: Raw, ev: QueueEvent) -> dict:
        ev.seq = raw.insert_event(ev)
        out = ev.as_json()
        # As a read of the row gives it back (UTC, data never None): the ring answers /events.
        self._new_events.append({**out, "at": ev.at.astimezone(timezone.utc).isoformat(),
                                 "issued_at": ev.issued_at.astimezone(timezone.utc).isoformat() if ev.issued_at else None,
                                 "data": ev.data or {}})
        return out

    def _rules(self, raw: Raw | Connection) -> Rules:
        # Cached: this process is the only writer of the rules (set_rules clears the cache).
        if self._rules_cache is None:
            if isinstance(raw, Raw):
                r = raw.one("SELECT value FROM q_config WHERE key = :k", {"k": "rules"})
                value = raw.js_in(r[0]) if r else None
            else:
                value = raw.scalar(select(C.c.value).where(C.c.key == "rules"))
            self._rules_cache = Rules.from_json(value)
        return self._rules_cache

    def _window(self, raw: Raw, code: str):
        r = raw.one(WINDOW_SELECT, {"code": code})
        if r is None:
            raise UnknownWindow(code)
        return raw.window(r)

    def _prefixes(self, c: Raw | Connection) -> list[str]:
        if isinstance(c, Raw):
            return [r[0] for r in c.all("SELECT prefix FROM q_queue ORDER BY sort")]
        return list(c.scalars(select(Q.c.prefix).order_by(Q.c.sort)))

    def _ticket_row(self, raw: Raw, no: str, day) -> Held | None:
        r = raw.one(TICKET_SELECT + 'WHERE "day" = :day AND "no" = :no', {"day": raw.day(day), "no": no.strip().upper()})
        return Held(raw, r) if r else None

    def _waiting_rows(self, raw: Raw, day, queue: str) -> list[Held]:
        """The waiting tickets of one queue, not reserved for a window."""
        sql = raw.lock(TICKET_SELECT + "WHERE \"day\" = :day AND state = 'waiting' AND queue = :q AND target_window = ''")
        return [Held(raw, r) for r in raw.all(sql, {"day": raw.day(day), "q": queue})]

    def _candidate_rows(self, raw: Raw, day, profile: WorkProfile, window: str) -> list[Held]:
        """The waiting tickets call-next has to look at: per served queue the first
        CANDIDATES_PER_QUEUE ordinary tickets by position, plus every priority, appointment or
        transferred ticket (few). Reading the whole day's queue on every call would make
        call-next slower as the hall fills up; the choice needs only the head of each queue
        (`profile._oldest`). Condition rules ("C waited over 30 min") see the oldest issue time
        among these rows: a late-comer re-queued further back, who missed their call, does not
        trigger them."""
        queues = self._prefixes(raw) if profile.help_others else list(profile.queues)
        rows: dict[int, Held] = {}
        d = raw.day(day)
        # Ordinary tickets only: priority ones come below, all of them, so a morning of
        # green-channel tickets at the head of a queue cannot hide its ordinary ones.
        head = raw.lock(TICKET_SELECT + "WHERE \"day\" = :day AND state = 'waiting' AND queue = :q AND target_window = '' "
                                        f"AND priority = '' ORDER BY \"position\" LIMIT {CANDIDATES_PER_QUEUE}")
        for q in queues:
            for r in raw.all(head, {"day": d, "q": q}):
                rows[r[0]] = Held(raw, r)
        names = {f"q{i}": q for i, q in enumerate(queues)}
        in_list = ", ".join(f":{k}" for k in names) or "''"
        special = raw.lock(TICKET_SELECT + "WHERE \"day\" = :day AND state = 'waiting' AND ((priority <> '' AND target_window = '' "
                                           f"AND queue IN ({in_list})) OR target_window = :w)")
        for r in raw.all(special, {"day": d, "w": window, **names}):
            if r[0] not in rows:
                rows[r[0]] = Held(raw, r)
        return list(rows.values())

    def _result(self, ev: dict, ticket: Ticket | None = None, **extra) -> dict:
        return {"ok": ev["outcome"] == Outcome.OK.value, "event": ev,
                "message": OUTCOME_TEXT.get(Outcome(ev["outcome"]), ev["outcome"]),
                "ticket": ticket.as_json() if ticket else None, **extra}

    # -- configuration ----------------------------------------------------------------------
    def _seed(self) -> None:
        def fn(c: Connection, now):
            if c.scalar(select(func.count()).select_from(Q)):
                return
            c.execute(insert(Q), [{"prefix": p, "name": n, "sort": i, "active": True} for i, (p, n) in enumerate(DEFAULT_QUEUES)])
            c.execute(insert(W), [{"code": code, "name": f"{int(code)}号窗口", "profile": {"queues": queues}, "clerk": "",
                                   "current": "", "paused": False, "pause_reason": "", "consecutive_priority": 0,
                                   "served": {}, "version": 0} for code, queues in DEMO_WINDOWS.items()])

        self._write(fn)

    def queues(self) -> list[QueueDef]:
        with self.read_engine.connect() as c:
            return [QueueDef(r.prefix, r.name) for r in c.execute(select(Q.c.prefix, Q.c.name).where(Q.c.active.is_(True)).order_by(Q.c.sort))]

    def set_queue(self, prefix: str, name: str) -> dict:
        def fn(c: Connection, now):
            if c.execute(select(Q.c.prefix).where(Q.c.prefix == prefix)).first():
                c.execute(update(Q).where(Q.c.prefix == prefix).values(name=name, active=True))
            else:
                if c.scalar(select(func.count()).select_from(Q)) >= MAX_QUEUES:
                    raise ValidationFailed(f"业务类别最多 {MAX_QUEUES} 个")
                c.execute(insert(Q).values(prefix=prefix, name=name, sort=99, active=True))
            return {"prefix": prefix, "name": name}

        return self._write(fn)

    def window_exists(self, code: str) -> bool:
        with self.read_engine.connect() as c:
            return c.execute(select(W.c.code).where(W.c.code == code)).first() is not None

    def set_window(self, code: str, name: str = "", profile: dict | None = None, clerk: str | None = None,
                   create_only_profile: bool = False) -> dict:
        """Register window `code` or change it. `create_only_profile`: a window's own credential
        may give its name and profile only when it registers (the hall's settings win after)."""
        def fn(c: Connection, now):
            r = c.execute(select(W).where(W.c.code == code)).first()
            values: dict[str, Any] = {}
            if name and (r is None or not create_only_profile):
                values["name"] = name
            if profile is not None and (r is None or not create_only_profile):
                # Refuse a malformed profile here, not at call time (ValidationFailed, in Chinese).
                check_profile(profile, self._prefixes(c))
                values["profile"] = profile
            if clerk is not None:
                values["clerk"] = clerk
            if r is None:
                if c.scalar(select(func.count()).select_from(W)) >= MAX_WINDOWS:
                    raise ValidationFailed(f"窗口最多 {MAX_WINDOWS} 个")
                values = {"code": code, "name": f"{int(code) if code.isdigit() else code}号窗口", "profile": {},
                          "clerk": "", "current": "", "paused": False, "pause_reason": "", "consecutive_priority": 0,
                          "served": {}, "version": 0, **values}
                c.execute(insert(W).values(**values))
            elif values:
                c.execute(update(W).where(W.c.code == code).values(version=r.version + 1, **values))
            r = c.execute(select(W).where(W.c.code == code)).first()
            return {"code": r.code, "name": r.name, "profile": r.profile, "clerk": r.clerk}

        return self._write(fn)

    def rules(self) -> dict:
        with self.read_engine.connect() as c:
            return dict(Rules.from_json(c.scalar(select(C.c.value).where(C.c.key == "rules"))).__dict__)

    def set_rules(self, values: dict) -> dict:
        def fn(c: Connection, now):
            rules = check_rules({**self._rules(c).__dict__, **values})  # ValidationFailed, in Chinese
            if c.execute(select(C.c.key).where(C.c.key == "rules")).first():
                c.execute(update(C).where(C.c.key == "rules").values(value=dict(rules.__dict__)))
            else:
                c.execute(insert(C).values(key="rules", value=dict(rules.__dict__)))
            self._rules_cache = None
            return dict(rules.__dict__)

        return self._write(fn)

    # -- tickets ----------------------------------------------------------------------------
    def _issue(self, raw: Raw, now, prefix: str, priority: str, booked_at=None) -> tuple[dict, Ticket | None, int, str]:
        q = raw.one("SELECT name FROM q_queue WHERE prefix = :p", {"p": prefix})
        if q is None:
            ev = QueueEvent("issue", Outcome.UNKNOWN_QUEUE.value, now, queue=prefix)
            return self._record(raw, ev), None, 0, ""
        day = local_day(now)
        key = {"q": prefix, "day": raw.day(day)}
        r = raw.one('SELECT value FROM q_sequence WHERE queue = :q AND "day" = :day', key)
        if r is None:
            n = 1
            raw.run('INSERT INTO q_sequence (queue, "day", value) VALUES (:q, :day, 1)', key)
        else:
            n = r[0] + 1
            if raw.run('UPDATE q_sequence SET value = :n WHERE queue = :q AND "day" = :day AND value = :old',
                       {**key, "n": n, "old": r[0]}) != 1:
                raise Conflict("sequence")
        t, ev = actions.issue(prefix, n, now, priority, booked_at)
        ahead = raw.one("SELECT count(*) FROM q_ticket WHERE \"day\" = :day AND queue = :q AND state = 'waiting' "
                        "AND target_window = ''", key)[0]
        raw.run(_INSERT_TICKET, {**raw.ticket_params(t), "version": 0})
        return self._record(raw, ev), t, ahead, q[0]

    def issue(self, prefix: str, priority: str = "") -> dict:
        if priority and priority not in ("elderly", "disabled", "pregnant", "military"):
            priority = ""

        def fn(raw: Raw, now):
            ev, t, ahead, qname = self._issue(raw, now, prefix.strip().upper(), priority)
            return self._result(ev, t, people_ahead=ahead, queue_name=qname)

        return self._act(fn)

    def add_appointment(self, code: str, queue: str, booked_at: datetime, id_number: str = "", name: str = "") -> dict:
        def fn(c: Connection, now):
            if c.execute(select(Q.c.prefix).where(Q.c.prefix == queue)).first() is None:
                raise ValidationFailed(f"没有业务类别“{queue}”")
            values = {"queue": queue, "booked_at": booked_at, "name": name,
                      "id_key": id_lookup_key(id_number) if id_number else ""}
            if c.execute(select(A.c.code).where(A.c.code == code)).first():
                c.execute(update(A).where(A.c.code == code).values(**values))
            else:
                c.execute(insert(A).values(code=code, ticket_no="", checked_in_at=None, **values))
            return {"code": code}

        return self._write(fn)

    def check_in(self, code: str = "", id_number: str = "") -> dict:
        """Appointment check-in by appointment code or ID number: a priority ticket once the
        booked time comes."""

        def fn(raw: Raw, now):
            day = local_day(now)
            sql = "SELECT code, queue, booked_at FROM q_appointment WHERE checked_in_at IS NULL AND "
            if code:
                rows = raw.all(sql + "code = :k LIMIT 100", {"k": code.strip()})
            elif id_number:
                rows = raw.all(sql + "id_key = :k LIMIT 100", {"k": id_lookup_key(id_number)})
            else:
                rows = []
            appts = [(r[0], r[1], raw.dt_in(r[2])) for r in rows]
            appts = [a for a in appts if local_day(a[2]) == day]
            if not appts:
                ev = QueueEvent("checkin", Outcome.NOT_FOUND.value, now, data={"code": code})
                return self._result(self._record(raw, ev))
            a_code, a_queue, booked = min(appts, key=lambda a: abs((a[2] - now).total_seconds()))
            outcome = actions.check_in_window(booked, now, self._rules(raw))
            if outcome is not Outcome.OK:
                ev = QueueEvent("checkin", outcome.value, now, queue=a_queue, data={"code": a_code, "booked_at": booked.isoformat()})
                return self._result(self._record(raw, ev))
            ev, t, ahead, qname = self._issue(raw, now, a_queue, "appointment", booked)
            if t is None:  # its queue was withdrawn since the booking
                return self._result(ev)
            raw.run("UPDATE q_appointment SET checked_in_at = :at, ticket_no = :no WHERE code = :code",
                    {"at": raw.dt(now), "no": t.no, "code": a_code})
            return self._result(ev, t, people_ahead=ahead, queue_name=qname, appointment=a_code)

        return self._act(fn)

    # -- window actions -----------------------------------------------------------------------
    def _window_action(self, code: str, act: Callable[[Raw, datetime, dict, WindowState], tuple[QueueEvent, Ticket | None]]) -> dict:
        def fn(raw: Raw, now):
            w, profile, _version, row = self._window(raw, code)
            ev, t = act(raw, now, profile, w)
            _save_window(raw, row, w)
            return self._result(self._record(raw, ev), t if ev.outcome == Outcome.OK.value else None)

        return self._act(fn)

    def _with_ticket(self, raw: Raw, no: str, now, fn) -> tuple[QueueEvent, Ticket | None]:
        h = self._ticket_row(raw, no, local_day(now)) if no else None
        t = h.t if h else None
        ev = fn(t)
        if h is not None and ev.outcome == Outcome.OK.value:
            _save_ticket(raw, h)
        return ev, t

    def call_next(self, code: str) -> dict:
        def act(raw, now, profile_json, w):
            profile = WorkProfile.from_json(profile_json)
            if w.paused or w.current:  # refuse before reading the queue
                return actions.call_next(w, profile, [], now)
            held = self._candidate_rows(raw, local_day(now), profile, code)
            ev, t = actions.call_next(w, profile, [h.t for h in held], now)
            if t is not None:
                _save_ticket(raw, next(h for h in held if h.t is t))
            return ev, t

        return self._window_action(code, act)

    def call_specific(self, code: str, ticket_no: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(raw, ticket_no, now, lambda t: actions.call(w, t, now)))

    def recall(self, code: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(
            raw, w.current, now, lambda t: actions.recall(w, t, self._rules(raw), now)))

    def no_show(self, code: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(
            raw, w.current, now, lambda t: actions.no_show(w, t, self._rules(raw), now)))

    def transfer(self, code: str, to_queue: str = "", to_window: str = "", keep_position: bool = True) -> dict:
        def act(raw, now, p, w):
            if to_window and raw.one("SELECT code FROM q_window WHERE code = :c", {"c": to_window}) is None:
                return QueueEvent("transfer", Outcome.BAD_REQUEST.value, now, window=code, data={"to_window": to_window}), None
            known = self._prefixes(raw)
            return self._with_ticket(raw, w.current, now, lambda t: actions.transfer(
                w, t, now, to_queue.strip().upper(), to_window, keep_position, known))

        return self._window_action(code, act)

    def park(self, code: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(raw, w.current, now, lambda t: actions.park(w, t, now)))

    def call_back(self, code: str, ticket_no: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(raw, ticket_no, now, lambda t: actions.call_back(w, t, now)))

    def pause(self, code: str, reason: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: (actions.pause(w, reason, now), None))

    def resume(self, code: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: (actions.resume(w, now), None))

    def end(self, code: str) -> dict:
        return self._window_action(code, lambda raw, now, p, w: self._with_ticket(raw, w.current, now, lambda t: actions.end(w, t, now)))

    def requeue_late(self, ticket_no: str) -> dict:
        def fn(raw: Raw, now):
            day = local_day(now)
            h = self._ticket_row(raw, ticket_no, day)
            t = h.t if h else None
            waiting = [x.t for x in self._waiting_rows(raw, day, t.queue)] if t else []
            ev = actions.requeue_late(t, self._rules(raw), now, waiting)
            if h is None or ev.outcome != Outcome.OK.value:
                return self._result(self._record(raw, ev))
            _save_ticket(raw, h)
            # What the kiosk tells the late-comer: the ordinary tickets of the queue before it.
            ahead = sum(1 for w in waiting if w.queue == t.queue and not w.target_window and w.no != t.no
                        and (w.position, w.no) < (t.position, t.no))
            return self._result(self._record(raw, ev), t, people_ahead=ahead)

        return self._act(fn)

    # -- reading ----------------------------------------------------------------------------
    def events_after(self, after: int, limit: int = 500) -> tuple[list[dict], int]:
        cached = self.events_cached(after, limit)
        if cached is not None:
            return cached
        return self.events_stored(after, limit)

    def events_cached(self, after: int, limit: int = 500) -> tuple[list[dict], int] | None:
        """Events after `after` from memory, or None when the table must be read."""
        if after >= self.notifier.last_seq:  # nothing newer committed by this process: no read
            return [], after
        return self.ring.after(after, limit)

    def events_stored(self, after: int, limit: int = 500) -> tuple[list[dict], int]:
        with self.read_engine.connect() as c:
            rows = c.execute(select(E).where(E.c.seq > after).order_by(E.c.seq).limit(limit)).all()
        return [_event_json(r) for r in rows], (rows[-1].seq if rows else after)

    def all_events(self, since: datetime | None = None, until: datetime | None = None) -> list[QueueEvent]:
        """Events with `since <= at < until` (either open), in seq order."""
        with self.read_engine.connect() as c:
            q = select(E).order_by(E.c.seq)
            if since:
                q = q.where(E.c.at >= since)
            if until:
                q = q.where(E.c.at < until)
            return [QueueEvent(r.type, r.outcome, r.at, r.window, r.clerk, r.ticket, r.queue, r.issued_at, r.data or {}, r.seq)
                    for r in c.execute(q)]

    def _hall_status(self, day) -> dict:
        with self.read_engine.connect() as c:
            cursor = c.scalar(select(func.max(E.c.seq))) or 0
            queues = c.execute(select(Q.c.prefix, Q.c.name).where(Q.c.active.is_(True)).order_by(Q.c.sort)).all()
            counts = dict(c.execute(select(T.c.queue, func.count()).where(T.c.day == day, T.c.state == "waiting")
                                    .group_by(T.c.queue)).all())
            windows = c.execute(select(W).order_by(W.c.code)).all()
            calls = c.execute(select(E.c.seq, E.c.ticket, E.c.window, E.c.at, E.c.data)
                              .where(E.c.type.in_(("call", "recall", "call_back")), E.c.outcome == "ok")
                              .order_by(E.c.seq.desc()).limit(10)).all()
            # The windows' current tickets in one read, not one per window.
            current = {r.window: _to_ticket(r).as_json() for r in c.execute(select(T).where(T.c.day == day, T.c.state == "called"))}
        return {
            "cursor": cursor,
            "queues": [{"prefix": q.prefix, "name": q.name, "waiting": counts.get(q.prefix, 0)} for q in queues],
            "windows": [{"code": w.code, "name": w.name, "current": w.current, "paused": w.paused,
                         "pause_reason": w.pause_reason, "clerk": w.clerk, "profile": w.profile,
                         "ticket": current.get(w.code) if w.current else None} for w in windows],
            "recent_calls": [{"seq": e.seq, "ticket": e.ticket, "window": e.window, "at": e.at.isoformat(),
                              "window_name": (e.data or {}).get("window_name", "")} for e in calls],
        }

    def status(self, window: str = "") -> dict:
        """What a display or a window panel shows: windows, waiting counts, latest calls.

        The hall part is cached until the next write: fifty panels refreshing every few
        seconds and every display after each burst of calls then cost one dictionary copy each,
        not seven queries competing with call-next for the interpreter."""
        now = self.clock()
        day = local_day(now)
        key = (self.generation, day)
        cached = self._status_cache
        if cached is None or cached[0] != key:
            hall = self._hall_status(day)
            self._status_cache = cached = (key, hall)
        parked: list[str] = []
        if window:
            with self.read_engine.connect() as c:
                parked = list(c.scalars(select(T.c.no).where(T.c.day == day, T.c.state == "parked", T.c.window == window)))
        return {**cached[1], "now": now.isoformat(), "parked": parked}
