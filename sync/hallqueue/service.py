"""The hall queue service's transactions: one action = one database transaction.

Atomic call-next: every write runs under the service's single writer lock and in one database
transaction (BEGIN IMMEDIATE on SQLite; SELECT … FOR UPDATE SKIP LOCKED of the candidates on
PostgreSQL), and the ticket row carries a version column checked by the UPDATE. So a ticket is
never called by two windows, and events commit in `seq` order — which is what lets a display
resume from its cursor without missing an event.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

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

log = logging.getLogger(__name__)

DEFAULT_QUEUES = [
    ("A", "综合受理"), ("B", "不动产登记"), ("C", "社保医保"), ("D", "公积金"),
    ("E", "户籍出入境"), ("F", "市场监管"), ("G", "税务"),
]
DEMO_WINDOWS = {"01": ["A"], "02": ["A"], "03": ["A", "B"], "04": ["B"], "05": ["C"], "06": ["C", "D"], "07": ["E", "F"], "08": ["G", "A"]}

CANDIDATES_PER_QUEUE = 5
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
            # NORMAL in WAL mode: a commit survives a crash of the process; only a power cut can
            # lose the last commits. A queue ticket is worth that for 50 windows' latency.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return eng
    return create_engine(db_url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def _to_ticket(r: QTicket) -> Ticket:
    d = {k: getattr(r, k) for k in _TICKET_FIELDS}
    d["state"] = TicketState(d["state"])
    return Ticket(**d)


def _write_ticket(r: QTicket, t: Ticket) -> None:
    for k in _TICKET_FIELDS:
        v = getattr(t, k)
        v = v.value if isinstance(v, TicketState) else v
        if getattr(r, k) != v:
            setattr(r, k, v)


def _to_window(r: QWindow) -> WindowState:
    return WindowState(code=r.code, name=r.name, current=r.current, paused=r.paused, pause_reason=r.pause_reason,
                       clerk=r.clerk, consecutive_priority=r.consecutive_priority, served=dict(r.served or {}))


def _write_window(r: QWindow, w: WindowState) -> None:
    for k in ("current", "paused", "pause_reason", "clerk", "consecutive_priority"):
        if getattr(r, k) != getattr(w, k):
            setattr(r, k, getattr(w, k))
    if dict(r.served or {}) != w.served:
        r.served = dict(w.served)


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
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Reads never take the write lock (see make_engine); on PostgreSQL one engine does both.
        self.read_engine = make_engine(db_url, writer=False) if self.is_sqlite else self.engine
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self.clock = clock
        self.writer = threading.Lock()
        self.notifier = Notifier()
        self._rules_cache: Rules | None = None
        with self.sessions() as s:
            self.notifier.last_seq = s.scalar(select(func.max(QEvent.seq))) or 0
        if seed_demo:
            self._seed()

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    # -- plumbing ---------------------------------------------------------------------------
    def _write(self, fn: Callable[[Session, datetime], Any]) -> Any:
        """Run `fn` as the single writer in one transaction; publish its events after commit."""
        for attempt in range(5):
            with self.writer:
                with self.sessions() as s:
                    self._new_events: list[QEvent] = []
                    try:
                        with s.begin():
                            result = fn(s, self.clock())
                    except StaleDataError:  # someone else changed the row: decide again
                        log.warning("queue write conflict, retrying (%d)", attempt + 1)
                        continue
                    if self._new_events:
                        self.notifier.publish(max(e.seq for e in self._new_events))
                    return result
        raise RuntimeError("queue write kept conflicting")

    def _record(self, s: Session, ev: QueueEvent) -> dict:
        row = QEvent(at=ev.at, type=ev.type, outcome=ev.outcome, window=ev.window, clerk=ev.clerk,
                     ticket=ev.ticket, queue=ev.queue, issued_at=ev.issued_at, data=ev.data)
        s.add(row)
        s.flush()
        self._new_events.append(row)
        ev.seq = row.seq
        return ev.as_json()

    def _rules(self, s: Session) -> Rules:
        # Cached: this process is the only writer of the rules (set_rules clears the cache).
        if self._rules_cache is None:
            row = s.get(QConfig, "rules")
            self._rules_cache = Rules.from_json(row.value if row else None)
        return self._rules_cache

    def _window(self, s: Session, code: str) -> QWindow:
        w = s.get(QWindow, code)
        if w is None:
            raise UnknownWindow(code)
        return w

    def _ticket_row(self, s: Session, no: str, day) -> QTicket | None:
        return s.scalar(select(QTicket).where(QTicket.day == day, QTicket.no == no.strip().upper()))

    def _waiting_rows(self, s: Session, day, queues: Iterable[str] | None = None, window: str = "") -> list[QTicket]:
        q = select(QTicket).where(QTicket.day == day, QTicket.state == TicketState.WAITING.value)
        if queues is not None:
            q = q.where((QTicket.queue.in_(list(queues)) & (QTicket.target_window == "")) | (QTicket.target_window == window))
        if not self.is_sqlite:
            q = q.with_for_update(skip_locked=True)
        return list(s.scalars(q))

    def _candidate_rows(self, s: Session, day, profile: WorkProfile, window: str) -> list[QTicket]:
        """The waiting tickets call-next has to look at: per served queue the first
        CANDIDATES_PER_QUEUE ordinary tickets by position, plus every priority, appointment or
        transferred ticket (few). Reading the whole day's queue on every call would make
        call-next slower as the hall fills up; the choice needs only the head of each queue
        (`profile._oldest`). Condition rules ("C waited over 30 min") see the oldest issue time
        among these rows: a late-comer re-queued further back, who missed their call, does not
        trigger them."""
        base = select(QTicket).where(QTicket.day == day, QTicket.state == TicketState.WAITING.value)
        lock = (lambda q: q) if self.is_sqlite else (lambda q: q.with_for_update(skip_locked=True))
        queues = list(profile.queues)
        if profile.help_others:
            queues = [q.prefix for q in s.scalars(select(QQueue))]
        rows: dict[int, QTicket] = {}
        for q in queues:
            # Ordinary tickets only: priority ones come below, all of them, so a morning of
            # green-channel tickets at the head of a queue cannot hide its ordinary ones.
            for r in s.scalars(lock(base.where(QTicket.queue == q, QTicket.target_window == "", QTicket.priority == "")
                                    .order_by(QTicket.position).limit(CANDIDATES_PER_QUEUE))):
                rows[r.id] = r
        special = base.where(((QTicket.priority != "") & QTicket.queue.in_(queues) & (QTicket.target_window == ""))
                             | (QTicket.target_window == window))
        for r in s.scalars(lock(special)):
            rows[r.id] = r
        return list(rows.values())

    def _result(self, s: Session, ev: dict, ticket: Ticket | None = None, **extra) -> dict:
        return {"ok": ev["outcome"] == Outcome.OK.value, "event": ev,
                "message": OUTCOME_TEXT.get(Outcome(ev["outcome"]), ev["outcome"]),
                "ticket": ticket.as_json() if ticket else None, **extra}

    # -- configuration ----------------------------------------------------------------------
    def _seed(self) -> None:
        def fn(s: Session, now):
            if s.scalar(select(func.count()).select_from(QQueue)):
                return
            for i, (p, n) in enumerate(DEFAULT_QUEUES):
                s.add(QQueue(prefix=p, name=n, sort=i))
            for code, queues in DEMO_WINDOWS.items():
                s.add(QWindow(code=code, name=f"{int(code)}号窗口", profile={"queues": queues}))

        self._write(fn)

    def queues(self) -> list[QueueDef]:
        with self.read_sessions() as s:
            return [QueueDef(q.prefix, q.name) for q in s.scalars(select(QQueue).where(QQueue.active.is_(True)).order_by(QQueue.sort))]

    def set_queue(self, prefix: str, name: str) -> dict:
        def fn(s: Session, now):
            q = s.get(QQueue, prefix) or QQueue(prefix=prefix, name=name, sort=99)
            q.name, q.active = name, True
            s.add(q)
            return {"prefix": prefix, "name": name}

        return self._write(fn)

    def set_window(self, code: str, name: str = "", profile: dict | None = None, clerk: str | None = None) -> dict:
        def fn(s: Session, now):
            w = s.get(QWindow, code)
            if w is None:
                w = QWindow(code=code, name=name or f"{int(code) if code.isdigit() else code}号窗口", profile={})
                s.add(w)
            if name:
                w.name = name
            if profile is not None:
                # Refuse a malformed profile here, not at call time (ValidationFailed, in Chinese).
                check_profile(profile, [q.prefix for q in s.scalars(select(QQueue))])
                w.profile = profile
            if clerk is not None:
                w.clerk = clerk
            s.flush()
            return {"code": w.code, "name": w.name, "profile": w.profile, "clerk": w.clerk}

        return self._write(fn)

    def rules(self) -> dict:
        with self.read_sessions() as s:
            return Rules.from_json(self._rules(s).__dict__).__dict__

    def set_rules(self, values: dict) -> dict:
        def fn(s: Session, now):
            rules = check_rules({**self._rules(s).__dict__, **values})  # ValidationFailed, in Chinese
            row = s.get(QConfig, "rules") or QConfig(key="rules", value={})
            row.value = dict(rules.__dict__)
            s.add(row)
            self._rules_cache = None
            return dict(rules.__dict__)

        return self._write(fn)

    # -- tickets ----------------------------------------------------------------------------
    def _issue(self, s: Session, now, prefix: str, priority: str, booked_at=None) -> tuple[dict, Ticket | None, int]:
        if s.get(QQueue, prefix) is None:
            ev = QueueEvent("issue", Outcome.UNKNOWN_QUEUE.value, now, queue=prefix)
            return self._record(s, ev), None, 0
        day = local_day(now)
        seq = s.get(QSequence, (prefix, day))
        if seq is None:
            seq = QSequence(queue=prefix, day=day, value=0)
            s.add(seq)
        seq.value += 1
        t, ev = actions.issue(prefix, seq.value, now, priority, booked_at)
        ahead = s.scalar(select(func.count()).select_from(QTicket).where(
            QTicket.day == day, QTicket.queue == prefix, QTicket.state == "waiting", QTicket.target_window == ""))
        row = QTicket(day=t.day, no=t.no)
        _write_ticket(row, t)
        s.add(row)
        return self._record(s, ev), t, ahead

    def issue(self, prefix: str, priority: str = "") -> dict:
        if priority and priority not in ("elderly", "disabled", "pregnant", "military"):
            priority = ""

        def fn(s: Session, now):
            ev, t, ahead = self._issue(s, now, prefix.strip().upper(), priority)
            q = s.get(QQueue, t.queue) if t else None
            return self._result(s, ev, t, people_ahead=ahead, queue_name=q.name if q else "")

        return self._write(fn)

    def add_appointment(self, code: str, queue: str, booked_at: datetime, id_number: str = "", name: str = "") -> dict:
        def fn(s: Session, now):
            s.merge(QAppointment(code=code, queue=queue, booked_at=booked_at, name=name,
                                 id_key=id_lookup_key(id_number) if id_number else ""))
            return {"code": code}

        return self._write(fn)

    def check_in(self, code: str = "", id_number: str = "") -> dict:
        """Appointment check-in by appointment code or ID number: a priority ticket once the
        booked time comes."""

        def fn(s: Session, now):
            day = local_day(now)
            q = select(QAppointment).where(QAppointment.checked_in_at.is_(None))
            if code:
                q = q.where(QAppointment.code == code.strip())
            elif id_number:
                q = q.where(QAppointment.id_key == id_lookup_key(id_number))
            else:
                q = None
            appts = [a for a in (s.scalars(q) if q is not None else []) if local_day(a.booked_at) == day]
            if not appts:
                ev = QueueEvent("checkin", Outcome.NOT_FOUND.value, now, data={"code": code})
                return self._result(s, self._record(s, ev))
            a = min(appts, key=lambda a: abs((a.booked_at - now).total_seconds()))
            outcome = actions.check_in_window(a.booked_at, now, self._rules(s))
            if outcome is not Outcome.OK:
                ev = QueueEvent("checkin", outcome.value, now, queue=a.queue, data={"code": a.code, "booked_at": a.booked_at.isoformat()})
                return self._result(s, self._record(s, ev))
            ev, t, ahead = self._issue(s, now, a.queue, "appointment", a.booked_at)
            a.checked_in_at, a.ticket_no = now, t.no
            qd = s.get(QQueue, t.queue)
            return self._result(s, ev, t, people_ahead=ahead, queue_name=qd.name, appointment=a.code)

        return self._write(fn)

    # -- window actions -----------------------------------------------------------------------
    def _window_action(self, code: str, act: Callable[[Session, datetime, QWindow, WindowState], tuple[QueueEvent, Ticket | None]]) -> dict:
        def fn(s: Session, now):
            wrow = self._window(s, code)
            w = _to_window(wrow)
            ev, t = act(s, now, wrow, w)
            _write_window(wrow, w)
            return self._result(s, self._record(s, ev), t if ev.outcome == Outcome.OK.value else None)

        return self._write(fn)

    def _with_ticket(self, s: Session, no: str, now, fn) -> tuple[QueueEvent, Ticket | None]:
        row = self._ticket_row(s, no, local_day(now)) if no else None
        t = _to_ticket(row) if row else None
        ev = fn(t)
        if row is not None and ev.outcome == Outcome.OK.value:
            _write_ticket(row, t)
        return ev, t

    def call_next(self, code: str) -> dict:
        def act(s, now, wrow, w):
            profile = WorkProfile.from_json(wrow.profile)
            if w.paused or w.current:  # refuse before reading the queue
                return actions.call_next(w, profile, [], now)
            rows = self._candidate_rows(s, local_day(now), profile, code)
            tickets = [_to_ticket(r) for r in rows]
            ev, t = actions.call_next(w, profile, tickets, now)
            if t is not None:
                _write_ticket(rows[tickets.index(t)], t)
            return ev, t

        return self._window_action(code, act)

    def call_specific(self, code: str, ticket_no: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(s, ticket_no, now, lambda t: actions.call(w, t, now)))

    def recall(self, code: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(
            s, w.current, now, lambda t: actions.recall(w, t, self._rules(s), now)))

    def no_show(self, code: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(
            s, w.current, now, lambda t: actions.no_show(w, t, self._rules(s), now)))

    def transfer(self, code: str, to_queue: str = "", to_window: str = "", keep_position: bool = True) -> dict:
        def act(s, now, wrow, w):
            if to_window and s.get(QWindow, to_window) is None:
                return QueueEvent("transfer", Outcome.BAD_REQUEST.value, now, window=code, data={"to_window": to_window}), None
            known = [q.prefix for q in s.scalars(select(QQueue))]
            return self._with_ticket(s, w.current, now, lambda t: actions.transfer(
                w, t, now, to_queue.strip().upper(), to_window, keep_position, known))

        return self._window_action(code, act)

    def park(self, code: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(s, w.current, now, lambda t: actions.park(w, t, now)))

    def call_back(self, code: str, ticket_no: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(s, ticket_no, now, lambda t: actions.call_back(w, t, now)))

    def pause(self, code: str, reason: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: (actions.pause(w, reason, now), None))

    def resume(self, code: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: (actions.resume(w, now), None))

    def end(self, code: str) -> dict:
        return self._window_action(code, lambda s, now, wrow, w: self._with_ticket(s, w.current, now, lambda t: actions.end(w, t, now)))

    def requeue_late(self, ticket_no: str) -> dict:
        def fn(s: Session, now):
            day = local_day(now)
            row = self._ticket_row(s, ticket_no, day)
            t = _to_ticket(row) if row else None
            waiting = [_to_ticket(r) for r in self._waiting_rows(s, day, [t.queue] if t else [], "\0")] if t else []
            ev = actions.requeue_late(t, self._rules(s), now, waiting)
            if row is None or ev.outcome != Outcome.OK.value:
                return self._result(s, self._record(s, ev))
            _write_ticket(row, t)
            # What the kiosk tells the late-comer: the ordinary tickets of the queue before it.
            ahead = sum(1 for w in waiting if w.queue == t.queue and not w.target_window and w.no != t.no
                        and (w.position, w.no) < (t.position, t.no))
            return self._result(s, self._record(s, ev), t, people_ahead=ahead)

        return self._write(fn)

    # -- reading ----------------------------------------------------------------------------
    def events_after(self, after: int, limit: int = 500) -> tuple[list[dict], int]:
        with self.read_sessions() as s:
            rows = list(s.scalars(select(QEvent).where(QEvent.seq > after).order_by(QEvent.seq).limit(limit)))
        evs = [QueueEvent(r.type, r.outcome, r.at, r.window, r.clerk, r.ticket, r.queue, r.issued_at, r.data or {}, r.seq).as_json() for r in rows]
        return evs, (rows[-1].seq if rows else after)

    def all_events(self, since: datetime | None = None, until: datetime | None = None) -> list[QueueEvent]:
        """Events with `since <= at < until` (either open), in seq order."""
        with self.read_sessions() as s:
            q = select(QEvent).order_by(QEvent.seq)
            if since:
                q = q.where(QEvent.at >= since)
            if until:
                q = q.where(QEvent.at < until)
            return [QueueEvent(r.type, r.outcome, r.at, r.window, r.clerk, r.ticket, r.queue, r.issued_at, r.data or {}, r.seq) for r in s.scalars(q)]

    def status(self, window: str = "") -> dict:
        """What a display or a window panel shows: windows, waiting counts, latest calls."""
        now = self.clock()
        day = local_day(now)
        with self.read_sessions() as s:
            cursor = s.scalar(select(func.max(QEvent.seq))) or 0
            queues = list(s.scalars(select(QQueue).where(QQueue.active.is_(True)).order_by(QQueue.sort)))
            counts = dict(s.execute(select(QTicket.queue, func.count()).where(
                QTicket.day == day, QTicket.state == "waiting").group_by(QTicket.queue)).all())
            windows = list(s.scalars(select(QWindow).order_by(QWindow.code)))
            calls = list(s.scalars(select(QEvent).where(QEvent.type.in_(("call", "recall", "call_back")), QEvent.outcome == "ok")
                                   .order_by(QEvent.seq.desc()).limit(10)))
            parked = []
            if window:
                parked = [r.no for r in s.scalars(select(QTicket).where(QTicket.day == day, QTicket.state == "parked", QTicket.window == window))]
            current = {}
            for w in windows:
                if w.current:
                    r = self._ticket_row(s, w.current, day)
                    current[w.code] = _to_ticket(r).as_json() if r else None
        return {
            "cursor": cursor,
            "now": now.isoformat(),
            "queues": [{"prefix": q.prefix, "name": q.name, "waiting": counts.get(q.prefix, 0)} for q in queues],
            "windows": [{"code": w.code, "name": w.name, "current": w.current, "paused": w.paused,
                         "pause_reason": w.pause_reason, "clerk": w.clerk, "profile": w.profile,
                         "ticket": current.get(w.code)} for w in windows],
            "recent_calls": [{"seq": e.seq, "ticket": e.ticket, "window": e.window, "at": e.at.isoformat(),
                              "window_name": (e.data or {}).get("window_name", "")} for e in calls],
            "parked": parked,
        }
