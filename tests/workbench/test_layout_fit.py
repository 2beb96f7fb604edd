"""The workbench fits the common counter monitor: at 1366x768, with the taskbar taking 40
pixels, the window needs no more height than the screen has, in the tallest state of the form
(a 单位 applicant with its legal representative and an agent), and the field with the focus is
scrolled into view."""

from __future__ import annotations

from tests.sessions import window_session

#: 768 pixels less a taskbar: what a maximised window gets on a 1366x768 monitor.
AVAILABLE_HEIGHT = 728


def _window(ctx, qtbot):
    from PySide6.QtWidgets import QApplication

    from ui.app import ui_font
    from ui.main_window import MainWindow

    QApplication.instance().setFont(ui_font())  # the bundled CJK font at 100 %, as the launcher sets it
    session = window_session(ctx.store)
    mw = MainWindow(ctx, session)
    qtbot.addWidget(mw)
    mw.resize(1366, AVAILABLE_HEIGHT)
    mw.show()
    qtbot.waitExposed(mw)
    mw.activateWindow()  # other tests' windows may have been active: focus goes to the active one
    qtbot.waitUntil(lambda: QApplication.activeWindow() is mw, timeout=5000)
    return mw


def test_the_tallest_form_fits_a_1366x768_screen_and_keeps_the_focus_in_view(ctx, qtbot):
    mw = _window(ctx, qtbot)
    page = mw.pages["workbench"].intake
    a = page.applicant
    a.kind.setCurrentIndex(a.kind.findData("organisation"))
    a.has_agent.setChecked(True)
    qtbot.wait(50)
    assert a.rep_name.isVisibleTo(a) and a.agent_name.isVisibleTo(a)
    assert mw.minimumSizeHint().height() <= AVAILABLE_HEIGHT
    assert mw.height() <= AVAILABLE_HEIGHT and mw.width() <= 1366
    # The column scrolls: the last field, given the focus, is brought into view.
    a.agent_name.setFocus()
    qtbot.waitUntil(lambda: a.agent_name.hasFocus())
    view = page.applicant_scroll.viewport()
    top = a.agent_name.mapTo(view, a.agent_name.rect().topLeft()).y()
    assert 0 <= top and top + a.agent_name.height() <= view.height()
