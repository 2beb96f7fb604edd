"""Queue statistics derived from events alone.

waiting time = issue → first call; service time = the last call (or call back) → end;
no-show rate = turns ended by 过号 / turns, where a turn is one call of a waiting ticket (the
first call, or the call after a re-queue or a transfer) up to its end, 过号 or transfer. A
ticket has at most one 过号 per turn and both are counted in the group of the turn's call, so
the rate is always within [0, 1] — also when a ticket is called again after re-queueing, or is
transferred and then missed at the other window. Grouped by clerk, window, queue or hour (the
hall's local hour of the call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean
from typing import Iterable

from hallclient.queue.model import HALL_TZ, Outcome, QueueEvent

GROUPS = ("clerk", "window", "queue", "hour")


@dataclass
class QueueStats:
    called: int = 0  # tickets first called here (the base of the waiting times)
    turns: int = 0  # calls of a waiting ticket here (the base of the no-show rate)
    served: int = 0
    no_shows: int = 0
    wait_s: list[float] = field(default_factory=list)
    service_s: list[float] = field(default_factory=list)

    @property
    def no_show_rate(self) -> float:
        return self.no_shows / self.turns if self.turns else 0.0

    def as_json(self) -> dict:
        return {
            "called": self.called, "turns": self.turns, "served": self.served, "no_shows": self.no_shows,
            "no_show_rate": round(self.no_show_rate, 4),
            "avg_wait_s": round(mean(self.wait_s), 1) if self.wait_s else None,
            "max_wait_s": round(max(self.wait_s), 1) if self.wait_s else None,
            "avg_service_s": round(mean(self.service_s), 1) if self.service_s else None,
        }


def _key(ev: QueueEvent, by: str) -> str:
    if by == "hour":
        return ev.at.astimezone(HALL_TZ).strftime("%H:00")
    return getattr(ev, by) or "-"


def compute_stats(events: Iterable[QueueEvent], by: str = "window") -> dict[str, QueueStats]:
    """Stats per group; only successful actions count. Waiting time is attributed to the group of
    the first call, service time and no-shows to the group of the action itself."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by}")
    out: dict[str, QueueStats] = {}
    first_called: set[str] = set()
    last_call: dict[str, QueueEvent] = {}
    turn: dict[str, str] = {}  # ticket -> group of the call that opened its current turn
    for ev in sorted(events, key=lambda e: (e.at, e.seq)):
        if ev.outcome != Outcome.OK.value or not ev.ticket:
            continue
        tkey = f"{ev.issued_at.date() if ev.issued_at else ''}/{ev.ticket}"
        if ev.type in ("call", "call_back"):
            last_call[tkey] = ev
            if ev.type == "call":
                s = out.setdefault(_key(ev, by), QueueStats())
                s.turns += 1
                turn[tkey] = _key(ev, by)
                if tkey not in first_called:
                    first_called.add(tkey)
                    s.called += 1
                    if ev.issued_at:
                        s.wait_s.append((ev.at - ev.issued_at).total_seconds())
        elif ev.type == "end" and tkey in last_call:
            s = out.setdefault(_key(last_call[tkey], by), QueueStats())
            s.served += 1
            s.service_s.append((ev.at - last_call[tkey].at).total_seconds())
            turn.pop(tkey, None)
        elif ev.type == "transfer":
            turn.pop(tkey, None)
        elif ev.type == "no_show" and tkey in turn:  # a 过号 without its call (events cut off) is not counted
            out.setdefault(turn.pop(tkey), QueueStats()).no_shows += 1
    return out
