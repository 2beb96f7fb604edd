"""The audit trail: SM3 chain, append-only store, verify names the first broken link."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy.exc

from hallclient import audit
from hallclient.audit import AuditAction
from hallclient.models import OutboxEntry
from hallclient.permissions import Actor

CLERK = Actor(1, "clerk", "clerk", "王晓敏")
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


def _write(store, n=5, start=T0):
    with store.session() as s:
        for i in range(n):
            audit.record(s, CLERK, AuditAction.PRINT, {"case_no": f"C{i}", "i": i}, start + timedelta(minutes=i))


def _raw(ctx):
    """The raw SQLite file, with the append-only triggers dropped (what a tamperer would do)."""
    ctx.store.close()
    con = sqlite3.connect(ctx.data_dir.database)
    for t in ("audit_record_no_update", "audit_record_no_delete"):
        con.execute(f"DROP TRIGGER {t}")
    return con


def _verify(cli, data_dir):
    r = cli("audit", "verify", data_dir=data_dir)
    return r.returncode, json.loads(r.stdout)


def test_chain_links_and_outbox(store):
    _write(store, 3)
    with store.session() as s:
        rows = list(reversed(audit.recent(s)))
        assert rows[0].prev_hash == audit.GENESIS
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
        assert len({r.hash for r in rows}) == 3 and all(len(r.hash) == 64 for r in rows)
        wire = [e.payload for e in s.query(OutboxEntry).filter_by(kind="audit").order_by(OutboxEntry.id)]
        assert [w["hash"] for w in wire] == [r.hash for r in rows]
        assert audit.verify_chain(wire).ok  # what the server checks, from the wire form alone
        assert audit.verify(s).ok and audit.verify(s).checked == 3


def test_store_refuses_update_and_delete(store):
    _write(store, 2)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        with store.session() as s:
            s.execute(audit.AuditRecord.__table__.update().values(action="login"))
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="183 days"):
        with store.session() as s:
            s.execute(audit.AuditRecord.__table__.delete())


@pytest.mark.parametrize("attack", ["tamper", "delete", "reorder"])
def test_verify_finds_first_broken_link(ctx, cli, attack):
    _write(ctx.store, 6)
    assert _verify(cli, ctx.data_dir.root) == (0, _verify(cli, ctx.data_dir.root)[1])
    con = _raw(ctx)
    if attack == "tamper":
        con.execute("UPDATE audit_record SET detail = ? WHERE seq = 3", (json.dumps({"case_no": "C9", "i": 2}),))
    elif attack == "delete":
        con.execute("DELETE FROM audit_record WHERE seq = 3")
    else:  # swap the contents of records 3 and 4, keeping their numbers
        r3 = con.execute("SELECT uuid, at, actor_id, actor, action, detail, prev_hash, hash FROM audit_record WHERE seq=3").fetchone()
        r4 = con.execute("SELECT uuid, at, actor_id, actor, action, detail, prev_hash, hash FROM audit_record WHERE seq=4").fetchone()
        cols = "uuid=?, at=?, actor_id=?, actor=?, action=?, detail=?, prev_hash=?, hash=?"
        con.execute("UPDATE audit_record SET uuid='x' WHERE seq=3")
        con.execute(f"UPDATE audit_record SET {cols} WHERE seq=4", r3)
        con.execute(f"UPDATE audit_record SET {cols} WHERE seq=3", r4)
    con.commit()
    con.close()
    rc, out = _verify(cli, ctx.data_dir.root)
    assert rc == 1 and out["ok"] is False
    assert out["first_broken_seq"] == (4 if attack == "delete" else 3)
    assert out["checked"] == 2


def test_tampered_hash_too_is_found(ctx, cli):
    """Rewriting a record and its own hash still breaks the next record's link."""
    _write(ctx.store, 4)
    con = _raw(ctx)
    row = con.execute("SELECT uuid, at, actor_id, actor, action, prev_hash FROM audit_record WHERE seq=2").fetchone()
    detail = '{"case_no":"FORGED"}'
    at = datetime.fromisoformat(row[1]).replace(tzinfo=timezone.utc)
    h = audit.record_hash(row[0], at, row[2], row[3], row[4], detail, row[5])
    con.execute("UPDATE audit_record SET detail=?, hash=? WHERE seq=2", (detail, h))
    con.commit()
    con.close()
    rc, out = _verify(cli, ctx.data_dir.root)
    assert rc == 1 and out["first_broken_seq"] == 3


def test_prune_keeps_six_months_and_chain_verifies(ctx, cli):
    now = datetime.now(timezone.utc)
    _write(ctx.store, 3, start=now - timedelta(days=400))
    _write(ctx.store, 2, start=now - timedelta(days=100))
    with ctx.store.session() as s:
        assert audit.prune(s, 30) == 3  # asked for 30 days: the 183-day minimum applies
    with ctx.store.session() as s:
        assert [r.action for r in reversed(audit.recent(s))] == ["print", "print", "audit_prune"]
        assert audit.verify(s).ok
        assert audit.prune(s, 183) == 0
    rc, out = _verify(cli, ctx.data_dir.root)
    assert rc == 0 and out["checked"] == 3 and out["anchor_seq"] == 3


def test_a_failed_login_is_audited_without_what_was_typed_as_a_name(store):
    from hallclient import signin
    from hallclient.errors import LoginFailed

    with store.session() as s:
        for name in ("clerk", "Secr3tPassw0rd"):  # a password typed into the name field
            with pytest.raises(LoginFailed):
                signin.sign_in(s, name, "wrong")
    with store.session() as s:
        rows = list(reversed(audit.recent(s)))
        assert [(r.actor, r.action) for r in rows] == [("clerk", "login_failed"), ("Se***（未知用户）", "login_failed")]
        assert all("Secr3tPassw0rd" not in r.detail for r in rows)
