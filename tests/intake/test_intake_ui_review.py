"""The intake page after the review: supplement rules and deadline, Ctrl+P in 待补正 and for
withdrawn cases, an agent added after the item, 办不成事 without a case, copies in the print
log, older documents reprintable. Real widgets, real store, real PDFs."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
from PySide6.QtCore import Qt
from sqlalchemy import select

from hallclient.models import Applicant, Case, PrintRecord, UnresolvedRequest
from intake_helpers import make_id
from test_intake_ui import _key, _page, _state, _type, mw  # noqa: F401 - the logged-in main window fixture
from ui.ops import wait_all


def _text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def _draft(page, qtbot, first17: str, name: str, item: str = "SCJG-003"):
    _type(qtbot, page.applicant.id_number, make_id(first17))
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())
    _type(qtbot, page.applicant.name, name)
    _type(qtbot, page.items.search, item)
    qtbot.waitUntil(lambda: page.view is not None)


def _supplement(page, qtbot, deadline: str | None = None):
    table = page.checklist.table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_R)  # row 1 received, the others still missing
    qtbot.waitUntil(lambda: page.view.rows[0].status == "received")
    _key(qtbot, page, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    edit = page.dialog.edits["deadline"]
    if deadline is not None:
        edit.clear()
        _type(qtbot, edit, deadline)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _state(page) == "supplement" or bool(page.message.text()))


def test_f10_only_while_a_required_material_is_outstanding(mw, qtbot, ctx):  # noqa: F811
    page = _page(mw, qtbot)
    _draft(page, qtbot, "44030519900101771", "孙补正")
    f10 = page.decisions.buttons["supplement"]
    assert f10.isEnabled()  # required materials missing
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # all required received
    qtbot.waitUntil(lambda: page.view.verdict.can_accept)
    optional = next(r for r in page.view.rows if not r.required)
    assert optional.status == "missing"  # 名称自主申报告知书 not brought: no reason for a notice
    assert not f10.isEnabled()
    _key(qtbot, page, Qt.Key.Key_F10)
    qtbot.wait(50)
    assert page.dialog is None and _state(page) == "draft"


def test_ctrl_p_prints_the_supplement_notice_with_its_deadline(mw, qtbot, ctx, tmp_path):  # noqa: F811
    page = _page(mw, qtbot)
    page.preview.print_target = str(tmp_path / "supplement.pdf")
    _draft(page, qtbot, "44030519900101772", "钱补正")
    _supplement(page, qtbot, deadline="2199-01-01")  # the clerk edits the proposed date
    assert _state(page) == "supplement"
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.kind == "supplement_notice")
    text = _text(page.preview.current.pdf)
    assert "请于2199年01月01日前" in text and "名称自主申报告知书" not in text
    assert page.decisions.buttons["print"].isEnabled()
    with qtbot.waitSignal(page.preview.printed, timeout=20000) as sig:
        _key(qtbot, page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == ["supplement_notice", False]
    with ctx.store.session() as s:
        rec = s.scalars(select(PrintRecord)).one()
        assert rec.document_kind == "supplement_notice" and rec.case_id == page.view.snapshot.id
    assert (tmp_path / "supplement.pdf").read_bytes().startswith(b"%PDF")

    # withdrawn after the notice: the notice stays printable (Ctrl+P, a 补打)
    _key(qtbot, page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible() and page.dialog.windowTitle() == "撤回申请")
    _type(qtbot, page.dialog.edits["reason"], "申请人决定暂不办理")
    qtbot.waitUntil(lambda: _state(page) == "withdrawn")
    assert page.decisions.buttons["print"].isEnabled()
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.reprint)
    with qtbot.waitSignal(page.preview.printed, timeout=20000) as sig:
        _key(qtbot, page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == ["supplement_notice", True]


def test_wrong_deadline_is_refused_in_the_form(mw, qtbot, ctx):  # noqa: F811
    page = _page(mw, qtbot)
    _draft(page, qtbot, "44030519900101773", "李期限")
    table = page.checklist.table
    qtbot.keyClick(table, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: page.view.rows[0].status == "received")
    _key(qtbot, page, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    edit = page.dialog.edits["deadline"]
    for bad, said in (("10月15日", "格式应为"), (date.today().isoformat(), "应晚于今天")):
        edit.clear()
        _type(qtbot, edit, bad)
        assert page.dialog.isVisible() and said in page.dialog.message.text()
    assert _state(page) == "draft"


def test_agent_added_after_the_item_is_attached_with_the_letter(mw, qtbot, ctx):  # noqa: F811
    page = _page(mw, qtbot)
    _draft(page, qtbot, "44030519900101774", "周本人")
    assert page.view.snapshot.agent is None
    assert not any(r.name == "授权委托书" for r in page.view.rows)
    panel = page.applicant
    panel.has_agent.setChecked(True)
    _type(qtbot, panel.agent_id, make_id("44030519950505774"))
    _type(qtbot, panel.agent_name, "吴代办")  # Enter: the draft gets the agent
    qtbot.waitUntil(lambda: page.view.snapshot.agent is not None or bool(page.message.text()))
    assert page.message.text() == ""
    assert page.view.snapshot.agent.name == "吴代办"
    letter = [r for r in page.view.rows if r.name == "授权委托书"]
    assert letter and letter[0].required and letter[0].status == "missing"
    # picking the same item again changes nothing more
    n_rows = len(page.view.rows)
    page.start_case(page.view.item_id)
    wait_all()
    assert len(page.view.rows) == n_rows
    # everything but the letter received: cannot be accepted
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: all(r.status == "received" for r in page.view.rows if r.required))
    assert page.view.verdict.can_accept  # Ctrl+R received the letter too (it is required)
    table = page.checklist.table
    table.setCurrentCell(next(i for i, r in enumerate(page.view.rows) if r.name == "授权委托书"), 0)
    qtbot.keyClick(table, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: not page.view.verdict.can_accept)
    assert not page.decisions.buttons["accept"].isEnabled()
    # unticking removes the agent and their letter
    panel.has_agent.setChecked(False)
    qtbot.waitUntil(lambda: page.view.snapshot.agent is None)
    assert not any(r.name == "授权委托书" for r in page.view.rows)
    with ctx.store.session() as s:
        assert s.get(Case, page.view.snapshot.id).agent_id is None


def test_unresolved_without_a_case_records_the_applicant(mw, qtbot, ctx):  # noqa: F811
    page = _page(mw, qtbot)
    idn = make_id("44030519900101775")
    _type(qtbot, page.applicant.id_number, idn)
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())
    _type(qtbot, page.applicant.name, "郑䶮")
    assert page.view is None and page.decisions.buttons["unresolved"].isEnabled()
    _key(qtbot, page, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    _type(qtbot, page.dialog.edits["reason"], "办理跨省户口迁移，本中心无此事项")
    qtbot.waitUntil(lambda: "办不成事" in page.message.text())
    with ctx.store.session() as s:
        u = s.scalars(select(UnresolvedRequest)).one()
        assert u.case_id is None and u.reason == "办理跨省户口迁移，本中心无此事项"
        assert s.get(Applicant, u.applicant_id).name == "郑䶮"
    # an empty form: recorded without a person
    _key(qtbot, page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.applicant.id_number.hasFocus())
    _key(qtbot, page, Qt.Key.Key_F12)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible() and not page.dialog.edits["reason"].text())
    _type(qtbot, page.dialog.edits["reason"], "咨询不动产登记，本窗口不办理")
    qtbot.waitUntil(lambda: len(_unresolved(ctx)) == 2)
    assert _unresolved(ctx)[1] == (None, None)


def _unresolved(ctx):
    with ctx.store.session() as s:
        return [(u.applicant_id, u.case_id) for u in s.scalars(select(UnresolvedRequest).order_by(UnresolvedRequest.at))]


def test_print_log_records_the_copies_asked_for(mw, qtbot, ctx, tmp_path):  # noqa: F811
    from PySide6.QtPrintSupport import QPrinter

    page = _page(mw, qtbot)
    _draft(page, qtbot, "44030519900101776", "王三份", item="gtgsh")
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.view.verdict.can_accept)
    _key(qtbot, page, Qt.Key.Key_F9)  # 受理并办结: asked once, Enter confirms
    _confirm(qtbot, page)
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.kind == "acceptance_notice")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)  # as the printer dialog leaves it
    printer.setResolution(150)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "three.pdf"))
    printer.setCopyCount(3)
    pages = page.preview.doc.pageCount()
    with qtbot.waitSignal(page.preview.printed, timeout=20000):
        page.preview.print_on(printer)
    with ctx.store.session() as s:
        assert s.scalars(select(PrintRecord.copies)).one() == 3
    # a PDF "printer" makes no copies itself: the pages are there three times
    assert len(pypdf.PdfReader(str(tmp_path / "three.pdf")).pages) == 3 * pages


def test_received_counts_typed_on_the_row(mw, qtbot, ctx):  # noqa: F811
    page = _page(mw, qtbot)
    _draft(page, qtbot, "44030519900101777", "冯份数")
    table = page.checklist.table
    i = next(n for n, r in enumerate(page.view.rows) if r.name == "住所使用证明")
    table.setCurrentCell(i, 0)
    qtbot.keyClick(table, Qt.Key.Key_C)
    ask = page.checklist.ask
    assert ask.hasFocus() and ask.text() == "1/1"  # the expected counts proposed
    ask.clear()
    _type(qtbot, ask, "1/0")  # the copy is missing: not "received"
    qtbot.waitUntil(lambda: bool(page.message.text()))
    assert "复印件应收 1 份、实收 0 份" in page.message.text()
    assert page.view.rows[i].status == "missing"
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_C)
    ask.clear()
    _type(qtbot, ask, "1/2")
    qtbot.waitUntil(lambda: page.view.rows[i].status == "received")
    assert (page.view.rows[i].original_received, page.view.rows[i].copies_received) == (1, 2)
    assert page.checklist.table.item(i, 4).text() == "1/2"


def _confirm(qtbot, page):
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: isinstance(page.dialog, QMessageBox) and page.dialog.isVisible())
    qtbot.keyClick(page.dialog, Qt.Key.Key_Return)
