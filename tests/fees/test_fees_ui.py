"""The 收费 page by keyboard in the real main window: from 办件查询 to a payment notice, its
confirmation by the payment platform arriving through sync (立即同步), the fiscal e-receipt
shown and printed, then a paper receipt on the clerk's stock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from fees_helpers import accepted_case, actor
from hallclient.fees import stock
from hallclient.fees.records import EReceipt, FeeBill, PaperReceipt
from hallclient.models import Hall, User, Window
from sync.server.fees import confirm_payment
from ui.login import Session
from ui.ops import wait_all

ALT, CTRL_SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def mw(ctx, qtbot, sqlite_server, sx):
    from ui.app import ensure_app
    from ui.main_window import MainWindow

    ensure_app()
    sx.registered_store(ctx, sqlite_server.url, sx.new_device(sqlite_server.db))
    with ctx.store.session() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name, hall.code, hall.name)
    w = MainWindow(ctx, session)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    wait_all()


def _keys(page) -> list[str]:
    return [page.records.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.records.count())]


def test_notice_confirmation_via_sync_and_receipts_by_keyboard(mw, qtbot, ctx, sqlite_server, tmp_path):
    with ctx.store.session() as s:
        case_id, _ = accepted_case(s, "BDC-001")
        stock.register_stock(s, actor(s, "supervisor"), "clerk", "44010226", 1, 50)
    qtbot.keyClick(mw, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # 办件查询
    cases = mw.pages["cases"]
    qtbot.waitUntil(lambda: cases.detail.case_id == case_id)
    qtbot.keyClick(mw, Qt.Key.Key_F, ALT)  # 收费 for the selected case
    page = mw.pages.get("fees")
    qtbot.waitUntil(lambda: page is not None or mw.pages.get("fees") is not None)
    page = mw.pages["fees"]
    assert mw.stack.currentWidget() is page
    qtbot.waitUntil(lambda: page.fees is not None and page.charge_button.isEnabled())
    assert page.charge_button.hasFocus() and page.method_buttons["notice"].isChecked()  # 票款分离 is the default
    page.view.print_target = str(tmp_path / "printed.pdf")
    qtbot.keyClick(page.spins[1], Qt.Key.Key_Up)  # one extra certificate: +￥10
    qtbot.waitUntil(lambda: page.assessment is not None and page.assessment.total_fen == 9000)
    page.charge_button.setFocus()
    qtbot.keyClick(page.charge_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(k.startswith("notice:") for k in _keys(page)))
    assert "缴款码" in page.message.text() and page.status_label.text() == "待缴费"
    qtbot.waitUntil(lambda: page.view.doc.pageCount() == 1 and page.view.title == "缴款通知书")
    with ctx.store.session() as s:
        code = s.scalars(select(FeeBill.payment_code)).one()

    qtbot.keyClick(mw, Qt.Key.Key_Y, CTRL_SHIFT)  # 立即同步: the notice reaches the server
    qtbot.waitUntil(lambda: _server_knows(sqlite_server.db, code), timeout=20000)
    confirm_payment(sqlite_server.db, code, 9000, "alipay", "ALI2025111300001")  # the citizen paid
    qtbot.keyClick(mw, Qt.Key.Key_Y, CTRL_SHIFT)  # the confirmation and the e-receipt come down
    qtbot.waitUntil(lambda: any(k.startswith("e:") for k in _keys(page)), timeout=20000)
    qtbot.waitUntil(lambda: page.status_label.text() == "已缴费")
    qtbot.waitUntil(lambda: page.selected_key().startswith("e:") and page.view.title == "财政电子票据")
    qtbot.waitUntil(lambda: page.print_button.isEnabled() and page.view.doc.pageCount() == 1)
    qtbot.keyClick(mw, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: (tmp_path / "printed.pdf").exists() and "已打印" in page.message.text())
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    with ctx.store.session() as s:
        assert len(s.scalars(select(EReceipt)).all()) == 1

    qtbot.keyClick(mw, Qt.Key.Key_R, ALT)  # a paper receipt too: number taken, printed, confirmed
    qtbot.waitUntil(lambda: any("已打印" in page.records.item(i).text() for i in range(page.records.count())), timeout=20000)
    with ctx.store.session() as s:
        r = s.scalars(select(PaperReceipt)).one()
        assert (r.number, r.state) == (1, "printed")
    assert not page.charge_button.isEnabled()  # paid: no second charge


def _server_knows(db, code) -> bool:
    from sync.server.fees import SrvFeeBill

    with db.session(read_only=True) as s:
        return s.scalar(select(SrvFeeBill.bill_id).where(SrvFeeBill.payment_code == code)) is not None


def test_bad_cash_amount_told_in_chinese_nothing_recorded(mw, qtbot, ctx):
    with ctx.store.session() as s:
        case_id, _ = accepted_case(s, "BDC-002")
    page = mw.open_fees(case_id)
    qtbot.waitUntil(lambda: page.fees is not None and page.charge_button.isEnabled())
    qtbot.keyClick(mw, Qt.Key.Key_C, ALT)  # a mnemonic clicks its button after a short animation
    qtbot.waitUntil(lambda: page.method_buttons["cash"].isChecked() and page.tendered.hasFocus())
    qtbot.keyClicks(page.tendered, "50")
    assert page.change_label.text() == "还差 ￥30.00"
    qtbot.keyClick(page.tendered, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "少于应收" in page.message.text())
    page.tendered.clear()
    qtbot.keyClicks(page.tendered, "abc")
    qtbot.keyClick(page.tendered, Qt.Key.Key_Return)
    assert "不是有效的金额" in page.message.text()
    with ctx.store.session() as s:
        assert s.scalars(select(FeeBill)).all() == []
    page.tendered.clear()
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    ev = QInputMethodEvent()
    ev.setCommitString("１００")  # full-width digits, committed by the Chinese input method
    QApplication.sendEvent(page.tendered, ev)
    assert page.change_label.text() == "￥20.00"
    qtbot.keyClick(page.tendered, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "找零 ￥20.00" in page.message.text())


def _answer_modals(qtbot, answers):
    """Answer the next modal dialogs in order: each answer is a function given the dialog."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    pending = list(answers)

    def poll():
        dlg = QApplication.activeModalWidget()
        if dlg is not None and pending and getattr(dlg, "_answered", False) is False:
            dlg._answered = True
            pending.pop(0)(dlg)
        if pending:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)
    return pending


def test_refund_with_supervisor_then_daily_close_locks_the_day(mw, qtbot, ctx):
    from PySide6.QtWidgets import QLineEdit

    from hallclient.fees.records import FeeDayClose, FeeReversal

    with ctx.store.session() as s:
        case_id, _ = accepted_case(s, "BDC-002")
        other, _ = accepted_case(s, "GAJ-002")
    page = mw.open_fees(case_id)
    qtbot.waitUntil(lambda: page.fees is not None and page.charge_button.isEnabled())
    qtbot.keyClick(mw, Qt.Key.Key_C, ALT)
    qtbot.waitUntil(lambda: page.tendered.hasFocus())
    qtbot.keyClicks(page.tendered, "100")
    qtbot.keyClick(page.tendered, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.reverse_button.isEnabled())

    def reason(dlg):
        dlg.findChild(QLineEdit).setText("申请人撤回申请")
        dlg.accept()

    def wrong_then_right(dlg):
        dlg.user.setText("clerk")  # the requester cannot authorise themselves
        dlg.password.setText("clerk123")
        dlg._submit()
        qtbot.waitUntil(lambda: "不能为自己授权" in dlg.message.text())
        dlg.user.setText("supervisor")
        dlg.password.setText("super123")
        dlg._submit()

    left = _answer_modals(qtbot, [reason, wrong_then_right])
    qtbot.keyClick(mw, Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: not left and "已退款" in page.message.text(), timeout=15000)
    with ctx.store.session() as s:
        rev = s.scalars(select(FeeReversal)).one()
        assert rev.reason == "申请人撤回申请" and rev.authoriser_id != rev.clerk_id

    from ui.fees.dialogs import CloseDialog

    from PySide6.QtWidgets import QApplication

    mw.activateWindow()  # back from the modal dialogs
    qtbot.waitUntil(lambda: QApplication.activeWindow() is mw)
    qtbot.keyClick(mw, Qt.Key.Key_E, ALT)  # 日结
    qtbot.waitUntil(lambda: len(page.findChildren(CloseDialog)) == 1)
    dlg = page.findChildren(CloseDialog)[0]
    qtbot.waitUntil(lambda: dlg.close_figures is not None and dlg.confirm.isEnabled())
    assert "应上缴现金 ￥0.00" in dlg.summary.text()  # ￥80 taken, ￥80 refunded
    qtbot.mouseClick(dlg.confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "日结完成" in dlg.message.text())
    assert not dlg.confirm.isEnabled()
    dlg.close()
    with ctx.store.session() as s:
        assert len(s.scalars(select(FeeDayClose)).all()) == 1
    page.open_case(other)
    qtbot.waitUntil(lambda: page.fees is not None and page.fees.case_id == other and page.charge_button.isEnabled())
    qtbot.keyClick(page.charge_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "已日结" in page.message.text())


def test_workbench_step_opens_fees_for_the_visit_case(mw, qtbot, ctx):
    from ui.intake import jobs as intake_jobs

    with ctx.store.session() as s:
        case_id, _ = accepted_case(s, "BDC-002")
    wb = mw.show_page("workbench")
    assert not wb.step_buttons["fees"].isVisible()
    wb.intake._show(intake_jobs.case_view(ctx.store, case_id))  # as after F9 受理
    qtbot.waitUntil(lambda: wb.step_buttons["fees"].isVisible())
    qtbot.keyClick(mw, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)  # 收费 for the visit's case
    qtbot.waitUntil(lambda: mw.current_page_key() == "fees")
    page = mw.pages["fees"]
    qtbot.waitUntil(lambda: page.fees is not None and page.fees.case_id == case_id)
    qtbot.waitUntil(lambda: page.total_label.text().startswith("合计 ￥80.00"))
