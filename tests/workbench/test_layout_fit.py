"""The workbench fits the common counter monitor: at 1366x768, with the taskbar taking 40
pixels, the window needs no more height than the screen has, in the tallest state of the form
(a 单位 applicant with its legal representative and an agent), and the field with the focus is
scrolled into view."""

from __future__ import annotations

from sqlalchemy import select

from hallclient.models import Hall, User, Window

#: 768 pixels less a taskbar: what a maximised window gets on a 1366x768 monitor.
AVAILABLE_HEIGHT = 728


def _window(ctx, qtbot):
    from ui.login import Session
    from ui.main_window import MainWindow

    with ctx.store.read() as s:
        u = s.scalars(select(User).where(User.username == "clerk")).one()
        w = s.scalars(select(Window).where(Window.code == "03")).one()
        h = s.scalars(select(Hall)).one()
        session = Session(u.id, u.username, u.display_name, u.role, w.id, w.code, w.name, h.code, h.name)
    mw = MainWindow(ctx, session)
    qtbot.addWidget(mw)
    mw.resize(1366, AVAILABLE_HEIGHT)
    mw.show()
    qtbot.waitExposed(mw)
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
