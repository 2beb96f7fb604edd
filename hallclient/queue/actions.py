"""The clerk's actions as pure state transitions.

Each function checks its preconditions, changes the given `Ticket` / `WindowState` in place
only when the action succeeds, and returns the `QueueEvent` recording it (with an outcome code
also when refused). The caller persists what changed: the in-memory engine, or the hall queue
service inside one database transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from hallclient.queue.model import (
    Outcome,
    QueueEvent,
    Rules,
    Ticket,
    TicketState,
    WindowState,
    format_ticket_no,
    local_day,
)
from hallclient.queue.profile import WorkProfile, choose_next


def _ev(type_: str, outcome: Outcome, now: datetime, window: WindowState | None = None,
        ticket: Ticket | None = None, **data) -> QueueEvent:
    return QueueEvent(
        type=type_, outcome=outcome.value, at=now,
        window=window.code if window else "", clerk=window.clerk if window else "",
        ticket=ticket.no if ticket else data.pop("ticket_no", ""),
        queue=ticket.queue if ticket else data.pop("queue", ""),
        issued_at=ticket.issued_at if ticket else None, data=data,
    )


def issue(prefix: str, number: int, now: datetime, priority: str = "", booked_at: datetime | None = None) -> tuple[Ticket, QueueEvent]:
    """A new ticket; `number` comes from the per-day sequence of the queue."""
    t = Ticket(no=format_ticket_no(prefix, number), queue=prefix, issued_at=now, day=local_day(now),
               position=now, priority=priority, booked_at=booked_at, original_queue=prefix)
    return t, _ev("issue", Outcome.OK, now, ticket=t, priority=priority,
                  booked_at=booked_at.isoformat() if booked_at else None)


def check_in_window(booked_at: datetime, now: datetime, rules: Rules) -> Outcome:
    """May an appointment booked for `booked_at` check in now?"""
    if now < booked_at - timedelta(minutes=rules.checkin_early_min):
        return Outcome.CHECKIN_EARLY
    if now > booked_at + timedelta(minutes=rules.checkin_late_min):
        return Outcome.CHECKIN_LATE
    return Outcome.OK


def _can_take(window: WindowState) -> Outcome:
    if window.paused:
        return Outcome.WINDOW_PAUSED
    if window.current:
        return Outcome.WINDOW_BUSY
    return Outcome.OK


def _take(window: WindowState, t: Ticket, now: datetime) -> None:
    t.state = TicketState.CALLED
    t.window = window.code
    t.target_window = ""
    t.calls = 1
    t.first_call_at = t.first_call_at or now
    t.last_call_at = now
    window.current = t.no


def call(window: WindowState, t: Ticket | None, now: datetime, type_: str = "call") -> QueueEvent:
    """Call a given waiting ticket (call specific, and the second half of call next)."""
    pre = _can_take(window)
    if pre is not Outcome.OK:
        return _ev(type_, pre, now, window, t)
    if t is None:
        return _ev(type_, Outcome.NOT_FOUND, now, window)
    if t.state is not TicketState.WAITING:
        return _ev(type_, Outcome.NOT_WAITING, now, window, t)
    prio = t.is_priority(now)
    waited_s = (now - t.issued_at).total_seconds()
    first = t.first_call_at is None
    _take(window, t, now)
    window.consecutive_priority = window.consecutive_priority + 1 if prio else 0
    window.served[t.queue] = window.served.get(t.queue, 0) + 1
    return _ev(type_, Outcome.OK, now, window, t, priority=prio, waited_s=round(waited_s, 3), first=first,
               window_name=window.name)


def call_next(window: WindowState, profile: WorkProfile, waiting: Iterable[Ticket], now: datetime) -> tuple[QueueEvent, Ticket | None]:
    pre = _can_take(window)
    if pre is not Outcome.OK:
        return _ev("call", pre, now, window), None
    t = choose_next(window, profile, waiting, now)
    if t is None:
        return _ev("call", Outcome.EMPTY, now, window), None
    return call(window, t, now), t


def _is_current(window: WindowState, t: Ticket | None) -> bool:
    return t is not None and window.current == t.no and t.state is TicketState.CALLED and t.window == window.code


def recall(window: WindowState, t: Ticket | None, rules: Rules, now: datetime) -> QueueEvent:
    if not _is_current(window, t):
        return _ev("recall", Outcome.NOT_CURRENT, now, window, t)
    if t.calls - 1 >= rules.recall_limit:
        return _ev("recall", Outcome.RECALL_LIMIT, now, window, t, calls=t.calls)
    if t.last_call_at and (now - t.last_call_at).total_seconds() < rules.recall_min_gap_s:
        return _ev("recall", Outcome.RECALL_TOO_SOON, now, window, t, calls=t.calls)
    t.calls += 1
    t.last_call_at = now
    return _ev("recall", Outcome.OK, now, window, t, calls=t.calls, window_name=window.name)


def no_show(window: WindowState, t: Ticket | None, rules: Rules, now: datetime) -> QueueEvent:
    """过号: only after the ticket was called `no_show_after_calls` times."""
    if not _is_current(window, t):
        return _ev("no_show", Outcome.NOT_CURRENT, now, window, t)
    if t.calls < rules.no_show_after_calls:
        return _ev("no_show", Outcome.TOO_FEW_CALLS, now, window, t, calls=t.calls)
    t.state = TicketState.NO_SHOW
    t.no_show_at = now
    t.window = ""
    window.current = ""
    return _ev("no_show", Outcome.OK, now, window, t, calls=t.calls)


def requeue_late(t: Ticket | None, rules: Rules, now: datetime, waiting: Iterable[Ticket]) -> QueueEvent:
    """A late-comer after 过号 asks to queue again; the hall's rule decides where."""
    if t is None:
        return _ev("requeue", Outcome.NOT_FOUND, now)
    if t.state is not TicketState.NO_SHOW:
        return _ev("requeue", Outcome.NOT_WAITING, now, ticket=t)
    if rules.late_requeue == "refuse":
        return _ev("requeue", Outcome.LATE_REFUSED, now, ticket=t)
    if t.no_show_at and now - t.no_show_at > timedelta(minutes=rules.late_window_min):
        return _ev("requeue", Outcome.LATE_EXPIRED, now, ticket=t)
    if rules.late_requeue == "end":
        t.position = now
    elif rules.late_requeue == "behind":
        # Behind the first N tickets now waiting in its queue (or at the end if fewer wait).
        ahead = sorted(w.position for w in waiting if w.state is TicketState.WAITING and w.queue == t.queue and not w.target_window)
        t.position = ahead[rules.late_behind - 1] + timedelta(microseconds=1) if len(ahead) >= rules.late_behind else now
    # "keep": the original position stands.
    t.state = TicketState.WAITING
    t.calls = 0
    return _ev("requeue", Outcome.OK, now, ticket=t, rule=rules.late_requeue)


def transfer(window: WindowState, t: Ticket | None, now: datetime, to_queue: str = "", to_window: str = "",
             keep_position: bool = True, known_queues: Iterable[str] | None = None) -> QueueEvent:
    """Hand the current ticket to another queue or window, keeping its place or at the end."""
    if not _is_current(window, t):
        return _ev("transfer", Outcome.NOT_CURRENT, now, window, t)
    if bool(to_queue) == bool(to_window) or (to_window and to_window == window.code):
        return _ev("transfer", Outcome.BAD_REQUEST, now, window, t)
    if to_queue and known_queues is not None and to_queue not in set(known_queues):
        return _ev("transfer", Outcome.UNKNOWN_QUEUE, now, window, t)
    from_queue = t.queue
    if to_queue:
        t.queue = to_queue
    t.target_window = to_window
    if not keep_position:
        t.position = now
    t.state = TicketState.WAITING
    t.window = ""
    t.calls = 0
    window.current = ""
    return _ev("transfer", Outcome.OK, now, window, t, from_queue=from_queue, to_queue=to_queue or t.queue,
               to_window=to_window, keep_position=keep_position)


def park(window: WindowState, t: Ticket | None, now: datetime) -> QueueEvent:
    """挂起: the applicant steps away (a missing copy, a payment); the window serves others."""
    if not _is_current(window, t):
        return _ev("park", Outcome.NOT_CURRENT, now, window, t)
    t.state = TicketState.PARKED
    window.current = ""
    return _ev("park", Outcome.OK, now, window, t)


def call_back(window: WindowState, t: Ticket | None, now: datetime) -> QueueEvent:
    pre = _can_take(window)
    if pre is not Outcome.OK:
        return _ev("call_back", pre, now, window, t)
    if t is None or t.state is not TicketState.PARKED or t.window != window.code:
        return _ev("call_back", Outcome.NOT_PARKED, now, window, t)
    _take(window, t, now)
    return _ev("call_back", Outcome.OK, now, window, t, window_name=window.name)


def pause(window: WindowState, reason: str, now: datetime) -> QueueEvent:
    if not reason.strip():
        return _ev("pause", Outcome.BAD_REQUEST, now, window)
    window.paused = True
    window.pause_reason = reason.strip()
    return _ev("pause", Outcome.OK, now, window, reason=window.pause_reason)


def resume(window: WindowState, now: datetime) -> QueueEvent:
    if not window.paused:
        return _ev("resume", Outcome.NOT_PAUSED, now, window)
    window.paused = False
    reason, window.pause_reason = window.pause_reason, ""
    return _ev("resume", Outcome.OK, now, window, reason=reason)


def end(window: WindowState, t: Ticket | None, now: datetime) -> QueueEvent:
    """End of service; the window then asks the applicant for a rating."""
    if not _is_current(window, t):
        return _ev("end", Outcome.NOT_CURRENT, now, window, t)
    t.state = TicketState.DONE
    window.current = ""
    served_s = (now - t.last_call_at).total_seconds() if t.last_call_at else 0.0
    return _ev("end", Outcome.OK, now, window, t, served_s=round(served_s, 3), rating_requested=True)
