"""Working days with China's statutory holidays and adjusted working weekends (调休).

Sources, in order: overrides in the local database (delivered by the central server, e.g.
next year's State Council schedule), then the chinesecalendar package. A day of a year that
neither knows raises CalendarMissing: a due date computed by guessing would be wrong.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.errors import CalendarMissing
from hallclient.models import CalendarOverride, CalendarYear


def _library_years() -> set[int]:
    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return {d.year for d in days}


LIBRARY_YEARS = frozenset(_library_years())


class WorkCalendar:
    """Answers "is this a working day" for the years it knows; loads overrides once."""

    def __init__(self, overrides: dict[date, bool] | None = None, override_years: set[int] | None = None):
        self.overrides = dict(overrides or {})
        self.years = set(LIBRARY_YEARS) | set(override_years or ())

    @classmethod
    def from_session(cls, session: Session) -> "WorkCalendar":
        rows = session.execute(select(CalendarOverride.day, CalendarOverride.is_workday)).all()
        years = set(session.scalars(select(CalendarYear.year)).all())
        return cls({d: w for d, w in rows}, years)

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year not in self.years:
            raise CalendarMissing(
                f"缺少 {day.year} 年的节假日安排，无法计算工作日。"
                f"请先同步中心服务器的日历，或由管理员录入 {day.year} 年的放假调休安排。"
            )
        if day.year in LIBRARY_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5  # a year known only from overrides: overrides list every exception

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start`; counting starts the day after `start`.

        `days == 0` returns `start` (即办件: decided on the spot)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        d = start
        remaining = days
        while remaining:
            d += timedelta(days=1)
            if self.is_workday(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_workday(d):
                n += 1
        return n


def set_year_schedule(session: Session, year: int, days: dict[date, tuple[bool, str]], source: str = "server") -> None:
    """Store a whole year's official schedule (holidays and adjusted working weekends)."""
    for day, (is_workday, name) in days.items():
        if day.year != year:
            raise ValueError(f"{day} is not in {year}")
        row = session.get(CalendarOverride, day)
        if row is None:
            session.add(CalendarOverride(day=day, is_workday=is_workday, name=name, source=source))
        else:
            row.is_workday, row.name, row.source = is_workday, name, source
    if session.get(CalendarYear, year) is None:
        session.add(CalendarYear(year=year, source=source))
    # Dates counted provisionally (暂定) for this year are settled now, in the same transaction.
    from hallclient.provisional import recompute

    recompute(session)
