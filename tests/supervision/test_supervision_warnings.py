"""电子监察 levels across a weekend and across a holiday with an adjusted working day, and the
other warnings (补正 deadline, 容缺 material, refusal without legal basis, unknown calendar)."""

from __future__ import annotations

from datetime import date

import pytest

from hallclient import settings
from hallclient.supervision import config
from hallclient.supervision.overview import load_day, reading
from hallclient.supervision.warnings import NOTICE, RED, YELLOW, case_warnings, promised_level
from hallclient.workcalendar import WorkCalendar

from day_script import accepted_case, apply, event, hall, supervisor, uid

CAL = WorkCalendar()


@pytest.mark.parametrize("today, level, left", [
    (date(2026, 12, 2), None, 3),      # Wednesday: Thu, Fri, Mon
    (date(2026, 12, 3), YELLOW, 2),    # Thursday: Fri, Mon
    (date(2026, 12, 4), NOTICE, 1),    # Friday: the weekend does not count, Monday is the next working day
    (date(2026, 12, 5), NOTICE, 1),    # Saturday
    (date(2026, 12, 7), NOTICE, 0),    # the promised day itself
    (date(2026, 12, 8), RED, -1),      # Tuesday: one working day overdue
    (date(2026, 12, 14), RED, -5),
])
def test_levels_across_a_weekend(today, level, left):
    assert promised_level(CAL, today, date(2026, 12, 7), yellow_days=2) == (level, left)


@pytest.mark.parametrize("today, level, left", [
    # National Day 2026: Oct 1-7 off; Saturday Oct 10 is an adjusted working day (调休).
    (date(2026, 9, 29), None, 4),      # Wed 30 Sep, Thu 8, Fri 9, Sat 10 Oct
    (date(2026, 9, 30), YELLOW, 3),    # with yellow at 3: the holiday week counts nothing
    (date(2026, 10, 3), YELLOW, 3),    # in the middle of the holiday
    (date(2026, 10, 8), YELLOW, 2),
    (date(2026, 10, 9), NOTICE, 1),    # Friday: the Saturday is a working day
    (date(2026, 10, 10), NOTICE, 0),   # the adjusted Saturday is the promised day
    (date(2026, 10, 11), RED, 0),      # Sunday after: past the date, but no working day overdue yet
    (date(2026, 10, 12), RED, -1),     # Monday
])
def test_levels_across_a_holiday_with_an_adjusted_working_day(today, level, left):
    assert promised_level(CAL, today, date(2026, 10, 10), yellow_days=3) == (level, left)


def test_the_yellow_threshold_is_a_hall_setting_and_other_warnings_show(store):
    day = date(2026, 12, 3)
    a, rows = accepted_case(day, 9, promised=date(2026, 12, 9))            # Mon..Wed: 4 working days left
    b, rows_b = accepted_case(day, 10, promised=date(2026, 12, 1))         # overdue
    g, rows_g = accepted_case(day, 11, promised=date(2026, 12, 31),
                              gaps=[{"name": "房产证明", "status": "gap", "gap_due_date": "2026-12-02"}])
    # Approved by the department, but the 容缺 material promised for 12-02 never came: still red.
    ap, rows_ap = accepted_case(day, 12, promised=date(2026, 12, 31),
                                gaps=[{"name": "租赁合同", "status": "gap", "gap_due_date": "2026-12-02"}])
    rows_ap.append(event(ap, "decision", "approved", hall(day, 15), {"decision": "approve"}))
    sup, ref = uid(), uid()
    rows += rows_b + rows_g + rows_ap + [
        event(sup, "created", "draft", hall(day, 9), {"item_code": "GJJ-001"}),
        event(sup, "supplement_requested", "supplement", hall(day, 9, 20), {"materials": [{"name": "身份证明"}], "deadline": "2026-12-02"}),
        event(ref, "created", "draft", hall(day, 9), {"item_code": "GJJ-001"}),
        event(ref, "refused", "refused", hall(day, 9, 30), {"reason": "不属于本机关", "legal_basis": ""}),
    ]
    apply(store, rows)
    with store.session() as s:
        ws = {(w.case_id, w.kind): w for w in case_warnings(s, day)}
    assert (a, "promised") not in ws  # 4 left, yellow at 2
    assert ws[(b, "promised")].level == RED and "逾期 2 个工作日" in ws[(b, "promised")].text
    assert ws[(g, "gap")].level == RED and "房产证明" in ws[(g, "gap")].text
    assert ws[(ap, "gap")].level == RED and "租赁合同" in ws[(ap, "gap")].text
    assert ws[(sup, "supplement")].level == RED
    assert ws[(ref, "refusal_basis")].level == RED
    with store.session() as s:
        settings.set_value(s, config.YELLOW_DAYS, 4)
    with store.session() as s:
        ws = {(w.case_id, w.kind): w for w in case_warnings(s, day)}
    assert ws[(a, "promised")].level == YELLOW and "剩余 4 个工作日" in ws[(a, "promised")].text


def test_a_year_without_a_calendar_is_a_warning_not_a_guess(store):
    day = date(2026, 12, 3)
    a, rows = accepted_case(day, 9, promised=date(2099, 1, 5))
    apply(store, rows)
    with reading(store) as s:
        d = load_day(s, supervisor(), day, today=day)
    assert not any(w.case_id == a for w in d.warnings)
    cal = [w for w in d.warnings if w.kind == "calendar"]
    assert cal and "2099" in cal[0].text and "日历" in cal[0].text


def test_a_provisional_promised_date_is_marked_and_shows_where_it_moved(store):
    """The window computes 暂定 dates for a year without its schedule and settles them later
    (hallclient.provisional): the supervisor sees the mark, then the move."""
    from hallclient.supervision.overview import case_detail

    day = date(2026, 12, 30)
    a, rows = accepted_case(day, 9, promised=date(2027, 1, 4))
    rows[1]["data"]["payload"]["payload"]["promised_provisional"] = True
    apply(store, rows)
    with reading(store) as s:
        row = next(c for c in load_day(s, supervisor(), day, today=day).cases if c.case_id == a)
    assert (row.promised_date, row.promised_note) == (date(2027, 1, 4), "暂定")
    apply(store, [event(a, "due_date_settled", "accepted", hall(day, 12),
                        {"field": "promised", "provisional": "2027-01-04", "final": "2027-01-05"})])
    with reading(store) as s:
        row = next(c for c in load_day(s, supervisor(), day, today=day).cases if c.case_id == a)
        detail = case_detail(s, supervisor(), a)
    assert (row.promised_date, row.promised_note) == (date(2027, 1, 5), "原暂定 2027-01-04")
    assert any(e.label == "暂定日期确定" and "2027-01-04 → 2027-01-05" in e.detail for e in detail.timeline)
    assert not row.broken
