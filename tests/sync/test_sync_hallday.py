"""The hall's day reaches the supervisor's PC: cases made at a window (real intake), ratings,
reviews go through the reference server's `hall_day` stream; tickets come from the hall queue
service's log. A window PC does not pull the hall's stream."""

from __future__ import annotations

from sqlalchemy import func, select

from hallclient import settings
from hallclient.context import open_context
from hallclient.intake import ApplicantInput, Desk, save_applicant, start_case
from hallclient.intake.cases import accept, refuse, request_supplement
from hallclient.models import Hall, ServiceItem, User, Window
from hallclient.permissions import Actor
from hallclient.queue.model import HALL_TZ
from hallclient.queue.rating import record_rating
from hallclient.supervision import config, followups
from hallclient.supervision.overview import load_day, reading
from hallclient.supervision.tables import HallCase, HallQueueEvent
from hallclient.validation import id_check_char
from sync.engine import SyncEngine
from sync.hallday import pull_queue_log
from sync.hallqueue.server import serve_in_background
from sync.transport import SyncHTTP

from datetime import datetime


def _cycle(store, url, token):
    e = SyncEngine(store, SyncHTTP(url, token))
    try:
        return e.cycle()
    finally:
        e.close()


def _desk(s, code="03", user="clerk2") -> Desk:
    w = s.scalars(select(Window).where(Window.code == code)).one()
    u = s.scalars(select(User).where(User.username == user)).one()
    return Desk(u.id, w.id, w.code, s.scalars(select(Hall)).first().code)


def _work_at_a_window(store) -> dict:
    from hallclient.intake import update_material
    from hallclient.intake.cases import load_case

    with store.session() as s:
        d = _desk(s)
        first17 = "44030519900101123"
        app = save_applicant(s, ApplicantInput("person", "李䶮", first17 + id_check_char(first17)))
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == "SCJG-003")).one()
        a = start_case(s, d, item.id, app, ticket_no="A001")
        for row in load_case(s, a).materials:
            if row.required:
                update_material(s, a, row.id, "received")
        accepted = accept(s, a, d)
        b = start_case(s, d, item.id, app)
        request_supplement(s, b, d)
        c = start_case(s, d, item.id, app)
        refuse(s, c, d, "不属于本机关职权范围", "市市场监督管理局")
        r = record_rating(s, 1, reasons=["服务态度差"], case_id=a, clerk_id=d.user_id, window_id=d.window_id)
    return {"accepted": a, "case_no": accepted.case_no, "supplement": b, "refused": c, "rating": r.id}


def test_a_windows_day_reaches_the_supervisors_pc(ctx, sqlite_server, sx, tmp_path):
    db = sqlite_server.db
    window = sx.registered_store(ctx, sqlite_server.url, sx.new_device(db, "3号窗口"))
    made = _work_at_a_window(window)

    from sync.engine import load_state

    _cycle(window, sqlite_server.url, load_state(window).token)
    with window.session() as s:  # a window PC keeps only its own cases
        assert s.scalar(select(func.count()).select_from(HallCase)) == 0
    sup_ctx = open_context(tmp_path / "supervisor", seed=True)
    try:
        sup = sx.registered_store(sup_ctx, sqlite_server.url, sx.new_device(db, "值班长", supervisor=True))
        with sup.session() as s:
            settings.set_value(s, config.PULL_HALL_DAY, True)
        report = _cycle(sup, sqlite_server.url, load_state(sup).token)
        assert report.pulled > 0
        today = datetime.now(HALL_TZ).date()
        actor = Actor(3, "supervisor", "supervisor")
        with reading(sup) as s:
            day = load_day(s, actor, today, today=today)
        by_id = {c.case_id: c for c in day.cases}
        a = by_id[made["accepted"]]
        assert (a.case_no, a.window_code, a.clerk, a.state, a.applicant_name) == (made["case_no"], "03", "clerk2", "accepted", "李䶮")
        assert a.applicant_id_masked.startswith("440305") and "*" in a.applicant_id_masked
        assert by_id[made["supplement"]].state == "supplement" and by_id[made["refused"]].state == "refused"
        assert not any(c.broken for c in day.cases)
        assert [b.rating.id for b in day.bad_ratings] == [made["rating"]] and day.bad_ratings[0].rating.clerk == "clerk2"
        assert "大厅数据更新于" in day.freshness.text()
        # the supervisor's own work goes up, and comes back down without doubling anything
        with sup.session() as s:
            followups.record_callback(s, actor, made["rating"], "已电话回访")
            followups.add_review(s, actor, made["accepted"], "请核实材料")
        _cycle(sup, sqlite_server.url, load_state(sup).token)
        with reading(sup) as s:
            again = load_day(s, actor, today, today=today)
        assert len(again.cases) == len(day.cases) and again.bad_ratings[0].status_label == "已回访"
    finally:
        sup_ctx.close()


def test_only_a_device_registered_as_the_supervisors_pc_gets_the_halls_day(ctx, sqlite_server, sx, tmp_path):
    from sync.engine import load_state
    from sync.server.admin import list_devices, set_supervisor_device

    db = sqlite_server.db
    window = sx.registered_store(ctx, sqlite_server.url, sx.new_device(db, "3号窗口"))
    made = _work_at_a_window(window)
    _cycle(window, sqlite_server.url, load_state(window).token)
    # A PC that only says it is the supervisor's (a client setting) gets nothing of the hall.
    other_ctx = open_context(tmp_path / "pretender", seed=True)
    try:
        other = sx.registered_store(other_ctx, sqlite_server.url, sx.new_device(db, "5号窗口"))
        with other.session() as s:
            settings.set_value(s, config.PULL_HALL_DAY, True)
        _cycle(other, sqlite_server.url, load_state(other).token)
        with other.session() as s:
            assert s.scalar(select(func.count()).select_from(HallCase)) == 0
        with reading(other) as s:  # the supervisor's page says why
            fresh = load_day(s, Actor(3, "supervisor", "supervisor"), datetime.now(HALL_TZ).date()).freshness.text()
        assert "未被登记为值班长电脑" in fresh
        # The administrator registers it as the supervisor's PC: the next pull brings the day.
        dev = next(d for d in list_devices(db) if d["name"] == "5号窗口")
        assert not dev["supervisor"]
        set_supervisor_device(db, dev["device_id"], True)
        assert next(d for d in list_devices(db) if d["name"] == "5号窗口")["supervisor"]
        _cycle(other, sqlite_server.url, load_state(other).token)
        with other.session() as s:
            assert made["accepted"] in set(s.scalars(select(HallCase.case_id)))
        with reading(other) as s:
            assert "大厅数据更新于" in load_day(s, Actor(3, "supervisor", "supervisor"), datetime.now(HALL_TZ).date()).freshness.text()
    finally:
        other_ctx.close()


def test_the_queue_log_is_copied_once(store, tmp_path):
    from sync.hallqueue.server import LocalHall

    srv = serve_in_background(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    url = srv.url
    hall = LocalHall(srv)  # each call with the token its real caller has
    try:
        hall.set_window("01", "1号窗口", clerk="clerk")
        for _ in range(3):
            hall.issue("A")
        hall.call_next("01")
        hall.end("01")
        assert pull_queue_log(store, url, token="not-a-token") == 0  # refused: logged, skipped
        with store.session() as s:
            settings.set_value(s, settings.QUEUE_TOKEN, srv.token("display"))
        assert pull_queue_log(store, url) >= 5
        assert pull_queue_log(store, url) == 0  # nothing new, nothing doubled
        with store.session() as s:
            types = [t for t, in s.execute(select(HallQueueEvent.type).order_by(HallQueueEvent.seq))]
        assert types.count("issue") == 3 and "call" in types and "end" in types
        hall.close()
    finally:
        srv.close()
    assert pull_queue_log(store, url) == 0  # service gone: skipped, no error
