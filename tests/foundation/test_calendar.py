from datetime import date

import pytest

from hallclient.errors import CalendarMissing
from hallclient.workcalendar import LIBRARY_YEARS, WorkCalendar, set_year_schedule

# The first year chinesecalendar has no schedule for. Derived, not hard-coded: the library
# adds next year's schedule soon after the State Council publishes it (around November), and
# a fresh install then knows a year these tests would otherwise call missing.
MISSING = max(LIBRARY_YEARS) + 1
LAST_DEC_28 = date(MISSING - 1, 12, 28)


def test_due_date_skips_national_day_and_counts_the_adjusted_saturday():
    cal = WorkCalendar()
    # 2026-09-30 (Wed): Oct 1-7 are holidays, Oct 8 and 9 are working days, and Saturday
    # Oct 10 is an adjusted working day (调休), so 3 working days end on Saturday the 10th.
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.is_workday(date(2026, 9, 20))  # Sunday made a working day
    assert not cal.is_workday(date(2026, 10, 5))  # Monday inside the holiday


def test_counting_starts_the_next_day_and_zero_days_is_the_same_day():
    cal = WorkCalendar()
    assert cal.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Fri -> Mon
    assert cal.add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_missing_year_is_an_error_not_a_guess():
    cal = WorkCalendar()
    with pytest.raises(CalendarMissing) as e:
        cal.add_working_days(LAST_DEC_28, 5)
    assert str(MISSING) in e.value.message


def test_a_year_delivered_as_overrides_is_used(ctx):
    with ctx.store.session() as s:
        set_year_schedule(
            s, MISSING,
            {date(MISSING, 1, 1): (False, "元旦"), date(MISSING, 1, 2): (False, "元旦"), date(MISSING, 1, 3): (False, "元旦")},
        )
    with ctx.store.session() as s:
        cal = WorkCalendar.from_session(s)
    # Jan 1-3 are off by the delivered schedule; every other day of that year falls back to
    # Monday-to-Friday, so 2 working days after Dec 31 are the first two weekdays from Jan 4.
    expected = [d for d in (date(MISSING, 1, n) for n in range(4, 12)) if d.weekday() < 5][1]
    assert cal.add_working_days(date(MISSING - 1, 12, 31), 2) == expected
    assert not cal.is_workday(date(MISSING, 1, 2))


def test_override_beats_the_library(ctx):
    with ctx.store.session() as s:
        from hallclient.models import CalendarOverride

        s.add(CalendarOverride(day=date(2026, 11, 23), is_workday=False, name="临时停止办公"))
    with ctx.store.session() as s:
        cal = WorkCalendar.from_session(s)
    assert cal.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 24)


def test_cli_calendar_due(cli, data_dir):
    r = cli("calendar", "due", "--from", "2026-09-30", "--days", "3", data_dir=data_dir)
    assert r.returncode == 0 and r.stdout.strip() == "2026-10-10"
    r = cli("calendar", "due", "--from", LAST_DEC_28.isoformat(), "--days", "5", data_dir=data_dir)
    assert r.returncode != 0 and f"缺少 {MISSING} 年的节假日安排" in r.stderr
