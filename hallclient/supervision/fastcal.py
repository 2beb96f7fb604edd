"""Working-day counts over a span of days in O(1) each, for the thousands of open cases the
warnings look at (WorkCalendar walks day by day, and each day asks chinesecalendar)."""

from __future__ import annotations

from datetime import date, timedelta

from hallclient.errors import CalendarMissing
from hallclient.workcalendar import WorkCalendar


class SpanCalendar:
    """`working_days_between` of WorkCalendar, with every day of [first, last] looked up once.
    Days outside the span (or in a year the calendar does not know) fall back to the
    calendar itself, which raises CalendarMissing as it always does."""

    def __init__(self, cal: WorkCalendar, first: date, last: date):
        self.cal, self.first = cal, first
        self.cum: list[int] = [0]  # cum[i]: working days in (first, first + i]
        self.missing: CalendarMissing | None = None
        d, n = first, 0
        while d < last:
            d += timedelta(days=1)
            try:
                n += cal.is_workday(d)
            except CalendarMissing as e:
                self.missing = e  # the span ends where the calendar's knowledge does
                break
            self.cum.append(n)

    def _index(self, d: date) -> int | None:
        i = (d - self.first).days
        return i if 0 <= i < len(self.cum) else None

    def working_days_between(self, start: date, end: date) -> int:
        if end <= start:
            return 0
        a, b = self._index(start), self._index(end)
        if b is None and self.missing is not None and start >= self.first:
            raise self.missing  # beyond the known calendar: no need to walk there again
        if a is None or b is None:
            return self.cal.working_days_between(start, end)
        return self.cum[b] - self.cum[a]

    def add_working_days(self, start: date, days: int) -> date:
        return self.cal.add_working_days(start, days)

    def is_workday(self, d: date) -> bool:
        return self.cal.is_workday(d)
