"""Plain data of the queue: tickets, windows, rules, events, outcome codes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import Any

# The hall's local day decides the daily number sequence; China has one time zone and no DST,
# so a fixed offset avoids depending on tzdata on the hall PCs.
HALL_TZ = timezone(timedelta(hours=8), "CST")

PRIORITY_REASONS = {
    "elderly": "老年人",
    "disabled": "残疾人",
    "pregnant": "孕妇",
    "military": "军人",
    "appointment": "预约",
}
ELDERLY_AGE = 60  # 老年人 green channel from this age


def local_day(at: datetime) -> date:
    return at.astimezone(HALL_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of the hall's local `day`, in UTC (how event times are stored)."""
    start = datetime.combine(day, datetime.min.time(), HALL_TZ)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)


def format_ticket_no(prefix: str, n: int) -> str:
    """A001 … A999, then A1000: three digits at least, never truncated."""
    return f"{prefix}{n:03d}"


class TicketState(str, Enum):
    WAITING = "waiting"
    CALLED = "called"  # at a window, being served (service time runs from the call)
    PARKED = "parked"  # 挂起: set aside by a window, called back later
    NO_SHOW = "no_show"  # 过号
    DONE = "done"


class Outcome(str, Enum):
    """Outcome code of an action; every action, refused or not, is recorded with one."""

    OK = "ok"
    EMPTY = "empty"  # nothing to call
    WINDOW_BUSY = "window_busy"  # the window still has a current ticket
    WINDOW_PAUSED = "window_paused"
    NOT_FOUND = "not_found"
    NOT_WAITING = "not_waiting"
    NOT_CURRENT = "not_current"  # the action needs the window's current ticket
    NOT_PARKED = "not_parked"
    RECALL_LIMIT = "recall_limit"
    RECALL_TOO_SOON = "recall_too_soon"
    TOO_FEW_CALLS = "too_few_calls"  # 过号 only after K calls
    LATE_REFUSED = "late_refused"
    LATE_EXPIRED = "late_expired"
    NOT_PAUSED = "not_paused"
    BAD_REQUEST = "bad_request"
    CHECKIN_EARLY = "checkin_early"
    CHECKIN_LATE = "checkin_late"
    UNKNOWN_QUEUE = "unknown_queue"


OUTCOME_TEXT = {
    Outcome.OK: "成功",
    Outcome.EMPTY: "当前没有等候的号",
    Outcome.WINDOW_BUSY: "本窗口还有正在办理的号，请先结束、过号、挂起或转移",
    Outcome.WINDOW_PAUSED: "窗口已暂停，请先恢复",
    Outcome.NOT_FOUND: "没有这个号",
    Outcome.NOT_WAITING: "该号不在等候中",
    Outcome.NOT_CURRENT: "该号不是本窗口当前的号",
    Outcome.NOT_PARKED: "该号没有被本窗口挂起",
    Outcome.RECALL_LIMIT: "已达到重呼次数上限，可按过号处理",
    Outcome.RECALL_TOO_SOON: "刚刚呼叫过，请稍候再重呼",
    Outcome.TOO_FEW_CALLS: "呼叫次数不足，请先重呼",
    Outcome.LATE_REFUSED: "按大厅规定，过号后不再重新排队，请重新取号",
    Outcome.LATE_EXPIRED: "过号已超过可重新排队的时限，请重新取号",
    Outcome.NOT_PAUSED: "窗口没有暂停",
    Outcome.BAD_REQUEST: "请求无效",
    Outcome.CHECKIN_EARLY: "还未到预约签到时间",
    Outcome.CHECKIN_LATE: "已超过预约签到时间，请取普通号",
    Outcome.UNKNOWN_QUEUE: "没有这个业务类别",
}


@dataclass(frozen=True)
class QueueDef:
    """A business category with its ticket prefix (A 综合受理, B 不动产 …)."""

    prefix: str
    name: str


@dataclass
class Ticket:
    no: str  # A001
    queue: str  # prefix of the queue it waits in (changes on transfer)
    issued_at: datetime
    day: date
    position: datetime  # ordering key within its class; issued_at unless transferred/re-queued
    priority: str = ""  # key of PRIORITY_REASONS, "" for ordinary tickets
    booked_at: datetime | None = None  # appointments: the booked time
    state: TicketState = TicketState.WAITING
    window: str = ""  # window that holds it (called / parked)
    target_window: str = ""  # transferred to one window: only that window calls it
    calls: int = 0  # calls of the current turn (reset when it waits again)
    first_call_at: datetime | None = None
    last_call_at: datetime | None = None
    no_show_at: datetime | None = None
    original_queue: str = ""

    def is_priority(self, now: datetime) -> bool:
        """Green-channel tickets always; appointments once their booked time has come."""
        if self.priority and self.priority != "appointment":
            return True
        return self.booked_at is not None and now >= self.booked_at

    def as_json(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict: asdict deep-copies every value, and
        # this runs for every ticket in every answer of the queue service.
        d = {}
        for k in _TICKET_FIELDS:
            v = getattr(self, k)
            if isinstance(v, (datetime, date)):
                v = v.isoformat()
            elif isinstance(v, Enum):
                v = v.value
            d[k] = v
        return d


_TICKET_FIELDS = tuple(f.name for f in fields(Ticket))


@dataclass
class WindowState:
    code: str  # "03"
    name: str = ""  # "3号窗口"
    current: str = ""  # ticket number being served
    paused: bool = False
    pause_reason: str = ""
    clerk: str = ""
    consecutive_priority: int = 0  # anti-starvation (ratio rule)
    served: dict[str, int] = field(default_factory=dict)  # calls per queue (weights rule)


@dataclass(frozen=True)
class Rules:
    """Hall-wide call rules."""

    recall_limit: int = 3  # recalls after the first call
    recall_min_gap_s: int = 15  # between two calls of the same ticket
    no_show_after_calls: int = 2  # 过号 allowed once a ticket was called this often
    late_requeue: str = "behind"  # refuse | end | keep | behind (behind N waiting tickets)
    late_behind: int = 3
    late_window_min: int = 60  # a late-comer may re-queue within this many minutes of 过号
    checkin_early_min: int = 30  # appointment check-in opens this long before the booked time
    checkin_late_min: int = 15  # … and closes this long after it

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> "Rules":
        d = d or {}
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class QueueEvent:
    """One action and its outcome; stats are computed from these alone."""

    type: str  # issue | call | recall | no_show | requeue | transfer | park | call_back | pause | resume | end | checkin
    outcome: str
    at: datetime
    window: str = ""
    clerk: str = ""
    ticket: str = ""
    queue: str = ""
    issued_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # assigned by the store: the resume cursor of the event stream

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "outcome": self.outcome,
            "at": self.at.isoformat(),
            "window": self.window,
            "clerk": self.clerk,
            "ticket": self.ticket,
            "queue": self.queue,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "QueueEvent":
        return cls(
            type=d["type"], outcome=d["outcome"], at=datetime.fromisoformat(d["at"]),
            window=d.get("window", ""), clerk=d.get("clerk", ""), ticket=d.get("ticket", ""),
            queue=d.get("queue", ""),
            issued_at=datetime.fromisoformat(d["issued_at"]) if d.get("issued_at") else None,
            data=d.get("data") or {}, seq=d.get("seq", 0),
        )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
