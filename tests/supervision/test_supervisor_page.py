"""The 值班长 page opens offline (the central server stopped) on the copy a sync left, and
filters it; the page is refused to a clerk."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hallclient import settings
from hallclient.context import open_context
from hallclient.intake import ApplicantInput, Desk, save_applicant, start_case, update_material
from hallclient.intake.cases import accept, load_case, refuse
from hallclient.models import Hall, ServiceItem, User, Window
from hallclient.queue.model import HALL_TZ
from hallclient.supervision import config
from hallclient.validation import id_check_char
from sync.engine import SyncEngine, load_state, register
from sync.server.admin import register_device
from sync.server.run import ServerThread
from sync.transport import SyncHTTP
from ui.login import Session
from ui.main_window import MainWindow


def _cycle(store):
    st = load_state(store)
    e = SyncEngine(store, SyncHTTP(_url(store), st.token))
    try:
        return e.cycle()
    finally:
        e.close()


def _url(store):
    with store.session() as s:
        return settings.get(s, settings.SYNC_SERVER_URL)


def _cases_at(store, window: str, user: str, names: list[str]) -> None:
    with store.session() as s:
        w = s.scalars(select(Window).where(Window.code == window)).one()
        u = s.scalars(select(User).where(User.username == user)).one()
        d = Desk(u.id, w.id, w.code, s.scalars(select(Hall)).first().code)
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == "SCJG-003")).one()
        for n, name in enumerate(names):
            first17 = f"44030519900101{n + 1:03d}"
            app = save_applicant(s, ApplicantInput("person", name, first17 + id_check_char(first17)))
            cid = start_case(s, d, item.id, app)
            if n % 2:
                refuse(s, cid, d, "不属于本机关职权范围", "市市场监督管理局")
                continue
            for row in load_case(s, cid).materials:
                if row.required:
                    update_material(s, cid, row.id, "received")
            accept(s, cid, d)


@pytest.fixture
def synced_then_offline(ctx, tmp_path):
    """A window PC and the supervisor's PC synced through a real server, which is then stopped."""
    server = ServerThread(f"sqlite:///{tmp_path / 'central.sqlite3'}").start()
    try:
        register(ctx.store, server.url, register_device(server.db, "3号窗口", "440300001")["token"])
        _cases_at(ctx.store, "03", "clerk", ["赵一", "钱二", "孙三"])
        _cycle(ctx.store)
        sup = open_context(tmp_path / "supervisor", seed=True)
        register(sup.store, server.url, register_device(server.db, "值班长", "440300001", supervisor=True)["token"])
        with sup.store.session() as s:
            settings.set_value(s, config.PULL_HALL_DAY, True)
        _cases_at(sup.store, "05", "clerk2", ["周四", "吴五"])  # the supervisor's PC is window 5 too
        _cycle(sup.store)
    finally:
        server.stop()
    yield sup
    sup.close()


def _session(role: str, user_id: int, username: str) -> Session:
    return Session(user_id, username, username, role, None, "", "", "440300001", "示例市政务服务中心")


def test_the_page_opens_offline_and_filters(qtbot, synced_then_offline):
    sup = synced_then_offline
    with sup.store.session() as s:
        uid = s.scalars(select(User.id).where(User.username == "supervisor")).one()
    mw = MainWindow(sup, _session("supervisor", uid, "supervisor"))
    qtbot.addWidget(mw)
    mw.show()
    qtbot.waitExposed(mw)
    act = mw.page_actions["supervisor"]
    assert act.isEnabled() and act.shortcut().toString() == "Ctrl+7"
    act.trigger()
    page = mw.pages["supervisor"]
    qtbot.waitUntil(lambda: page.day is not None, timeout=15_000)
    assert mw.stack.currentWidget() is page
    assert len(page.day.cases) == 5 and page.case_model.rowCount() == 5
    assert "大厅数据更新于" in page.freshness.text() and "值班长：" in page.status_label.text()
    page.f_window.setCurrentIndex(page.f_window.findData("03"))
    assert page.case_model.rowCount() == 3
    assert {r.window_code for r in page.case_model.rows} == {"03"}
    page.f_state.setCurrentIndex(page.f_state.findData("refused"))
    assert [r.applicant_name for r in page.case_model.rows] == ["钱二"]
    page.f_state.setCurrentIndex(0)
    page.f_window.setCurrentIndex(0)
    page.f_text.setText("孙三")  # typed through the input method: QTest cannot type Chinese
    assert [r.applicant_name for r in page.case_model.rows] == ["孙三"]
    masked = page.case_model.rows[0].applicant_id_masked
    page.f_text.clear()
    qtbot.keyClicks(page.f_text, masked[-8:])
    assert [r.applicant_name for r in page.case_model.rows] == ["孙三"]
    page.f_text.setFocus()
    qtbot.keyClick(page.f_text, Qt.Key.Key_Escape)
    assert page.f_text.text() == "" and page.case_model.rowCount() == 5
    page.f_text.setText("孙三")
    # Enter on the row opens the case with its timeline
    page.case_view.setFocus()
    page.case_view.setCurrentIndex(page.case_model.index(0, 0))
    qtbot.keyClick(page.case_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: getattr(page, "detail_dialog", None) is not None and page.detail_dialog.timeline.count() >= 2, timeout=10_000)
    assert "受理" in page.detail_dialog.timeline.item(1).text()
    page.detail_dialog.close()
    # a refusal without legal basis: the demo item has one, so no warning; the refused case is an exception
    assert any(e.kind == "refusal" for e in page.day.exceptions)
    # an empty day says so; a year is refused with the reason
    page.date_from.setDate(page.date_from.date().addDays(-400))
    page.date_to.setDate(page.date_from.date())
    page.reload()
    qtbot.waitUntil(lambda: page.day.period.first != datetime.now(HALL_TZ).date(), timeout=10_000)
    assert page.message.isVisible() and "没有大厅数据" in page.message.text()
    page.date_to.setDate(page.date_from.date().addDays(365))
    loads = page.loads
    page.reload()
    qtbot.waitUntil(lambda: page.loads > loads, timeout=10_000)
    assert "超过 31 天" in page.message.text()
    # a finished sync cycle makes the page read the copy again
    from datetime import timezone

    from sync.worker import SyncStatus

    loads = page.loads
    page.sync_status_changed(SyncStatus(True, True, False, 0, 0, datetime.now(timezone.utc), None, None))
    qtbot.waitUntil(lambda: page.loads > loads, timeout=10_000)


def test_the_page_is_refused_to_a_clerk(qtbot, ctx):
    with ctx.store.session() as s:
        uid = s.scalars(select(User.id).where(User.username == "clerk")).one()
    mw = MainWindow(ctx, _session("clerk", uid, "clerk"))
    qtbot.addWidget(mw)
    assert not mw.page_actions["supervisor"].isEnabled()
    assert mw.show_page("supervisor") is None
    # even built directly, the page's data comes from the core, which refuses a clerk
    from ui.supervisor.page import SupervisorPage

    page = SupervisorPage(ctx.store, _session("clerk", uid, "clerk"))
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.loads > 0, timeout=10_000)
    assert page.day is None and "无权" in page.message.text()
    assert not page.export_btn.isEnabled() and not page.callback_btn.isEnabled()


def test_a_bad_rating_is_followed_up_from_the_page(qtbot, ctx):
    from datetime import date

    from PySide6.QtWidgets import QDialogButtonBox

    from ui.supervisor.page import SupervisorPage

    from day_script import accepted_case, apply, hall, record, uid

    day = date(2026, 12, 3)
    cid, rows = accepted_case(day, 9)
    rid = uid()
    rows.append(record("rating", {"rating_id": rid, "case_id": cid, "level": 2, "reasons": ["办事效率低"], "window_code": "01",
                                  "clerk": "clerk", "at": hall(day, 9, 30).isoformat()}, key=rid))
    apply(ctx.store, rows)
    with ctx.store.session() as s:
        uid_ = s.scalars(select(User.id).where(User.username == "supervisor")).one()
    page = SupervisorPage(ctx.store, _session("supervisor", uid_, "supervisor"), today=day)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.day is not None, timeout=10_000)
    assert page.rating_model.rowCount() == 1 and page.rating_model.rows[0].status_label == "待回访"
    page.rating_view.setCurrentIndex(page.rating_model.index(0, 0))
    for step, text, expect in (("callback", "已电话联系，申请人反映等候过久", "已回访"), ("fix", "增开一个综合窗口", "整改中"),
                               ("close", "已增开窗口并回访，申请人认可", "已办结")):
        loads = page.loads
        page.follow_up(step)
        dlg = page.follow_up_dialog
        assert "办事效率低" in dlg.findChild(type(page.message), "sup_fu_about").text()
        dlg.text.setPlainText(text)
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.waitUntil(lambda: page.loads > loads, timeout=10_000)
        page.rating_view.setCurrentIndex(page.rating_model.index(0, 0))
        assert page.rating_model.rows[0].status_label == expect
