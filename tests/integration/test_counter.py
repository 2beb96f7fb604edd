"""The four pillars together in one main window, as `hallclient demo` starts them: simulated
devices on pseudo-terminals, the hall queue service on loopback, the real store.

A card on the reader fills the intake form; F1 on the queue page calls the next ticket onto the
window's LED strip and opens intake; F8 asks the rating pad, whose answer is stored as a rating
with an outbox row; a scanned case number opens that case.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hallclient.models import Case, Hall, OutboxEntry, Rating, User, Window
from ui.login import Session
from ui.ops import wait_all


@pytest.fixture
def counter(ctx, qtbot, tmp_path):
    from devices.demo import start_demo_devices
    from sync.hallqueue.server import LocalHall
    from sync.hallqueue.server import serve_in_background
    from ui.main_window import MainWindow

    ctx.services["demo_devices"] = start_demo_devices(str(tmp_path / "devices"), card="", realistic=False)
    ctx.services["demo_queue"] = queue = serve_in_background(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    LocalHall(queue).issue("A")
    with ctx.store.session() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name,
                          hall.code, hall.name)
    mw = MainWindow(ctx, session)
    qtbot.addWidget(mw)
    mw.show()
    qtbot.waitExposed(mw)
    qtbot.waitUntil(lambda: all(st[1] == "ready" for name, st in mw.devices.states.items() if "wedge" not in name)
                    and len(mw.devices.states) >= 5, timeout=15000)
    yield mw, ctx.services["demo_devices"].simulators, session
    mw.devices.stop()
    wait_all()


def test_card_on_the_reader_fills_the_intake_form(counter, qtbot):
    from devices.simulators.idreader import sample_cards

    mw, sims, _ = counter
    card = sample_cards()["resident_rare_name"]
    sims["id_reader"].place(card)
    qtbot.waitUntil(lambda: "intake" in mw.pages and mw.current_page_key() == "workbench", timeout=10000)
    page = mw.pages["intake"]
    qtbot.waitUntil(lambda: page.applicant.name.text() == card.name, timeout=10000)
    assert page.applicant.id_number.text() == card.id_number


def test_queue_call_led_and_rating_pad_end_to_end(counter, qtbot, store):
    mw, sims, session = counter
    panel = mw.show_page("queue")
    qtbot.waitUntil(lambda: panel.online is True, timeout=10000)
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: panel.current_label.text() == "A001", timeout=10000)
    qtbot.waitUntil(lambda: sims["led"].shown == "请 A001 号 到 3号窗口 办理", timeout=10000)
    assert mw.current_page_key() == "workbench"  # the ticket strip sits on top of intake
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_F8)
    pad = sims["rating_pad"]
    qtbot.waitUntil(lambda: pad.requested.is_set(), timeout=10000)
    assert pad.token == "A001", panel.message.text()
    pad.press(1)  # 非常不满意, no reason pressed on the pad: the screen asks for the reason
    qtbot.waitUntil(lambda: getattr(mw, "pad_reason_dialog", None) is not None, timeout=10000)
    qtbot.addWidget(mw.pad_reason_dialog)
    mw.pad_reason_dialog.reason_checks[0].click()
    mw.pad_reason_dialog.submit.click()
    qtbot.waitUntil(lambda: bool(_ratings(store)), timeout=10000)
    (r,) = _ratings(store)
    assert (r.level, r.ticket_no, r.source, r.clerk_id, r.window_id) == (1, "A001", "pad", session.user_id,
                                                                          session.window_id)
    assert r.reasons == [mw.pad_reason_dialog.reason_checks[0].text()]
    with store.session() as s:
        assert s.scalars(select(OutboxEntry).where(OutboxEntry.uuid == r.id)).one().kind == "rating"


def test_scanned_case_number_opens_the_case(counter, qtbot, ctx):
    from hallclient.intake.training import generate

    mw, sims, _ = counter
    case_no = generate(ctx.store.session, 3).last_case_no  # real accepted cases with real numbers
    sims["scanner"].scan(case_no)
    qtbot.waitUntil(lambda: "cases" in mw.pages and mw.stack.currentWidget() is mw.pages["cases"], timeout=10000)
    page = mw.pages["cases"]
    assert page.search.text() == case_no
    qtbot.waitUntil(lambda: [r.case_no for r in page.rows] == [case_no], timeout=10000)
    with ctx.store.session() as s:  # a notice of a case not accepted carries its registration number
        case_id = s.scalars(select(Case.id).where(Case.case_no != case_no)).first()
    sims["scanner"].scan(case_id)
    qtbot.waitUntil(lambda: [r.id for r in page.rows] == [case_id], timeout=10000)
    said = []  # every status bar message: a device notice may replace ours before we look
    mw.statusBar().messageChanged.connect(said.append)
    sims["scanner"].scan("not-a-case")
    qtbot.waitUntil(lambda: any("不是办件编号" in m for m in said), timeout=10000)


# Keys bound twice anywhere in the main window: tests/workbench/test_keymap.py.


def _ratings(store):
    with store.session() as s:
        return list(s.scalars(select(Rating)))
