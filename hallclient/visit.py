"""The times of one visit at the window (DOMAIN.md section 5): how long the person waited
for the call, how long the service has taken against the hall's handling target.

Plain functions over tz-aware datetimes; the workbench shows them on the ticket strip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Average handling time at the window the hall is measured against (Shanghai 2023 plan).
SERVICE_TARGET_MIN = 20
#: From this share of the target on the timer turns amber: time to wrap up or ask for help.
NEAR_SHARE = 0.75


@dataclass(frozen=True)
class VisitTimes:
    waited_s: int | None  # issued -> first call; None when the ticket does not say
    served_s: int  # first call -> now
    level: str  # "ok" | "near" | "over" against SERVICE_TARGET_MIN


def _parse(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def visit_times(issued_at, called_at, now: datetime, target_min: int = SERVICE_TARGET_MIN) -> VisitTimes:
    """`issued_at`/`called_at`: datetimes or ISO strings (the queue service's ticket JSON)."""
    issued, called = _parse(issued_at), _parse(called_at)
    waited = int((called - issued).total_seconds()) if issued and called else None
    served = max(0, int((now - called).total_seconds())) if called else 0
    target = target_min * 60
    level = "over" if served > target else "near" if served >= target * NEAR_SHARE else "ok"
    return VisitTimes(max(0, waited) if waited is not None else None, served, level)


def mmss(seconds: int) -> str:
    """03:25; 1:02:07 past an hour."""
    h, rest = divmod(max(0, int(seconds)), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def waited_text(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    m = seconds // 60
    return f"{m} 分钟" if m else "不到 1 分钟"
