"""F8 ends the visit on the workbench and always asks for the rating: with no queue service
(a walk-in, or offline) the on-screen rating window opens, names the clerk (not the login),
takes keys 1..5 and Enter, and stores the rating with the visit's case. A case still being
checked makes F8 ask once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from hallclient.models import Rating
from tests.sessions import window_session
from ui.ops import wait_all


def test_f8_rates_the_visit_by_keyboard_and_asks_once_for_an_undecided_case(ctx, qtbot):
    from ui.main_window import MainWindow

    session = window_session(ctx.store)
    mw = MainWindow(ctx, session)
    qtbot.addWidget(mw)
    mw.show()
    qtbot.waitExposed(mw)
    mw.activateWindow()
    wb = mw.pages["workbench"]
    page, panel = wb.intake, wb.ticket_panel
    qtbot.waitUntil(lambda: bool(page.items.catalogue.items), timeout=10_000)
    page.applicant.id_number.setText("440305800101123")  # old 15 digits: Enter offers 18
    qtbot.keyClick(page.applicant.id_number, Qt.Key.Key_Return)
    assert len(page.applicant.id_number.text()) == 18
    page.applicant.name.setText("张三")
    qtbot.keyClick(page.applicant.id_number, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.items.search.hasFocus(), timeout=10_000)
    qtbot.keyClicks(page.items.search, "GJJ-001")
    qtbot.keyClick(page.items.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.view is not None, timeout=10_000)
    case_id = page.view.snapshot.id

    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: isinstance(wb.dialog, QMessageBox) and wb.dialog.isVisible())
    assert "尚未作出受理决定" in wb.dialog.text()
    qtbot.keyClick(wb.dialog, Qt.Key.Key_Return)  # 结束并评价
    qtbot.waitUntil(lambda: panel.rating_dialog is not None and panel.rating_dialog.isVisible(), timeout=10_000)
    dlg = panel.rating_dialog
    qtbot.addWidget(dlg)
    texts = " ".join(lab.text() for lab in dlg.findChildren(type(panel.message)))
    assert "王晓敏" in texts and "clerk" not in texts
    qtbot.keyClick(dlg, Qt.Key.Key_4)
    qtbot.keyClick(dlg, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dlg.rating_id is not None, timeout=10_000)
    with ctx.store.session() as s:
        r = s.get(Rating, dlg.rating_id)
        assert (r.level, r.case_id, r.clerk_id) == (4, case_id, session.user_id)
    assert page.view is None  # the next visit starts clean
    wait_all()
