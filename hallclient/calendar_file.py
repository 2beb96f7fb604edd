"""A year's holiday schedule (放假调休安排) as a file, entered at the hall when the central
server has not delivered it: the same JSON the reference server publishes,
`{"year": 2027, "days": {"2027-01-01": [false, "元旦"], "2027-02-07": [true, "调休上班"]}}`
(every day that differs from "Monday to Friday work": holidays false, adjusted working
weekends true)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.provisional import MovedDate, recompute
from hallclient.workcalendar import set_year_schedule


@dataclass(frozen=True)
class Schedule:
    year: int
    days: dict[date, tuple[bool, str]]


def parse_schedule(text: str) -> Schedule:
    """The schedule in `text`; ValidationFailed in Chinese saying what is wrong."""
    try:
        data = json.loads(text)
        year = int(data["year"])
        raw = data["days"]
        if not isinstance(raw, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed('节假日安排文件格式不对：应为 {"year": 年份, "days": {"YYYY-MM-DD": [是否上班, "名称"]}}，'
                               "请核对文件后重新导入") from None
    days: dict[date, tuple[bool, str]] = {}
    for k, v in raw.items():
        try:
            d = date.fromisoformat(k)
            work, name = bool(v[0]), str(v[1]) if len(v) > 1 else ""
        except (ValueError, TypeError, IndexError):
            raise ValidationFailed(f"节假日安排文件中“{k}”一项格式不对，应为 \"YYYY-MM-DD\": [true/false, \"名称\"]") from None
        if d.year != year:
            raise ValidationFailed(f"节假日安排文件是 {year} 年的，但其中有 {d.isoformat()}，请核对")
        days[d] = (work, name)
    if not any(not w for w, _ in days.values()):
        raise ValidationFailed(f"{year} 年的节假日安排中没有任何放假日，请核对文件")
    return Schedule(year, days)


def load_schedule(session: Session, schedule: Schedule, source: str = "hall") -> list[MovedDate]:
    """Store the year and settle the provisional dates it concerns; returns those settled."""
    from hallclient.provisional import ProvisionalDate  # noqa: F401 - mapped before the query
    from sqlalchemy import select

    before = set(session.scalars(select(ProvisionalDate.id).where(ProvisionalDate.final.is_(None))))
    set_year_schedule(session, schedule.year, schedule.days, source=source)
    session.flush()
    settled = [r for r in session.scalars(select(ProvisionalDate).where(ProvisionalDate.id.in_(before)))
               if r.final is not None]
    return [MovedDate(r.case_id, "", r.field, r.provisional, r.final, r.resolved_at) for r in settled]


__all__ = ["Schedule", "parse_schedule", "load_schedule", "recompute"]
