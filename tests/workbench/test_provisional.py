"""A year without a holiday schedule no longer blocks a case: its promised date is 暂定 on
screen and on the notice, and is settled by itself when the schedule arrives (server pull or
`hallclient calendar load FILE`); the supervisor sees which dates moved."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pypdf
from io import BytesIO
from sqlalchemy import select

from hallclient.models import Case, CaseEvent
from hallclient.provisional import moved_dates, open_provisional
from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intake"))
from intake_helpers import at, new_case, receive_all  # noqa: E402

NEXT = max(LIBRARY_YEARS) + 1  # a year the library does not know


def _accept_into_next_year(store):
    from hallclient.intake.cases import accept

    with store.session() as s:
        cid, d = new_case(s, "SCJG-004", when=at(NEXT - 1, 12, 28))  # 10 working days: into January
        receive_all(s, cid, date(NEXT - 1, 12, 28))
        r = accept(s, cid, d, now=at(NEXT - 1, 12, 28))
    return cid, r


def _schedule(first_days_off: int) -> dict:
    """New Year holiday of `first_days_off` days from 1 January (all else: weekdays work)."""
    days = {date(NEXT, 1, n): (False, "元旦") for n in range(1, first_days_off + 1)}
    return days


def test_provisional_date_shown_on_the_notice_and_settled_when_the_schedule_arrives(store):
    from hallclient.intake.snapshot import case_snapshot
    from printing.documents import render_document

    cid, r = _accept_into_next_year(store)
    provisional = r.promised_date
    with store.session() as s:
        snap = case_snapshot(s, cid)
    assert snap.promised_provisional
    text = "".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(render_document("acceptance_notice", snap))).pages)
    assert "暂定" in text
    assert [no for no, f, _ in open_provisional_list(store)] == [snap.case_no]

    with store.session() as s:  # as the sync pull stores it
        set_year_schedule(s, NEXT, _schedule(3), source="server")
    with store.session() as s:
        case = s.get(Case, cid)
        assert case.promised_date > provisional  # three days off in January: the date moved
        snap = case_snapshot(s, cid)
        assert not snap.promised_provisional
        (m,) = [x for x in moved_dates(s) if x.field == "promised"]
        assert (m.case_no, m.provisional, m.final) == (case.case_no, provisional, case.promised_date)
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.type == "due_date_settled")).first()
        assert ev.payload["final"] == case.promised_date.isoformat()
        assert open_provisional(s) == [] or all(f == "legal" for _, f, _ in open_provisional(s))


def open_provisional_list(store):
    with store.session() as s:
        return [x for x in open_provisional(s) if x[1] == "promised"]


def test_calendar_load_command_settles_and_due_stays_strict(ctx, cli, tmp_path):
    cid, r = _accept_into_next_year(ctx.store)
    ctx.close()
    d = ctx.data_dir.root
    due = cli("calendar", "due", "--from", f"{NEXT - 1}-12-28", "--days", "10", data_dir=d)
    assert due.returncode != 0 and f"缺少 {NEXT} 年的节假日安排" in due.stderr  # strict, as before
    f = tmp_path / "schedule.json"
    f.write_text(json.dumps({"year": NEXT, "days": {f"{NEXT}-01-0{n}": [False, "元旦"] for n in (1, 2)}},
                            ensure_ascii=False), encoding="utf-8")
    out = cli("calendar", "load", str(f), data_dir=d)
    assert out.returncode == 0, out.stderr
    assert "1 个办件的承诺办结日期已调整" in out.stdout or "已调整" in out.stdout
    moved = cli("calendar", "moved", data_dir=d)
    assert moved.returncode == 0 and r.promised_date.isoformat() in [m["provisional"] for m in json.loads(moved.stdout)]
    assert cli("calendar", "due", "--from", f"{NEXT - 1}-12-28", "--days", "10", data_dir=d).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    out = cli("calendar", "load", str(bad), data_dir=d)
    assert out.returncode != 0 and "格式" in out.stderr and "Traceback" not in out.stderr


def test_calendar_page_loads_a_schedule_and_lists_moved_dates(ctx, qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from ui.workbench.calendar_page import CalendarPage

    _accept_into_next_year(ctx.store)
    page = CalendarPage(ctx.store)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.pending.rowCount() >= 1)
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    qtbot.keyClicks(page.path, str(bad))
    qtbot.keyClick(page.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "格式不对" in page.message.text())
    f = tmp_path / "schedule.json"
    f.write_text(json.dumps({"year": NEXT, "days": {f"{NEXT}-01-0{n}": [False, "元旦"] for n in (1, 2, 3)}}),
                 encoding="utf-8")
    page.path.setText(str(f))
    qtbot.keyClick(page.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已导入" in page.message.text(), timeout=10_000)
    qtbot.waitUntil(lambda: page.moved.rowCount() >= 1 and page.pending.rowCount() == 0)
