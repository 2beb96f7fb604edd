"""Window work profiles and the choice of the next ticket (pure functions).

The order of decisions for one call-next:
1. Candidates: waiting tickets of the served queues not reserved for another window, plus the
   tickets transferred to this window.
2. Condition rules, in order: "when the oldest ticket of C has waited over 30 min, take C"
   narrows the candidates to C.
3. Priority (green channel, due appointments) against ordinary tickets, with anti-starvation:
   `ratio` — after N priority calls in a row the next call goes to an ordinary ticket;
   `ageing` — a priority ticket is treated as if it had waited `credit_min` minutes longer, so an
   ordinary ticket that waited longer than that still goes first.
4. For ordinary tickets the queue is picked by the profile mode: `order` (first non-empty queue
   in the listed order), `weights` (smooth weighted round robin over served counts) or
   `longest_wait`; ties and anything the mode cannot decide fall back to the longest wait.
5. Tickets transferred to this window compete by their position with the chosen ticket.
6. `help_others`: an idle window whose queues are empty takes the longest-waiting ticket of any
   queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from hallclient.queue.model import Ticket, TicketState, WindowState


@dataclass(frozen=True)
class ConditionRule:
    queue: str
    waited_over_min: float

    def applies(self, candidates: list[Ticket], now: datetime) -> bool:
        oldest = min((t.issued_at for t in candidates if t.queue == self.queue), default=None)
        return oldest is not None and now - oldest > timedelta(minutes=self.waited_over_min)


@dataclass(frozen=True)
class WorkProfile:
    queues: tuple[str, ...]
    mode: str = "order"  # order | weights | longest_wait
    weights: dict[str, int] = field(default_factory=dict)
    rules: tuple[ConditionRule, ...] = ()
    starvation: str = "ratio"  # ratio | ageing
    priority_ratio: int = 3  # ratio: at most this many priority calls in a row while ordinary wait
    ageing_credit_min: float = 20.0  # ageing: head start of a priority ticket
    help_others: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any] | None, default_queues: Iterable[str] = ()) -> "WorkProfile":
        d = dict(d or {})
        queues = tuple(d.pop("queues", None) or default_queues)
        rules = tuple(ConditionRule(r["queue"], float(r["waited_over_min"])) for r in d.pop("rules", []) or [])
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(queues=queues, rules=rules, **known)

    def as_json(self) -> dict[str, Any]:
        return {
            "queues": list(self.queues), "mode": self.mode, "weights": dict(self.weights),
            "rules": [{"queue": r.queue, "waited_over_min": r.waited_over_min} for r in self.rules],
            "starvation": self.starvation, "priority_ratio": self.priority_ratio,
            "ageing_credit_min": self.ageing_credit_min, "help_others": self.help_others,
        }


def _oldest(tickets: Iterable[Ticket]) -> Ticket | None:
    return min(tickets, key=lambda t: (t.position, t.issued_at, t.no), default=None)


def _pick_queue(ordinary: list[Ticket], profile: WorkProfile, window: WindowState) -> Ticket | None:
    if not ordinary:
        return None
    by_queue: dict[str, list[Ticket]] = {}
    for t in ordinary:
        by_queue.setdefault(t.queue, []).append(t)
    if profile.mode == "order":
        for q in profile.queues:
            if q in by_queue:
                return _oldest(by_queue[q])
    elif profile.mode == "weights":
        # Smooth weighted round robin: the queue served least relative to its weight goes next.
        def load(q: str) -> tuple[float, int]:
            w = max(1, int(profile.weights.get(q, 1)))
            return (window.served.get(q, 0) / w, profile.queues.index(q) if q in profile.queues else 99)

        q = min(by_queue, key=load)
        return _oldest(by_queue[q])
    return _oldest(ordinary)  # longest_wait, and the fallback


def candidates_for(window: WindowState, profile: WorkProfile, waiting: Iterable[Ticket]) -> list[Ticket]:
    """The waiting tickets this window may call."""
    out = []
    for t in waiting:
        if t.state is not TicketState.WAITING:
            continue
        if t.target_window:
            if t.target_window == window.code:
                out.append(t)
        elif t.queue in profile.queues:
            out.append(t)
    return out


def choose_next(window: WindowState, profile: WorkProfile, waiting: Iterable[Ticket], now: datetime) -> Ticket | None:
    """The ticket `window` should call next, or None. Pure: nothing is changed."""
    waiting = [t for t in waiting if t.state is TicketState.WAITING]
    cands = candidates_for(window, profile, waiting)
    targeted = [t for t in cands if t.target_window]
    pool = [t for t in cands if not t.target_window]
    if not pool and not targeted and profile.help_others:
        pool = [t for t in waiting if not t.target_window]
        return _oldest(pool)
    for rule in profile.rules:
        if rule.applies(pool, now):
            pool = [t for t in pool if t.queue == rule.queue]
            break
    prio = [t for t in pool if t.is_priority(now)]
    ordinary = [t for t in pool if not t.is_priority(now)]
    p = _oldest(prio)
    o = _pick_queue(ordinary, profile, window)
    if p is None:
        chosen = o
    elif o is None:
        chosen = p
    elif profile.starvation == "ageing":
        credit = timedelta(minutes=profile.ageing_credit_min)
        chosen = p if p.position - credit <= o.position else o
    else:
        chosen = p if window.consecutive_priority < max(1, profile.priority_ratio) else o
    t = _oldest(targeted)
    if t is not None and (chosen is None or t.position <= chosen.position):
        return t
    return chosen
