"""The server's side of security: audit chains checked on arrival and per device, password
changes reach every window, halls see only their own data, a revoked device is refused at
once, admin secrets from standard input only."""

from __future__ import annotations

import json

from sqlalchemy import select, update

from hallclient import audit, signin
from hallclient.accounts import login
from hallclient.audit import AuditAction
from hallclient.models import OutboxEntry
from hallclient.permissions import Actor
from sync.engine import SyncEngine
from sync.server import admin
from sync.server.models import Device, Record
from sync.server.security import verify_audit
from sync.transport import SyncFailure, SyncHTTP

CLERK = Actor(1, "clerk", "clerk", "王晓敏")


def _cycle(store, url, token):
    e = SyncEngine(store, SyncHTTP(url, token))
    try:
        return e.cycle()
    finally:
        e.close()


def test_audit_chain_is_checked_again_on_the_server(ctx, sqlite_server, sx):
    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    with store.session() as s:
        for i in range(4):
            audit.record(s, CLERK, AuditAction.PRINT, {"i": i})
    assert _cycle(store, sqlite_server.url, token).rejected == 0
    chains = verify_audit(db)
    assert [(c["ok"], c["records"], c["from_genesis"]) for c in chains] == [(True, 4, True)]
    # a record altered on the way (or on the window before sending) is refused with the reason
    with store.session() as s:
        rec = audit.record(s, CLERK, AuditAction.EXPORT, {"what": "日报"})
        entry = s.scalars(select(OutboxEntry).where(OutboxEntry.uuid == rec.uuid)).one()
        entry.payload = dict(entry.payload, detail='{"what":"nothing"}')
    r = _cycle(store, sqlite_server.url, token)
    assert r.rejected == 1
    with store.session() as s:
        assert "SM3" in s.scalars(select(OutboxEntry).where(OutboxEntry.uuid == rec.uuid)).one().last_error
    # a record changed in the server's database breaks that device's chain at that record
    with db.session() as s:
        third = s.scalars(select(Record).where(Record.kind == "audit").order_by(Record.id).offset(2)).first()
        s.execute(update(Record).where(Record.id == third.id).values(payload=dict(third.payload, actor="someone")))
    bad = verify_audit(db)[0]
    assert not bad["ok"] and bad["first_broken_uuid"] == third.uuid and "改动" in bad["reason"]


def test_a_password_changed_at_one_window_reaches_the_others(ctx, sqlite_server, sx, tmp_path):
    from hallclient.context import open_context

    db = sqlite_server.db
    admin.add_user(db, "zhaomin", "赵敏", "clerk", "Initial123", must_change_password=True)
    t1 = sx.new_device(db, "1号窗口")
    store = sx.registered_store(ctx, sqlite_server.url, t1)
    _cycle(store, sqlite_server.url, t1)
    with store.session() as s:
        who = signin.sign_in(s, "zhaomin", "Initial123")
        assert who.must_change_password
        signin.change_password(s, who.actor, "Initial123", "Mine2026ok")
    _cycle(store, sqlite_server.url, t1)
    _cycle(store, sqlite_server.url, t1)  # the server's republished row comes back: same hash
    with store.session() as s:
        u = login(s, "zhaomin", "Mine2026ok")
        assert not u.must_change_password
    other = open_context(tmp_path / "pc2", seed=False)
    try:
        t2 = sx.new_device(db, "2号窗口")
        sx.registered_store(other, sqlite_server.url, t2)
        _cycle(other.store, sqlite_server.url, t2)
        with other.store.session() as s:
            assert login(s, "zhaomin", "Mine2026ok").must_change_password is False
    finally:
        other.close()


def test_a_device_of_hall_a_cannot_read_hall_b_and_a_revoked_device_is_refused(sqlite_server, sx):
    db = sqlite_server.db
    ta = sx.new_device(db, "A厅1号", hall="440300001")
    tb = sx.new_device(db, "B厅1号", hall="440300002")
    admin.load_appointments(db, "440300002", [{"id": "B-ONLY", "item_code": "X", "start": "2031-01-06T09:00:00+08:00"}])
    admin.load_appointments(db, "440300001", [{"id": "A-ONLY", "item_code": "X", "start": "2031-01-06T09:00:00+08:00"}])

    def keys(token):
        http = SyncHTTP(sqlite_server.url, token)
        try:
            body = http.post("/pull", {"cursors": {"appointments": "0"}, "limit": 100}).body
        finally:
            http.close()
        return {r["key"] for r in body["streams"]["appointments"]["rows"]}

    assert keys(ta) == {"A-ONLY"} and keys(tb) == {"B-ONLY"}
    with db.session() as s:
        s.execute(update(Device).where(Device.name == "B厅1号").values(revoked=True))
    try:
        keys(tb)
        raise AssertionError("a revoked device was served")
    except SyncFailure as e:
        assert "吊销" in e.message
    with db.session() as s:  # only hashes of tokens are stored
        assert all(ta not in (d.token_hash or "") and len(d.token_hash) == 64 for d in s.scalars(select(Device)))


def test_admin_secrets_come_from_standard_input_only(cli, tmp_path):
    srv = tmp_path / "srv"
    r = cli("server", "admin", "add-user", "lisi", "--name", "李四", "--password", "x12345678", data_dir=srv)
    assert r.returncode == 2 and "不能写在命令行上" in r.stderr  # it would show in `ps`
    r = cli("server", "admin", "add-user", "lisi", "--name", "李四", "--initial", input="Start2026x\n", data_dir=srv)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["username"] == "lisi" and out["must_change_password"] is True and "Start2026x" not in r.stdout
