"""The intake page driven like a clerk: keyboard only, real widgets, real store, real PDFs."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from hallclient.identity import IdentityDocument
from hallclient.models import Case, CaseEvent, Hall, PrintRecord, User, Window
from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
from intake_helpers import make_id
from ui.login import Session
from ui.ops import wait_all


@pytest.fixture
def mw(ctx, qtbot):
    from ui.app import ensure_app
    from ui.main_window import MainWindow

    ensure_app()
    with ctx.store.session() as s:
        # The page computes dates from the real clock: make sure its years are known.
        for year in (date.today().year, date.today().year + 1):
            if year not in LIBRARY_YEARS:
                set_year_schedule(s, year, {}, source="test")
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name, hall.code,
                          hall.name)
    w = MainWindow(ctx, session)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    wait_all()


def _page(mw, qtbot):
    page = mw.open_intake_for_ticket("A012")
    qtbot.waitUntil(lambda: bool(page.items.catalogue.items))  # loaded in the background
    return page


def _type(qtbot, widget, text, enter=True):
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:  # Chinese arrives through the input method as committed text, as with a real IME
        from PySide6.QtGui import QInputMethodEvent
        from PySide6.QtWidgets import QApplication

        ev = QInputMethodEvent()
        ev.setCommitString(text)
        QApplication.sendEvent(widget, ev)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def _state(page):
    return page.view.snapshot.state if page.view else None


def _key(qtbot, page, key, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(page.focusWidget() or page, key, mod)


def test_keyboard_only_from_next_applicant_to_printed_notice(mw, qtbot, ctx, tmp_path):
    page = _page(mw, qtbot)
    out = tmp_path / "printed.pdf"
    page.preview.print_target = str(out)
    _key(qtbot, page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # 新申请
    qtbot.waitUntil(lambda: page.applicant.id_number.hasFocus())
    idn = make_id("44030519880808123")
    bad = idn[:17] + ("1" if idn[17] != "1" else "2")
    qtbot.keyClicks(page.applicant.id_number, bad)
    assert page.applicant.id_status.text() == f"校验位应为 {idn[17]}，实际为 {bad[17]}"
    qtbot.keyClick(page.applicant.id_number, Qt.Key.Key_Backspace)
    _type(qtbot, page.applicant.id_number, idn[17])
    assert page.applicant.id_status.text().startswith("号码有效")
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())  # nobody earlier: type the name
    _type(qtbot, page.applicant.name, "赵䶮")
    assert page.items.search.hasFocus()
    qtbot.keyClicks(page.items.search, "yxzrgs")
    qtbot.waitUntil(lambda: page.items.list.count() == 1)
    qtbot.keyClick(page.items.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.view is not None)
    assert page.checklist.table.hasFocus() and page.view.snapshot.ticket_no == "A012"  # Ctrl+N keeps the visit's ticket
    assert not page.decisions.buttons["accept"].isEnabled()
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # all received
    qtbot.waitUntil(lambda: page.view.verdict.can_accept)
    _key(qtbot, page, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: _state(page) == "accepted" or bool(page.message.text()))
    assert page.message.text() == ""
    case_no = page.view.snapshot.case_no
    assert case_no.startswith("440300001") and case_no[17:19] == "03"
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.kind == "acceptance_notice")
    with qtbot.waitSignal(page.preview.printed, timeout=20000) as sig:
        _key(qtbot, page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert sig.args == ["acceptance_notice", False]
    assert out.stat().st_size > 1000 and out.read_bytes().startswith(b"%PDF")
    with ctx.store.session() as s:
        rec = s.scalars(select(PrintRecord)).one()
        assert rec.document_kind == "acceptance_notice" and not rec.reprint and rec.case_id == page.view.snapshot.id
        assert s.get(Case, rec.case_id).applicant.name == "赵䶮"


def test_supplement_then_resume_same_case(mw, qtbot, ctx):
    page = _page(mw, qtbot)
    idn = make_id("44030419900101456")
    _type(qtbot, page.applicant.id_number, idn)
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())
    _type(qtbot, page.applicant.name, "钱多多")
    _type(qtbot, page.items.search, "SCJG-003")
    qtbot.waitUntil(lambda: page.view is not None)
    table = page.checklist.table
    qtbot.keyClick(table, Qt.Key.Key_R)  # row 1 received
    qtbot.waitUntil(lambda: page.view.rows[0].status == "received")
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_D)  # row 2 defective: asks the reason
    assert page.checklist.ask.hasFocus()
    _type(qtbot, page.checklist.ask, "缺少全体股东签字")
    qtbot.waitUntil(lambda: page.view.rows[1].status == "defective")
    _key(qtbot, page, Qt.Key.Key_F10)  # asks the deadline, proposed from the working-day calendar
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    deadline = page.dialog.edits["deadline"].text()
    assert date.fromisoformat(deadline) > date.today()
    qtbot.keyClick(page.dialog.edits["deadline"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _state(page) == "supplement")
    case_id = page.view.snapshot.id
    assert "缺少全体股东签字" in page.view.snapshot.outcome_reason
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.kind == "supplement_notice")

    # the applicant comes back another day: next applicant, same ID, resume the waiting case
    _key(qtbot, page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.view is None)
    _type(qtbot, page.applicant.id_number, idn)
    qtbot.waitUntil(lambda: page.applicant.matches.hasFocus())
    assert "待补正" in page.applicant.matches.currentItem().text()
    qtbot.keyClick(page.applicant.matches, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _state(page) == "draft")
    assert page.view.snapshot.id == case_id
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.view.verdict.can_accept)
    _key(qtbot, page, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: _state(page) == "accepted")
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        types = [e.type for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))]
        assert types == ["created", "supplement_requested", "resumed", "accepted"]


def test_refuse_with_reason_and_authority(mw, qtbot, ctx):
    page = _page(mw, qtbot)
    page.fill_from_identity(IdentityDocument("resident", "孙𠀀", make_id("44030519700303111"), address="深圳市"))
    qtbot.waitUntil(lambda: page.items.search.hasFocus())
    assert page.applicant.name.text() == "孙𠀀"  # outside the BMP, exactly
    _type(qtbot, page.items.search, "gtgsh")
    qtbot.waitUntil(lambda: page.view is not None)
    _key(qtbot, page, Qt.Key.Key_F11)  # 不予受理; a button shortcut clicks (animated) a moment later
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    dlg = page.dialog
    qtbot.keyClick(dlg.edits["reason"], Qt.Key.Key_Return)
    qtbot.keyClick(dlg.edits["authority"], Qt.Key.Key_Return)
    assert dlg.isVisible() and "不予受理理由" in dlg.message.text()  # required
    _type(qtbot, dlg.edits["reason"], "经营场所位于外区")
    _type(qtbot, dlg.edits["authority"], "深圳市福田区市场监督管理局")
    qtbot.waitUntil(lambda: _state(page) == "refused")
    assert page.view.snapshot.ticket_no == "A012"  # called by the queue panel
    assert page.view.snapshot.applicant.name == "孙𠀀"
    assert page.view.snapshot.redirect_authority == "深圳市福田区市场监督管理局"
    qtbot.waitUntil(lambda: page.preview.current is not None and page.preview.current.kind == "refusal_notice")


def test_immediate_case_completed_on_the_spot(mw, qtbot, ctx):
    page = _page(mw, qtbot)
    _type(qtbot, page.applicant.id_number, make_id("44030619920202222"))
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())
    _type(qtbot, page.applicant.name, "周即办")
    _type(qtbot, page.items.search, "gtgsh")  # 个体工商户设立登记, 即办件
    qtbot.waitUntil(lambda: page.view is not None)
    assert page.decisions.buttons["accept_complete"].isVisible() and not page.decisions.buttons["accept"].isVisible()
    _key(qtbot, page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.view.verdict.can_accept)
    _key(qtbot, page, Qt.Key.Key_F9)  # 受理并办结: asked once, Enter confirms
    _confirm(qtbot, page)
    qtbot.waitUntil(lambda: _state(page) == "completed")
    assert page.view.snapshot.promised_date is not None and page.view.snapshot.case_no


def test_item_picker_search_department_and_recent(mw, qtbot):
    from ui.intake.item_picker import rank_items

    page = _page(mw, qtbot)
    qtbot.waitUntil(lambda: bool(page.items.catalogue.items))
    cat = page.items.catalogue
    assert rank_items(cat, "gtgsh", None)[0].name.startswith("个体工商户")
    assert {i.department_code for i in rank_items(cat, "", "GJJ")} == {"GJJ"}
    recent_first = type(cat)(cat.items, cat.departments, (cat.items[-1].id,))
    assert rank_items(recent_first, "", None)[0].id == cat.items[-1].id
    qtbot.keyClicks(page.items.search, "gjj")
    qtbot.keyClick(page.items.search, Qt.Key.Key_Down)
    assert page.items.list.currentRow() == 1


def test_organisation_with_agent_withdraw_and_unresolved(mw, qtbot, ctx):
    from hallclient.models import UnresolvedRequest
    from intake_helpers import make_uscc

    page = _page(mw, qtbot)
    panel = page.applicant
    panel.kind.setCurrentIndex(1)  # 单位
    code = make_uscc()
    qtbot.keyClicks(panel.id_number, code[:17] + ("0" if code[17] != "0" else "1"))
    assert panel.id_status.text().startswith("校验位应为")
    panel.id_number.clear()
    qtbot.keyClicks(panel.id_number, code.lower())
    assert panel.id_status.text() == "号码有效"
    _type(qtbot, panel.name, "深圳市前海𠀀科技有限公司", enter=False)
    _type(qtbot, panel.rep_name, "吴法人", enter=False)
    panel.has_agent.setChecked(True)
    assert panel.agent_id.hasFocus()
    _type(qtbot, panel.agent_id, make_id("44030519950505123"))
    assert panel.agent_name.hasFocus()
    _type(qtbot, panel.agent_name, "郑代办")
    assert panel.message.text() == ""
    _type(qtbot, page.items.search, "SCJG-003")
    qtbot.waitUntil(lambda: page.view is not None or bool(page.message.text()))
    assert page.message.text() == ""
    snap = page.view.snapshot
    assert snap.applicant.kind == "organisation" and snap.applicant.name == "深圳市前海𠀀科技有限公司"
    assert snap.agent.name == "郑代办"
    assert any(r.name == "授权委托书" and r.required for r in page.view.rows)

    _key(qtbot, page, Qt.Key.Key_F12)  # 办不成事
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible())
    _type(qtbot, page.dialog.edits["reason"], "需前往省级窗口办理")
    qtbot.waitUntil(lambda: "办不成事" in page.message.text())
    _key(qtbot, page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)  # 撤回
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible() and page.dialog.windowTitle() == "撤回申请")
    _type(qtbot, page.dialog.edits["reason"], "申请人决定暂不办理")
    qtbot.waitUntil(lambda: _state(page) == "withdrawn")
    with ctx.store.session() as s:
        u = s.scalars(select(UnresolvedRequest)).one()
        assert u.reason == "需前往省级窗口办理" and u.case_id == snap.id


def test_invalid_id_blocks_starting_a_case(mw, qtbot, ctx):
    page = _page(mw, qtbot)
    idn = make_id()
    bad = idn[:17] + ("0" if idn[17] != "0" else "1")
    _type(qtbot, page.applicant.id_number, bad)
    qtbot.waitUntil(lambda: page.applicant.name.hasFocus())
    _type(qtbot, page.applicant.name, "错号码")
    assert page.applicant.message.text() == f"证件号码：校验位应为 {idn[17]}，实际为 {bad[17]}"
    page.start_case(page.items.catalogue.items[0].id)  # even when forced, nothing is written
    assert "校验位" in page.message.text()
    wait_all()
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def _confirm(qtbot, page):
    from PySide6.QtWidgets import QMessageBox

    qtbot.waitUntil(lambda: isinstance(page.dialog, QMessageBox) and page.dialog.isVisible())
    qtbot.keyClick(page.dialog, Qt.Key.Key_Return)
