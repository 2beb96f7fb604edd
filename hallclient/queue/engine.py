"""The queue in memory: the same actions as the hall queue service, without a server.

Used by the core tests and as the reference behaviour of the service. Not thread-safe: the
service serialises actions in its database transaction instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from hallclient.queue import actions
from hallclient.queue.model import (
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


class QueueEngine:
    def __init__(self, queues: list[QueueDef], rules: Rules | None = None, clock: Callable[[], datetime] = utc_now):
        self.queues = {q.prefix: q for q in queues}
        self.rules = rules or Rules()
        self.clock = clock
        self.tickets: dict[str, Ticket] = {}
        self.windows: dict[str, WindowState] = {}
        self.profiles: dict[str, WorkProfile] = {}
        self.events: list[QueueEvent] = []
        self._seq: dict[tuple[str, object], int] = {}

    # -- set-up -----------------------------------------------------------------------------
    def open_window(self, code: str, profile: WorkProfile, name: str = "", clerk: str = "") -> WindowState:
        w = self.windows.get(code) or WindowState(code=code, name=name or f"{int(code) if code.isdigit() else code}号窗口")
        w.clerk = clerk
        self.windows[code] = w
        self.profiles[code] = profile
        return w

    def _record(self, ev: QueueEvent) -> QueueEvent:
        ev.seq = len(self.events) + 1
        self.events.append(ev)
        return ev

    # -- tickets ----------------------------------------------------------------------------
    def issue(self, prefix: str, priority: str = "", booked_at: datetime | None = None) -> tuple[QueueEvent, Ticket | None]:
        now = self.clock()
        if prefix not in self.queues:
            return self._record(QueueEvent("issue", Outcome.UNKNOWN_QUEUE.value, now, queue=prefix)), None
        key = (prefix, local_day(now))
        self._seq[key] = n = self._seq.get(key, 0) + 1
        t, ev = actions.issue(prefix, n, now, priority, booked_at)
        self.tickets[t.no] = t
        return self._record(ev), t

    def waiting(self) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.state is TicketState.WAITING]

    # -- window actions -----------------------------------------------------------------------
    def call_next(self, window: str) -> QueueEvent:
        ev, _ = actions.call_next(self.windows[window], self.profiles[window], self.waiting(), self.clock())
        return self._record(ev)

    def call_specific(self, window: str, ticket_no: str) -> QueueEvent:
        return self._record(actions.call(self.windows[window], self.tickets.get(ticket_no), self.clock()))

    def _current(self, window: str) -> Ticket | None:
        return self.tickets.get(self.windows[window].current)

    def recall(self, window: str) -> QueueEvent:
        return self._record(actions.recall(self.windows[window], self._current(window), self.rules, self.clock()))

    def no_show(self, window: str) -> QueueEvent:
        return self._record(actions.no_show(self.windows[window], self._current(window), self.rules, self.clock()))

    def requeue_late(self, ticket_no: str) -> QueueEvent:
        return self._record(actions.requeue_late(self.tickets.get(ticket_no), self.rules, self.clock(), self.waiting()))

    def transfer(self, window: str, to_queue: str = "", to_window: str = "", keep_position: bool = True) -> QueueEvent:
        return self._record(actions.transfer(self.windows[window], self._current(window), self.clock(), to_queue,
                                             to_window, keep_position, self.queues))

    def park(self, window: str) -> QueueEvent:
        return self._record(actions.park(self.windows[window], self._current(window), self.clock()))

    def call_back(self, window: str, ticket_no: str) -> QueueEvent:
        return self._record(actions.call_back(self.windows[window], self.tickets.get(ticket_no), self.clock()))

    def pause(self, window: str, reason: str) -> QueueEvent:
        return self._record(actions.pause(self.windows[window], reason, self.clock()))

    def resume(self, window: str) -> QueueEvent:
        return self._record(actions.resume(self.windows[window], self.clock()))

    def end(self, window: str) -> QueueEvent:
        return self._record(actions.end(self.windows[window], self._current(window), self.clock()))
