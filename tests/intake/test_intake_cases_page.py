"""办件查询: today's cases, search by number / ID / name / item, detail timeline, reprint."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from sqlalchemy import select

from hallclient.intake import accept, attach_agent, request_supplement
from hallclient.models import PrintRecord
from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
from intake_helpers import desk_for, item_id, make_id, person, receive_all
from hallclient.intake import start_case
from test_intake_ui import mw  # noqa: F401 - the logged-in main window fixture
from ui.ops import wait_all


def _seed(store):
    with store.session() as s:
        for year in (date.today().year, date.today().year + 1):
            if year not in LIBRARY_YEARS:
                set_year_schedule(s, year, {}, source="test")
        d = desk_for(s, "03")
        a = person(s, "王𠀀", "44030519800101123")
        c1 = start_case(s, d, item_id(s, "SCJG-003"), a)
        receive_all(s, c1, date.today())
        no = accept(s, c1, d).case_no
        agent = person(s, "代办刘", "44030519860606123")
        c2 = start_case(s, d, item_id(s, "GJJ-001"), person(s, "李四", "44030519750505123"))
        attach_agent(s, c2, agent, d)
        request_supplement(s, c2, d)
        other = desk_for(s, "05")
        start_case(s, other, item_id(s, "RSJ-001"), a)  # another window: not in "today" of 03
    return no, c1, c2


def test_today_search_detail_and_reprint(mw, qtbot, ctx, tmp_path):  # noqa: F811
    no, c1, c2 = _seed(ctx.store)
    page = mw.show_page("cases")
    qtbot.waitUntil(lambda: page.table.rowCount() == 2)
    assert page.count.text() == "今日：2 件"

    def search(q):
        page.count.clear()  # the answer to this query, not a slower earlier one, is what we read
        page.search.setText(q)
        page.run_search()
        qtbot.waitUntil(lambda: page.count.text().startswith("查询结果"), timeout=10_000)
        wait_all()
        return {r.id for r in page.rows}

    assert search(no) == {c1}
    assert search(no[:17]) == {c1}
    by_id = search(make_id("44030519800101123").lower())  # both cases of 王𠀀, any window
    assert c1 in by_id and len(by_id) == 2
    assert search("𠀀") == by_id
    assert search("公积金") == {c2}
    assert search(make_id("44030519860606123")) == {c2}  # by the agent's ID
    assert search("不存在的人") == set()

    search(no)
    qtbot.waitUntil(lambda: page.detail.timeline.count() == 2)
    assert "受理" in page.detail.timeline.item(1).text() and no in page.detail.timeline.item(1).text()
    preview = page.detail.preview
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "acceptance_notice")
    assert not preview.current.reprint
    first_pdf = preview.current.pdf
    preview.print_target = str(tmp_path / "first.pdf")
    with qtbot.waitSignal(preview.printed, timeout=20000):
        preview.print_document()
    # the preview moves on to the next document of the case; back to the notice: now a 补打
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "material_receipt")
    preview.show_kind("acceptance_notice")
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "acceptance_notice"
                    and preview.current.reprint)
    import io

    from pypdf import PdfReader

    def text(pdf: bytes) -> str:
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

    assert no in text(preview.current.pdf) and "补打" in text(preview.current.pdf)
    preview.print_target = str(tmp_path / "reprint.pdf")
    with qtbot.waitSignal(preview.printed, timeout=20000) as sig:
        preview.print_document()
    assert sig.args == ["acceptance_notice", True]
    qtbot.waitUntil(lambda: page.detail.prints.count() == 2)
    assert "补打" in page.detail.prints.item(1).text()
    assert "补打" not in text(first_pdf) and "王𠀀" in text(first_pdf)
    with ctx.store.session() as s:
        assert [r.reprint for r in s.scalars(select(PrintRecord).order_by(PrintRecord.id))] == [False, True]


def test_older_documents_stay_reprintable_after_the_case_moves_on(mw, qtbot, ctx, tmp_path):  # noqa: F811
    from hallclient.intake import resume
    from ui.intake.jobs import DOC_TITLES

    with ctx.store.session() as s:
        for year in (date.today().year, date.today().year + 1):
            if year not in LIBRARY_YEARS:
                set_year_schedule(s, year, {}, source="test")
        d = desk_for(s, "03")
        cid = start_case(s, d, item_id(s, "GJJ-001"), person(s, "陈补打", "44030519800101987"))
        request_supplement(s, cid, d)
        resume(s, cid, d)
        receive_all(s, cid, date.today())
        no = accept(s, cid, d).case_no
    page = mw.show_page("cases")
    page.search.setText(no)
    page.run_search()
    preview = page.detail.preview
    qtbot.waitUntil(lambda: preview.case_id == cid and preview.kinds.count() == 3)
    wait_all()  # the today list and the search both load the detail: let both land
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "acceptance_notice")
    kinds = [preview.kinds.itemData(i) for i in range(preview.kinds.count())]
    assert kinds == ["acceptance_notice", "material_receipt", "supplement_notice"]
    assert preview.kinds.itemText(2) == DOC_TITLES["supplement_notice"]
    preview.show_kind("supplement_notice")
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "supplement_notice")
    assert "需要补正的材料" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(preview.current.pdf)).pages)
    preview.print_target = str(tmp_path / "old.pdf")
    with qtbot.waitSignal(preview.printed, timeout=20000) as sig:
        preview.print_document()
    assert sig.args == ["supplement_notice", False]
    with ctx.store.session() as s:
        assert s.scalars(select(PrintRecord.document_kind)).all() == ["supplement_notice"]


def test_a_huge_or_odd_query_is_said_in_the_page_not_a_database_error(mw, qtbot):  # noqa: F811
    page = mw.show_page("cases")
    qtbot.waitUntil(lambda: page.count.text().startswith("今日"), timeout=10_000)  # the page's own first list
    page.search.setText("王" * 50_000)
    page.run_search()
    qtbot.waitUntil(lambda: "过长" in page.count.text(), timeout=10_000)
    page.search.setText("\x00")
    page.run_search()
    qtbot.waitUntil(lambda: page.count.text() == "查询结果：0 件", timeout=10_000)
