"""Provisional (暂定) due dates: a year whose holiday schedule is not yet known must not block
a case.

The State Council publishes next year's 放假调休 schedule around November, and the bundled
library may know it later still; until then a promised date that falls into that year is
counted over weekends only and marked 暂定 on screen and on the notice. When the year's
schedule arrives — pulled from the central server, loaded with `hallclient calendar load FILE`
or entered on the 节假日安排 page — `recompute(session)` runs by itself (from
`workcalendar.set_year_schedule`), sets the real date, records an event on the case (so the
central platform learns it) and keeps the row: the supervisor sees which dates moved
(`moved_dates`). `hallclient calendar due` stays strict and fails for such a year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallclient.errors import CalendarMissing
from hallclient.models import Base, Case, utcnow

PROVISIONAL_MARK = "暂定"


class ProvisionalDate(Base):
    """A due date of a case computed without the holiday schedule of its year."""

    __tablename__ = "provisional_date"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))  # "promised" | "legal"
    provisional: Mapped[date] = mapped_column(Date)
    final: Mapped[date | None] = mapped_column(Date, default=None)  # set when the schedule arrived
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)


def add_working_days_or_provisional(cal, start: date, days: int) -> tuple[date, bool]:
    """(date, provisional): the strict working-day date when every year on the way is known;
    otherwise the known years counted properly and the unknown ones over weekends only."""
    try:
        return cal.add_working_days(start, days), False
    except CalendarMissing:
        pass
    d, remaining = start, days
    while remaining:
        d += timedelta(days=1)
        try:
            work = cal.is_workday(d)
        except CalendarMissing:
            work = d.weekday() < 5
        if work:
            remaining -= 1
    return d, True


def note(session: Session, case_id: str, field: str, provisional: date) -> None:
    session.add(ProvisionalDate(case_id=case_id, field=field, provisional=provisional))


def is_provisional(session: Session, case_id: str, field: str = "promised") -> bool:
    return session.scalar(select(ProvisionalDate.id).where(
        ProvisionalDate.case_id == case_id, ProvisionalDate.field == field, ProvisionalDate.final.is_(None))) is not None


@dataclass(frozen=True)
class MovedDate:
    case_id: str
    case_no: str
    field: str
    provisional: date
    final: date
    resolved_at: datetime


def recompute(session: Session, now: datetime | None = None) -> list[MovedDate]:
    """Settle every provisional date whose years are now known; returns those settled (moved
    or not). Runs in the caller's transaction."""
    from hallclient.caselog import record_event
    from hallclient.workcalendar import WorkCalendar

    now = now or utcnow()
    open_rows = list(session.scalars(select(ProvisionalDate).where(ProvisionalDate.final.is_(None))))
    if not open_rows:
        return []
    session.flush()  # the schedule just added must be visible to the calendar read below
    cal = WorkCalendar.from_session(session)
    settled = []
    for row in open_rows:
        case = session.get(Case, row.case_id)
        if case is None or case.clock_start is None:
            continue
        days = case.item.promised_limit_days if row.field == "promised" else case.item.legal_limit_days
        try:
            final = cal.add_working_days(case.clock_start, days)
        except CalendarMissing:
            continue  # still unknown: stays 暂定
        row.final, row.moved, row.resolved_at = final, final != row.provisional, now
        if row.field == "promised":
            case.promised_date = final
        else:
            case.legal_due_date = final
        record_event(session, case, "due_date_settled",
                     {"field": row.field, "provisional": row.provisional.isoformat(), "final": final.isoformat()}, None)
        settled.append(MovedDate(case.id, case.case_no or "", row.field, row.provisional, final, now))
    return settled


def moved_dates(session: Session, since: datetime | None = None) -> list[MovedDate]:
    """Provisional dates that changed when their year's schedule arrived (for the supervisor:
    the applicants of these cases were given another date on their notice)."""
    q = (select(ProvisionalDate, Case.case_no).join(Case, Case.id == ProvisionalDate.case_id)
         .where(ProvisionalDate.moved.is_(True)).order_by(ProvisionalDate.resolved_at.desc()))
    if since is not None:
        q = q.where(ProvisionalDate.resolved_at >= since)
    return [MovedDate(p.case_id, no or "", p.field, p.provisional, p.final, p.resolved_at)
            for p, no in session.execute(q)]


def open_provisional(session: Session) -> list[tuple[str, str, date]]:
    """(case_no, field, provisional date) of the dates still 暂定."""
    q = (select(Case.case_no, ProvisionalDate.field, ProvisionalDate.provisional)
         .join(Case, Case.id == ProvisionalDate.case_id).where(ProvisionalDate.final.is_(None))
         .order_by(ProvisionalDate.provisional))
    return [(no or "", f, d) for no, f, d in session.execute(q)]
