"""The page's fast reads give what the plain ways give: SQLite's counts of tickets and ratings
beside the figures from every row, the warnings without the quietly-due cases beside those
with all open cases, names decrypted when first read beside the ORM's, and the tabs made on
first show beside the day's data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hallclient import settings
from hallclient.supervision import config, records, sample, warnings
from hallclient.supervision import figures as fig
from hallclient.supervision.overview import load_day, reading
from hallclient.supervision.tables import HallCase

from day_script import accepted_case, apply, event, hall, record, supervisor, uid

DAY = date(2026, 12, 2)


@pytest.fixture
def sample_day(store):
    sample.load_day(store, DAY, cases=300, tickets=400, ratings=150)
    # ratings a level the figures skip (not an integer from 1 to 5) must be skipped both ways
    apply(store, [record("rating", {"rating_id": uid(), "level": lv, "window_code": "01", "clerk": "clerk",
                                    "at": hall(DAY, 10).isoformat()}) for lv in (0, 6, 4.0, "5", True)])
    return store


def test_counted_tickets_and_ratings_give_the_figures_of_every_row(sample_day):
    with reading(sample_day) as s:
        p = fig.period(DAY)
        targets = fig.Targets.from_session(s)
        states = [c.state for c in load_day(s, supervisor(), DAY, today=DAY).cases]
        others = records.other_records(s, p.start, p.end)
        every_row = fig.compute(p, targets, fig.queue_rows(s, p), states, records.ratings(s, p.start, p.end), others)
        counted = fig.compute_parts(p, targets, fig.queue_turns(s, p), fig.tickets_issued(s, p), states,
                                    records.rating_levels(s, p.start, p.end), others)
    assert counted.total.tickets == 400 and counted.ratings_total > 100
    assert counted == every_row
    # the figures per group, worked out when first asked for, equal the every-row ones too
    for by in ("by_queue", "by_window", "by_clerk", "by_hour"):
        assert getattr(counted, by) == getattr(every_row, by) and getattr(counted, by), by
    assert sum(g.called for g in counted.by_window) == counted.total.called


@pytest.mark.parametrize("offset", [0, 1, 3, 6])  # Wednesday, Thursday, Saturday, Tuesday after
def test_warnings_without_the_quietly_due_cases_equal_those_of_all_open_cases(sample_day, monkeypatch, offset):
    store = sample_day
    far, rows = accepted_case(DAY, 9, promised=date(2099, 1, 5))  # a year without a calendar
    gap, rows_g = accepted_case(DAY, 10, promised=DAY + timedelta(days=40),
                                gaps=[{"name": "房产证明", "status": "gap", "gap_due_date": "2026-12-01"}])
    broken = uid()
    apply(store, rows + rows_g + [event(broken, "accepted", "accepted", hall(DAY, 11),
                                        {"case_no": "X1", "item_code": "SCJG-003", "promised_date": "2027-02-01"})])
    today = DAY + timedelta(days=offset)
    for yellow in (2, 5):
        with store.session() as s:
            settings.set_value(s, config.YELLOW_DAYS, yellow)
        with reading(store) as s:
            fast = warnings.case_warnings(s, today)
            monkeypatch.setattr(warnings, "quiet_from", lambda *_a: None)  # every open case, as before
            every = warnings.case_warnings(s, today)
            monkeypatch.undo()
        assert fast == every
        kinds = {(w.case_id, w.kind) for w in fast}
        assert (gap, "gap") in kinds and (broken, "broken") in kinds
        assert any(w.kind == "calendar" and "2099" in w.text for w in fast)
        assert sum(w.kind == "promised" for w in fast) > 10


def test_names_are_decrypted_when_first_read_and_equal_the_stored_ones(sample_day):
    with reading(sample_day) as s:
        day = load_day(s, supervisor(), DAY, today=DAY)
        stored = {c.case_id: c.applicant_name for c in s.scalars(select(HallCase))}
    assert day.cases[1].unseal is not None  # not read yet: still as the store keeps it
    assert day.cases[1].name_kept.startswith("sm4:")
    assert {c.case_id: c.applicant_name for c in day.cases} == {c.case_id: stored[c.case_id] for c in day.cases}
    assert all(c.unseal is None for c in day.cases)
    assert all(c.applicant_name and not c.applicant_name.startswith("sm4:") for c in day.cases)
    assert "sm4:" not in repr(day.cases[0]) and day.cases[0].applicant_name not in repr(day.cases[0])


def test_tabs_made_on_first_show_show_the_day(qtbot, sample_day):
    from ui.login import Session
    from ui.supervisor import tables
    from ui.supervisor.page import SupervisorPage

    page = SupervisorPage(sample_day, Session(3, "supervisor", "值班长", "supervisor", None, "", "", "440300001", "示例市政务服务中心"),
                          today=DAY, first_day=DAY)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.day is not None, timeout=15_000)
    day = page.day
    assert not hasattr(page, "warn_view") and not hasattr(page, "group_view")  # not made yet
    assert "_groups" not in vars(day.figures)  # nor the figures per group
    assert page.tabs.tabText(1) == f"监察预警({len(day.warnings)})(&W)"
    page.tabs.setCurrentIndex(1)
    assert page.warn_view.isVisible() and page.warn_model.rows == day.warnings
    page.tabs.setCurrentIndex(2)
    assert page.exc_view.isVisible() and page.exc_model.rows == day.exceptions
    page.tabs.setCurrentIndex(4)
    assert page.group_view.isVisible() and page.group_model.rows == day.figures.by_window
    assert "办件结果：" in page.outcomes.text() and "收费：" in page.outcomes.text()
    page.grouping.setCurrentIndex(3)
    assert page.group_model.rows == day.figures.by_hour
    first = page.group_model.rows[0]
    assert page.group_model.data(page.group_model.index(0, 1)) == str(first.tickets)
    assert tables.group_columns("时段")[0][0] == page.group_model.headerData(0, page.group_view.horizontalHeader().orientation())
    # a read after the tabs exist fills them as before
    loads = page.loads
    page.reload()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=15_000)
    assert page.group_model.rows == page.day.figures.by_hour and page.warn_model.rows == page.day.warnings


def test_the_collector_is_held_off_during_overlapping_reads_and_comes_back():
    import gc
    import threading

    from hallclient import collector

    assert gc.isenabled()
    inside = threading.Event()
    leave = threading.Event()

    def other_read():
        with collector.held_off():
            inside.set()
            leave.wait(10)

    th = threading.Thread(target=other_read)
    with collector.held_off():
        assert not gc.isenabled()
        th.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other read is still going
    leave.set()
    th.join(10)
    assert gc.isenabled()
    gc.disable()  # off before (as some tools run): it stays off
    try:
        with collector.held_off():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
