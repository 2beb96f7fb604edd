"""Pulled streams land in the local store with their cursors in one transaction; a new
device bootstraps from a snapshot; approval results change cases without echoing back."""

from __future__ import annotations

import copy
from datetime import date

from sqlalchemy import func, select

from hallclient.accounts import login
from hallclient.catalogue import demo_catalogue
from hallclient.models import Case, CaseEvent, OutboxEntry, ServiceItem, SyncCursor
from hallclient.syncstate import MirrorRow, SyncState
from hallclient.workcalendar import WorkCalendar
from sync.drill import queue_cases
from sync.engine import SyncEngine
from sync.server import admin
from sync.transport import SyncFailure, SyncHTTP


def _cycle(store, url, token, **kw):
    e = SyncEngine(store, SyncHTTP(url, token), **kw)
    try:
        return e.cycle()
    finally:
        e.close()


def test_catalogue_users_calendar_mirrors(ctx, sqlite_server, sx):
    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    cat = copy.deepcopy(demo_catalogue())
    cat["items"][0]["name"] = "个体工商户设立登记（新版）"
    cat["items"].append(dict(copy.deepcopy(cat["items"][1]), code="NEW-001", name="新增事项测试"))
    admin.load_catalogue(db, cat)
    admin.add_user(db, "zhangsan", "张三", "clerk", "secret-pw-1")
    admin.load_calendar(db, {"year": 2031, "days": {"2031-01-01": [False, "元旦"], "2031-01-04": [True, "调休上班"]}})
    admin.load_appointments(db, "440300001", [{"id": "YY-1", "item_code": "NEW-001", "start": "2031-01-06T09:00:00+08:00"}])
    r = _cycle(store, sqlite_server.url, token)
    assert r.pulled == len(cat["items"]) + len(cat["case_types"]) + len(cat["departments"]) + len(cat.get("certificate_templates", [])) + 3
    with store.session() as s:
        assert s.scalar(select(ServiceItem.name).where(ServiceItem.code == cat["items"][0]["code"])) == "个体工商户设立登记（新版）"
        new = s.scalars(select(ServiceItem).where(ServiceItem.code == "NEW-001")).one()
        assert new.pinyin_initials == "xzsxcs" and len(new.materials) == len(cat["items"][1]["materials"])
        assert login(s, "zhangsan", "secret-pw-1").display_name == "张三"  # offline login with the synced hash
        cal = WorkCalendar.from_session(s)
        assert not cal.is_workday(date(2031, 1, 1)) and cal.is_workday(date(2031, 1, 4))
        assert s.get(MirrorRow, ("appointments", "YY-1")).data["item_code"] == "NEW-001"
        cursors = {c.stream: c.cursor for c in s.scalars(select(SyncCursor))}
        st = s.get(SyncState, 1)
        assert st.clock_offset_ms is not None and abs(st.clock_offset_ms) < 5000 and st.last_success_at
    assert set(cursors) >= {"catalogue", "users", "calendar", "appointments"}
    assert _cycle(store, sqlite_server.url, token).pulled == 0  # nothing changed, nothing pulled


def test_approval_result_changes_case_without_echo(ctx, sqlite_server, sx):
    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    numbers = queue_cases(store, 2)
    assert _cycle(store, sqlite_server.url, token).pushed == 2
    admin.decide(db, numbers[0], approve=True)
    admin.decide(db, numbers[1], approve=False, reason="材料不符合法定形式")
    with store.session() as s:
        outbox_before = s.scalar(select(func.count()).select_from(OutboxEntry))
    r = _cycle(store, sqlite_server.url, token)
    assert r.pushed == 0 and r.pending == 0
    with store.session() as s:
        a = s.scalars(select(Case).where(Case.case_no == numbers[0])).one()
        d = s.scalars(select(Case).where(Case.case_no == numbers[1])).one()
        assert (a.state, d.state, d.outcome_reason) == ("approved", "denied", "材料不符合法定形式")
        assert a.decided_at is not None
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == d.id, CaseEvent.type == "decision")).one()
        assert ev.payload["decision"] == "deny" and ev.payload["source"] == "server"
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == outbox_before  # no echo
        today = {m.key: m.data for m in s.scalars(select(MirrorRow).where(MirrorRow.stream == "cases_today"))}
    assert today[a.id]["state"] == "approved" and today[d.id]["case_no"] == numbers[1]
    # The server's copy is not touched by a window state coming later than the decision.
    assert _cycle(store, sqlite_server.url, token).pushed == 0


def test_new_device_bootstraps_from_snapshot_and_resumes_after_a_fault(tmp_path, sqlite_server, proxy_factory, sx):
    from hallclient.context import open_context

    db = sqlite_server.db
    cat = copy.deepcopy(demo_catalogue())
    for n in range(200):
        cat["items"].append(dict(copy.deepcopy(cat["items"][n % 10]), code=f"GEN-{n:04d}", name=f"生成事项{n}"))
    admin.load_catalogue(db, cat)
    admin.load_catalogue(db, cat)  # republished: compaction keeps one row per item
    token = sx.new_device(db)
    proxy = proxy_factory(sqlite_server)
    with open_context(tmp_path / "fresh", seed=False) as c:  # a brand-new device: empty store
        sx.registered_store(c, sqlite_server.url, token)
        proxy.plan(["pass", "pass", "drop_response"])  # fail on the third page
        e = SyncEngine(c.store, SyncHTTP(proxy.url, token), pull_limit=50)
        try:
            e.cycle()
            raise AssertionError("the injected fault should have interrupted the bootstrap")
        except SyncFailure:
            pass
        with c.store.session() as s:
            mid = int(s.get(SyncCursor, "catalogue").cursor)
            assert s.scalar(select(func.count()).select_from(ServiceItem)) > 0  # pages kept
        r = e.cycle()
        e.close()
        hw = SyncHTTP(sqlite_server.url, token).get("/bootstrap").body["high_water"]
        with c.store.session() as s:
            assert s.scalar(select(func.count()).select_from(ServiceItem)) == len(cat["items"])
            assert s.get(SyncCursor, "catalogue").cursor == hw["catalogue"]
        assert int(hw["catalogue"]) > mid
        assert r.pulled < len(cat["items"])  # resumed, did not start over


def test_token_never_logged(ctx, sqlite_server, sx, cli):
    token = sx.new_device(sqlite_server.db)
    ctx.close()
    r = cli("sync", "register", "--server", sqlite_server.url, "--token", "-", data_dir=ctx.data_dir.root, input=token + "\n")
    assert r.returncode == 0, r.stderr
    r = cli("sync", data_dir=ctx.data_dir.root)
    assert r.returncode == 0, r.stderr
    logs = "".join(p.read_text("utf-8", errors="replace") for p in ctx.data_dir.logs.glob("*.log*"))
    assert logs  # something was logged, and not the token
    assert token not in logs and token not in r.stdout + r.stderr


def test_catalogue_update_keeps_cases_materials(ctx, sqlite_server, sx):
    """A synced catalogue change must not break (or be blocked by) cases that refer to the
    materials it changes."""
    from hallclient.models import CaseMaterial

    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 30)
    cat = copy.deepcopy(demo_catalogue())
    for it in cat["items"]:
        it["materials"] = it["materials"][:1]  # every item loses all but its first material
    admin.load_catalogue(db, cat)
    r = _cycle(store, sqlite_server.url, token)
    assert r.pushed == 30 and r.pulled >= len(cat["items"])
    with store.session() as s:
        mats = s.scalars(select(CaseMaterial)).all()
        assert mats and all(m.name for m in mats)  # the case keeps its copied checklist
        assert any(m.material_id is None for m in mats) and any(m.material_id is not None for m in mats)
