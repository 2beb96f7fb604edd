"""At intake, a card read asks the 电子证照库 (a real server on loopback) and the checklist
marks 免于提交 by itself; offline, the window says so and marks nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from devices.simulators.idreader import sample_cards
from hallclient.certificates.identifier import build_identifier
from hallclient.models import Hall, ServiceItem, User, Window
from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
from sync.engine import register
from sync.server.admin import register_device
from sync.server.licences import add_licences
from sync.server.run import ServerThread
from ui.login import Session
from ui.ops import wait_all

CARD = sample_cards()["resident"]
LID = build_identifier("11100000MB0143028R009", "11440300MB2C90050F", "440304198503123513", 1)


@pytest.fixture
def central(tmp_path):
    st = ServerThread(f"sqlite:///{tmp_path / 'central.sqlite3'}").start()
    add_licences(st.db, [dict(
        licence_id=LID, licence_type="居民身份证", certificate_no="", holder_name=CARD.name, holder_code=CARD.id_number,
        holder_code_type="111", authority_name="示例市公安局福田分局", authority_uscc="11440300MB2C90050F",
        issue_date=date(2020, 1, 1), valid_from=date(2020, 1, 1), valid_to=date(2040, 1, 1), status="valid",
        hall_code="440300001")])
    yield st
    st.stop()


@pytest.fixture
def mw(ctx, qtbot, central):
    from ui.app import ensure_app
    from ui.main_window import MainWindow

    ensure_app()
    register(ctx.store, central.url, register_device(central.db, "3号窗口", "440300001")["token"])
    with ctx.store.session() as s:
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
    yield w
    w.devices.stop()
    wait_all()


def _start(qtbot, mw, store):
    from ui.counter import on_card_read

    on_card_read(mw, CARD)  # what the reader's card_read signal does
    page = mw.pages["intake"]
    qtbot.waitUntil(lambda: page.licences.result is not None, timeout=10000)
    with store.session() as s:
        item = s.scalars(select(ServiceItem.id).where(ServiceItem.code == "SCJG-001")).one()
    page.start_case(item)
    return page


def _row(page, name):
    return next(r for r in page.view.rows if r.name == name)


def test_card_read_marks_the_id_material_exempt_with_the_licence(qtbot, mw, store):
    page = _start(qtbot, mw, store)
    qtbot.waitUntil(lambda: page.view is not None and _row(page, "经营者身份证明").status == "exempt", timeout=10000)
    assert LID in _row(page, "经营者身份证明").detail
    assert "免于提交" in page.licences.label.text() and "经营者身份证明" in page.licences.label.text()
    assert _row(page, "个体工商户登记（备案）申请书").status == "missing"  # no licence for it


def test_offline_says_so_and_marks_nothing(qtbot, mw, store, central):
    central.stop(close_db=False)
    page = _start(qtbot, mw, store)
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    assert not page.licences.result.online and "无法连接" in page.licences.label.text()
    assert _row(page, "经营者身份证明").status == "missing"
