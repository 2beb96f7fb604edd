"""What the window client does with the central server's answers: a republished catalogue
brings only its changes and retires withdrawn items; a decision applies only to an accepted
case of this hall; a failing sync is logged once per change of state."""

from __future__ import annotations

import copy
import logging
import socket

from sqlalchemy import select

from hallclient.catalogue import demo_catalogue
from hallclient.intake.cases import DECIDABLE_STATES, apply_decision
from hallclient.models import Case, CaseEvent, Hall, ServiceItem, Window
from sync import protocol
from sync.drill import queue_cases
from sync.engine import SyncEngine
from sync.server import admin
from sync.transport import SyncFailure, SyncHTTP


def _cycle(store, url, token):
    e = SyncEngine(store, SyncHTTP(url, token))
    try:
        return e.cycle()
    finally:
        e.close()


def test_republished_catalogue_sends_changes_and_withdraws_items(ctx, sqlite_server, sx):
    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    cat = copy.deepcopy(demo_catalogue())
    first = admin.load_catalogue(db, cat)
    assert first["changed"] == len(cat["items"]) + len(cat["case_types"]) + len(cat["departments"]) + len(cat["certificate_templates"])
    _cycle(store, sqlite_server.url, token)
    assert admin.load_catalogue(db, cat) == {"items": len(cat["items"]), "changed": 0, "withdrawn_items": 0, "withdrawn": 0}
    assert _cycle(store, sqlite_server.url, token).pulled == 0  # the same catalogue again: nothing to pull
    gone, renamed = cat["items"].pop(3), cat["items"][0]
    renamed["name"] = renamed["name"] + "（新版）"
    r = admin.load_catalogue(db, cat)
    assert (r["changed"], r["withdrawn_items"]) == (1, 1)
    assert _cycle(store, sqlite_server.url, token).pulled == 2
    with store.session() as s:
        items = {i.code: i for i in s.scalars(select(ServiceItem))}
        assert items[gone["code"]].active is False  # retired: cases still refer to it
        assert items[renamed["code"]].name.endswith("（新版）") and items[renamed["code"]].active
    cat["items"].append(gone)  # published again: back in service
    assert admin.load_catalogue(db, cat)["changed"] == 1
    _cycle(store, sqlite_server.url, token)
    with store.session() as s:
        assert s.scalars(select(ServiceItem).where(ServiceItem.code == gone["code"])).one().active is True


def test_a_decision_applies_only_to_an_accepted_case_of_this_hall(ctx, store):
    assert set(DECIDABLE_STATES) == set(protocol.DECIDABLE_STATES)  # client and server agree
    numbers = queue_cases(store, 3)
    with store.session() as s:
        cases = [s.scalars(select(Case).where(Case.case_no == n)).one() for n in numbers]
        ids = [c.id for c in cases]
        cases[1].state = "withdrawn"
        hall = s.scalar(select(Hall.code).join(Window).where(Window.id == cases[0].window_id))
    with store.session() as s:
        assert apply_decision(s, ids[0], "approve", hall_code="440399999", reason=None, decided_at=None) == "other_hall"
        assert apply_decision(s, ids[1], "approve", hall_code=hall, reason=None, decided_at=None) == "illegal"
        assert apply_decision(s, ids[2], "maybe", hall_code=hall, reason=None, decided_at=None) == "bad"
        assert apply_decision(s, "no-such-case", "approve", hall_code=hall, reason=None, decided_at=None) == "unknown"
        assert apply_decision(s, ids[0], "deny", hall_code=hall, reason="材料不符", decided_at=None) == "applied"
        assert apply_decision(s, ids[0], "deny", hall_code=hall, reason="材料不符", decided_at=None) == "repeat"
    with store.session() as s:
        states = [s.get(Case, i).state for i in ids]
        decisions = s.scalars(select(CaseEvent.case_id).where(CaseEvent.type == "decision")).all()
    assert states == ["denied", "withdrawn", "accepted"] and decisions == [ids[0]]


def test_a_failing_sync_is_logged_once_per_change_of_state(ctx, sqlite_server, sx, caplog):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    caplog.set_level(logging.INFO, logger="sync.engine")
    for _ in range(3):
        try:
            _cycle(store, dead, token)
            raise AssertionError("the cycle should fail")
        except SyncFailure:
            pass
    failed = [r for r in caplog.records if r.name == "sync.engine" and "sync cycle failed" in r.getMessage()]
    assert len(failed) == 1 and failed[0].levelno == logging.WARNING
    for _ in range(2):
        _cycle(store, sqlite_server.url, token)
    back = [r for r in caplog.records if "sync works again" in r.getMessage()]
    assert len(back) == 1
    try:
        _cycle(store, dead, token)
    except SyncFailure:
        pass
    assert len([r for r in caplog.records if "sync cycle failed" in r.getMessage()]) == 2


def test_a_dropped_upload_408_keeps_records_pending(sqlite_url):
    """The server's answer to a stalled body (408 with the error shape) says nothing about the
    records: they stay pending and are sent again, never parked."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from sync.server.run import ServerThread
    from sync.transport import Transient

    app = FastAPI()
    app.state.db = None

    @app.post("/v1/push")
    def push():
        return JSONResponse({"error": "请求体传输中断超时，连接已关闭，请重试", "server_time": "2026-03-02T01:00:00+00:00"}, status_code=408)

    from sync.server.store import ServerDB

    app.state.db = ServerDB(sqlite_url)
    st = ServerThread(sqlite_url, app=app).start()
    try:
        try:
            SyncHTTP(st.url, "t").post("/push", {"items": []})
            raise AssertionError("a 408 must be transient")
        except Transient:
            pass
    finally:
        st.stop()
