"""The day's (or a range's) figures of the hall beside its targets (DOMAIN.md §5, §12).

Queue figures come from the hall queue service's events alone, with the rules of
hallclient.queue.stats (waiting = issue → first call; handling = last call → end; no-show
rate = turns ended by 过号 / turns). p90 is the nearest-rank 90th percentile: the smallest
value that at least 90 % of the values do not exceed.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from typing import Callable, Mapping

from sqlalchemy.orm import Session

from hallclient import settings
from hallclient.errors import HallError
from hallclient.queue.model import HALL_TZ, QueueEvent, day_bounds
from hallclient.queue.stats import GROUPS, QueueStats
from hallclient.supervision import config
from hallclient.supervision.records import CHANNEL_LABELS, RatingRow, RecordRow, is_payment, is_refund, is_reversal

MAX_RANGE_DAYS = 31
OUTCOME_LABELS = {
    "draft": "核验中", "accepted": "已受理", "supplement": "待补正", "refused": "不予受理", "withdrawn": "已撤回",
    "completed": "已办结", "approved": "已批准", "denied": "不予批准",
}
LEVEL_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


class RangeRefused(HallError):
    pass


@dataclass(frozen=True)
class Period:
    """Hall-local days [first, last] and their bounds in UTC [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m-%d}" if self.first == self.last else f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"


def period(first: date, last: date | None = None) -> Period:
    """The period of hall-local days first..last; refuses a reversed or over-long range."""
    last = last or first
    if last < first:
        raise RangeRefused(f"结束日期 {last:%Y-%m-%d} 早于开始日期 {first:%Y-%m-%d}，请重新选择日期范围")
    n = (last - first).days + 1
    if n > MAX_RANGE_DAYS:
        raise RangeRefused(f"所选范围共 {n} 天，超过 {MAX_RANGE_DAYS} 天的上限。请按月分段查看或导出（每次不超过 {MAX_RANGE_DAYS} 天）")
    return Period(first, last, day_bounds(first)[0], day_bounds(last)[1])


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[max(0, math.ceil(0.9 * len(v)) - 1)]


@dataclass(frozen=True)
class Targets:
    wait_s: int
    complex_wait_s: int
    complex_queues: frozenset[str]
    handling_s: int

    def wait_for(self, queue: str | None) -> int:
        return self.complex_wait_s if queue and queue in self.complex_queues else self.wait_s

    @classmethod
    def from_session(cls, s: Session) -> "Targets":
        cq = frozenset(q.strip().upper() for q in str(settings.get(s, config.COMPLEX_QUEUES)).split(",") if q.strip())
        return cls(settings.get(s, config.WAIT_TARGET_MIN) * 60, settings.get(s, config.COMPLEX_WAIT_TARGET_MIN) * 60, cq,
                   settings.get(s, config.HANDLING_TARGET_MIN) * 60)


@dataclass(frozen=True)
class GroupFigure:
    key: str
    tickets: int
    called: int
    served: int
    no_shows: int
    no_show_rate: float
    wait_mean_s: float | None
    wait_p90_s: float | None
    handle_mean_s: float | None
    handle_p90_s: float | None
    wait_target_s: int
    handle_target_s: int

    @property
    def wait_ok(self) -> bool | None:
        return None if self.wait_mean_s is None else self.wait_mean_s <= self.wait_target_s

    @property
    def handle_ok(self) -> bool | None:
        return None if self.handle_mean_s is None else self.handle_mean_s <= self.handle_target_s


@dataclass(frozen=True)
class Figures:
    period: Period
    targets: Targets
    total: GroupFigure
    tickets_by_hour: dict[str, int]
    cases_total: int
    cases_by_outcome: list[tuple[str, str, int]]  # state, label, count
    fees: list[tuple[str, str, int, int]]  # channel, label, count, amount in fen (net of reversals)
    fees_total_fen: int
    reversals: int
    ratings_by_level: dict[int, int]
    ratings_total: int
    ratings_mean: float | None
    satisfaction_rate: float | None  # share of 满意 and 非常满意
    bad_ratings: int
    warnings_by_level: dict[str, int] = field(default_factory=dict)
    # The figures per queue, window, clerk and hour (`by_*`) are worked out when first asked
    # for: the page opens on its summary and cases, and shows them only on the 统计 tab.
    groups_of: Callable[[], dict[str, list[GroupFigure]]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def _groups(self) -> dict[str, list[GroupFigure]]:
        return self.groups_of() if self.groups_of is not None else {by: [] for by in GROUPS}

    @property
    def by_queue(self) -> list[GroupFigure]:
        return self._groups["queue"]

    @property
    def by_window(self) -> list[GroupFigure]:
        return self._groups["window"]

    @property
    def by_clerk(self) -> list[GroupFigure]:
        return self._groups["clerk"]

    @property
    def by_hour(self) -> list[GroupFigure]:
        return self._groups["hour"]

    @property
    def empty(self) -> bool:
        return not (self.total.tickets or self.total.called or self.cases_total or self.ratings_total or self.fees)


def _mean(v: list[float]) -> float | None:
    return sum(v) / len(v) if v else None


def _group(key: str, st: QueueStats, tickets: int, wait_target: int, handle_target: int) -> GroupFigure:
    return GroupFigure(
        key, tickets, st.called, st.served, st.no_shows, st.no_show_rate,
        _mean(st.wait_s), p90(st.wait_s), _mean(st.service_s), p90(st.service_s), wait_target, handle_target,
    )


# One queue event as the figures use it: (seq, at_ms, type, window, clerk, ticket, queue,
# issued_ms or None, ticket key "UTC issue date/number", hall-local hour "HH:00"). Only
# successful actions are kept. Times are integer milliseconds so durations are exact.
QRow = tuple
# What the turn statistics read of a call, call back, end, transfer or 过号 (issues are only
# counted): (at_ms, type, window, clerk, queue, issued_ms or None, ticket key, hour).
TurnRow = tuple


def rows_of_events(events: list[QueueEvent]) -> list[QRow]:
    """QueueEvent objects (as the queue service reports them) as figure rows."""
    def ms(t: datetime) -> int:
        return round(t.timestamp() * 1000)

    out = []
    for e in sorted(events, key=lambda e: (e.at, e.seq)):
        if e.outcome != "ok" or not e.ticket:
            continue
        out.append((e.seq, ms(e.at), e.type, e.window, e.clerk, e.ticket, e.queue,
                    ms(e.issued_at) if e.issued_at else None, f"{e.issued_at.date() if e.issued_at else ''}/{e.ticket}",
                    e.at.astimezone(HALL_TZ).strftime("%H:00")))
    return out


def turns_of_rows(rows: list[QRow]) -> list[TurnRow]:
    return [(r[1], r[2], r[3], r[4], r[6], r[7], r[8], r[9]) for r in rows if r[2] != "issue"]


def multi_stats(events: list[QueueEvent]) -> dict[str, dict[str, QueueStats]]:
    """hallclient.queue.stats.compute_stats for every grouping at once (same rules; a test
    keeps them equal)."""
    return multi_stats_rows(turns_of_rows(rows_of_events(events)))


def multi_stats_rows(rows: list[TurnRow], groupings: tuple[str, ...] = GROUPS) -> dict[str, dict[str, QueueStats]]:
    """The stats of each grouping (clerk, window, queue, hour) in one pass over rows in time
    order: waiting = issue → first call, handling = last call → end, 过号 per turn."""
    out: dict[str, dict[str, QueueStats]] = {by: {} for by in groupings}
    groups = [(out[by], GROUPS.index(by)) for by in groupings]
    first_called: set[str] = set()
    last_call: dict[str, tuple] = {}
    turn: dict[str, list] = {}
    # The groups of a (clerk, window, queue, hour): a hall day has a few hundred of these
    # against thousands of calls, so each is looked up once.
    of_keys: dict[tuple, list[QueueStats]] = {}

    def stats_of(ks: tuple) -> list[QueueStats]:
        res = []
        for g, i in groups:
            k = ks[i]
            st = g.get(k)
            if st is None:
                st = g[k] = QueueStats()
            res.append(st)
        of_keys[ks] = res
        return res

    for at, typ, window, clerk, queue, issued, tkey, hour in rows:
        if typ == "call" or typ == "call_back":
            ks = (clerk or "-", window or "-", queue or "-", hour)
            sts = of_keys.get(ks) or stats_of(ks)
            last_call[tkey] = (at, sts)
            if typ == "call":
                turn[tkey] = sts
                first = tkey not in first_called
                if first:
                    first_called.add(tkey)
                    for st in sts:
                        st.turns += 1
                        st.called += 1
                    if issued is not None:
                        w = (at - issued) / 1000
                        for st in sts:
                            st.wait_s.append(w)
                else:
                    for st in sts:
                        st.turns += 1
        elif typ == "end":
            lc = last_call.get(tkey)
            if lc is not None:
                d = (at - lc[0]) / 1000
                for st in lc[1]:
                    st.served += 1
                    st.service_s.append(d)
                turn.pop(tkey, None)
        elif typ == "transfer":
            turn.pop(tkey, None)
        elif typ == "no_show":
            sts = turn.pop(tkey, None)
            if sts is not None:
                for st in sts:
                    st.no_shows += 1
    return out


def _utc(v) -> datetime | None:
    if v is None:
        return None
    return datetime.fromisoformat(v).replace(tzinfo=timezone.utc)


_QUEUE_WHERE = "at >= ? AND at < ? AND outcome = 'ok' AND ticket != ''"


def queue_rows(s: Session, p: Period) -> list[QRow]:
    """All the period's queue events as figure rows (what `compute` takes; the page reads the
    leaner `queue_turns` and `tickets_issued`, and a test keeps both ways equal)."""
    return raw_rows(
        s,
        "SELECT seq, at_ms, type, window, clerk, ticket, queue, issued_ms, tkey, hour "
        f"FROM hall_queue_event WHERE {_QUEUE_WHERE} "
        "AND type IN ('issue', 'call', 'call_back', 'end', 'transfer', 'no_show') ORDER BY at, seq",
        (_store_text(p.start), _store_text(p.end)))


def queue_turns(s: Session, p: Period) -> list[TurnRow]:
    """The period's calls, call backs, ends, transfers and 过号 in time order: the rows the
    turn statistics walk (their numbers were derived when stored). Issues are not among them:
    they are only counted (`tickets_issued`), which SQLite does without making a row of each."""
    return raw_rows(
        s,
        "SELECT at_ms, type, window, clerk, queue, issued_ms, tkey, hour "
        f"FROM hall_queue_event WHERE {_QUEUE_WHERE} "
        "AND type IN ('call', 'call_back', 'end', 'transfer', 'no_show') ORDER BY at, seq",
        (_store_text(p.start), _store_text(p.end)))


def tickets_issued(s: Session, p: Period) -> dict[tuple[str, str], int]:
    """Tickets issued in the period per (queue, hall-local hour)."""
    return {(q, h): n for q, h, n in raw_rows(
        s, f"SELECT queue, hour, count(*) FROM hall_queue_event WHERE {_QUEUE_WHERE} AND type = 'issue' GROUP BY queue, hour",
        (_store_text(p.start), _store_text(p.end)))}


def raw_rows(s: Session, sql: str, params: tuple) -> list[tuple]:
    """Rows as the SQLite driver returns them, in the session's transaction (no Row objects:
    for tens of thousands of rows their construction is most of the cost)."""
    cur = s.connection().connection.driver_connection.cursor()
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def _store_text(t: datetime) -> str:
    """A UTC time as the store keeps it (what UTCDateTime binds on SQLite)."""
    return t.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def compute(p: Period, targets: Targets, events: list[QRow], case_states: list[str],
            ratings: list[RatingRow], records: list[RecordRow]) -> Figures:
    """Figures from plain data (no database): what the report's tests and the hand-computed
    days use. `events` are queue rows (`queue_rows`, or `rows_of_events` of QueueEvent objects)."""
    issued = Counter((e[6], e[9]) for e in events if e[2] == "issue")
    return compute_parts(p, targets, turns_of_rows(events), issued, case_states, Counter(r.level for r in ratings), records)


def compute_parts(p: Period, targets: Targets, turns: list[TurnRow], issued: Mapping[tuple[str, str], int],
                  case_states: list[str], rating_levels: Mapping[int, int], records: list[RecordRow]) -> Figures:
    """Figures from what the store can hand over already counted: tickets issued per (queue,
    hour), ratings per level; the turns (`queue_turns`) are walked here."""
    tickets_by_queue: Counter = Counter()
    tickets_by_hour: Counter = Counter()
    for (queue, hour), n in issued.items():
        tickets_by_queue[queue] += n
        tickets_by_hour[hour] += n

    def groups_of() -> dict[str, list[GroupFigure]]:
        all_stats = multi_stats_rows(turns)

        def grouped(by: str, tickets: Counter | None) -> list[GroupFigure]:
            stats = all_stats[by]
            keys = sorted(set(stats) | set(tickets or ()))
            return [_group(k, stats.get(k, QueueStats()), tickets.get(k, 0) if tickets is not None else stats.get(k, QueueStats()).called,
                           targets.wait_for(k if by == "queue" else None), targets.handling_s) for k in keys]

        return {"queue": grouped("queue", tickets_by_queue), "window": grouped("window", None),
                "clerk": grouped("clerk", None), "hour": grouped("hour", tickets_by_hour)}

    # The whole hall: the walk with the window groups alone, joined in the order the windows
    # first came (as the groups themselves would be).
    everything = QueueStats()
    for st in multi_stats_rows(turns, ("window",))["window"].values():  # every event is in exactly one window group
        everything.called += st.called
        everything.turns += st.turns
        everything.served += st.served
        everything.no_shows += st.no_shows
        everything.wait_s += st.wait_s
        everything.service_s += st.service_s
    total = _group("全厅", everything, sum(issued.values()), targets.wait_s, targets.handling_s)

    outcomes = Counter(case_states)
    cases_by_outcome = [(k, OUTCOME_LABELS.get(k, k), outcomes[k]) for k in sorted(outcomes, key=lambda k: (-outcomes[k], k))]

    fee_count: Counter = Counter()
    fee_amount: Counter = Counter()
    reversals = 0
    for r in records:
        ch = r.channel or "other"
        if is_reversal(r.kind):
            reversals += 1
            if is_refund(r.kind):
                fee_amount[ch] -= abs(r.amount_fen)
        elif is_payment(r.kind):
            fee_count[ch] += 1
            fee_amount[ch] += r.amount_fen
    fees = [(ch, CHANNEL_LABELS.get(ch, "其他" if ch == "other" else ch), fee_count[ch], fee_amount[ch])
            for ch in sorted(set(fee_count) | set(fee_amount))]

    levels = Counter({lvl: n for lvl, n in rating_levels.items() if n})
    n = sum(levels.values())
    return Figures(
        p, targets, total,
        {h: tickets_by_hour[h] for h in sorted(tickets_by_hour)},
        len(case_states), cases_by_outcome, fees, sum(a for *_, a in fees), reversals,
        {lvl: levels.get(lvl, 0) for lvl in (5, 4, 3, 2, 1)}, n,
        (sum(lvl * k for lvl, k in levels.items()) / n) if n else None,
        ((levels[5] + levels[4]) / n) if n else None,
        levels[1] + levels[2], groups_of=groups_of,
    )


def fmt_minutes(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"
