"""Hostile bytes get a 4xx with a reason (never a 500) and change nothing; the server's own
retryable state is a 503; a 4xx that is not the protocol's never parks records."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import text

from hallclient.models import OutboxEntry
from sync.drill import queue_cases
from sync.engine import SyncEngine
from sync.server.admin import stats
from sync.transport import SyncHTTP, Transient


def _post_raw(server, path, token, raw: bytes):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return requests.post(server.url + "/v1" + path, data=raw, headers=headers, timeout=30)


def _event_json(case_id: str = "c1", extra: str = "") -> str:
    u = uuid.uuid4()
    return (
        f'{{"items":[{{"uuid":"{u}","kind":"case.event","payload":{{"case_id":"{case_id}","type":"accepted",'
        f'"state":"accepted","at":"2026-03-02T09:00:00+08:00"{extra}}}}}]}}'
    )


PUSH = [
    ("lone surrogate", _event_json(extra=r',"note":"\ud800"'), 422),
    ("surrogate key", _event_json(extra=r',"\udfff":1'), 422),
    ("NUL in case_id", _event_json(case_id=r"c\u0000"), 422),
    ("NaN", _event_json(extra=',"fee":NaN'), 422),
    ("Infinity", _event_json(extra=',"fee":-Infinity'), 422),
    ("float overflow", _event_json(extra=',"fee":1e400'), 422),
    ("5000-digit int", _event_json(extra=',"fee":' + "9" * 5000), 400),
    ("deep nesting", '{"items":' + "[" * 100_000 + "]" * 100_000 + "}", 400),
    ("nesting over the cap", _event_json(extra=',"x":' + "[" * 40 + "]" * 40), 422),
]


@pytest.mark.parametrize("name,raw,status", PUSH, ids=[p[0] for p in PUSH])
def test_hostile_values_in_a_push(server, sx, name, raw, status):
    token = sx.new_device(server.db)
    before = stats(server.db)
    r = _post_raw(server, "/push", token, raw.encode("utf-8"))
    assert r.status_code == status, r.text
    assert r.json()["error"] and r.json()["server_time"]
    assert stats(server.db) == before


PULL = [
    ("cursor over 2^63-1", '{"cursors":{"catalogue":"' + "9" * 19 + '"}}', 400),
    ("Arabic-Indic digits", '{"cursors":{"catalogue":"\u0661\u0662"}}', 422),
    ("superscript digit", '{"cursors":{"catalogue":"\u00b2"}}', 422),
    ("surrogate stream name", r'{"cursors":{"\ud800":""}}', 422),
]


@pytest.mark.parametrize("name,raw,status", PULL, ids=[p[0] for p in PULL])
def test_hostile_pull(server, sx, name, raw, status):
    token = sx.new_device(server.db)
    r = _post_raw(server, "/pull", token, raw.encode("utf-8"))
    assert r.status_code == status, r.text
    assert r.json()["error"]


def test_largest_cursor_is_accepted(server, sx):
    token = sx.new_device(server.db)
    r = _post_raw(server, "/pull", token, ('{"cursors":{"catalogue":"' + str(2**63 - 1) + '"}}').encode())
    assert r.status_code == 200 and r.json()["streams"]["catalogue"]["rows"] == []


def test_a_wrong_server_path_parks_nothing(ctx, sqlite_server, sx):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 3)
    # A typo in the address: the HTTP server answers 404, but not in the protocol's shape.
    engine = SyncEngine(store, SyncHTTP(sqlite_server.url + "/hall", token), batch=1)
    with pytest.raises(Transient) as exc:
        engine.cycle()
    engine.close()
    assert exc.value.status == 404 and "服务器地址" in exc.value.message
    assert exc.value.report.pending == 3 and exc.value.report.rejected == 0
    assert set(sx.local_outbox(store).values()) == {"pending"}
    # With the right address everything goes through.
    engine = SyncEngine(store, SyncHTTP(sqlite_server.url, token))
    assert engine.cycle().pushed == 3
    engine.close()


def test_retryable_conflict_is_503_and_keeps_records_pending(ctx, sqlite_server, sx):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 2)
    # A real IntegrityError on every insert: what push sees when concurrent retries collide.
    with sqlite_server.db.engine.begin() as c:
        c.execute(text("CREATE TRIGGER collide BEFORE INSERT ON srv_record BEGIN SELECT RAISE(ABORT, 'collide'); END"))
    with store.session() as s:
        items = [{"uuid": o.uuid, "kind": o.kind, "payload": o.payload} for o in s.query(OutboxEntry)]
    r = _post_raw(sqlite_server, "/push", token, __import__("json").dumps({"items": items}).encode())
    assert r.status_code == 503 and r.headers["Retry-After"].isdigit() and r.json()["error"]
    engine = SyncEngine(store, SyncHTTP(sqlite_server.url, token))
    with pytest.raises(Transient):
        engine.cycle()
    assert set(sx.local_outbox(store).values()) == {"pending"}
    with sqlite_server.db.engine.begin() as c:
        c.execute(text("DROP TRIGGER collide"))
    assert engine.cycle().pushed == 2
    engine.close()


def _poison_trigger(db, when: str) -> None:
    # A real server-side failure at run time (OperationalError: malformed JSON -> HTTP 500)
    # for the rows the condition selects, as a server bug hit by one record's content would be.
    with db.engine.begin() as c:
        c.execute(text(f"CREATE TRIGGER poison BEFORE INSERT ON srv_record WHEN {when} BEGIN SELECT json('x'); END"))


def test_one_item_that_crashes_the_server_does_not_block_the_rest(ctx, sqlite_server, proxy_factory, sx):
    from hallclient.caselog import enqueue

    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 6, per_transaction=6)
    with store.session() as s:
        enqueue(s, "poison", {"x": 1})
    queue_cases(store, 6, per_transaction=6, seed=5)
    _poison_trigger(sqlite_server.db, "NEW.kind = 'poison'")
    proxy = proxy_factory(sqlite_server)
    engine = SyncEngine(store, SyncHTTP(proxy.url, token), batch=50)
    with pytest.raises(Transient) as first:  # one 500 may be a passing fault: no halving yet
        engine.cycle()
    assert first.value.status == 500 and len(proxy.log) == 1 and first.value.report.pending == 13
    with pytest.raises(Transient) as second:  # the same batch fails again: find the culprit
        engine.cycle()
    assert "1 条记录" in second.value.message
    assert (second.value.report.pushed, second.value.report.pending, second.value.report.rejected) == (12, 1, 0)
    assert len(sx.server_records(sqlite_server.db)) == 12
    assert len(proxy.log) < 1 + 2 * 6 + 2  # a bisection, not one request per item
    with sqlite_server.db.engine.begin() as c:
        c.execute(text("DROP TRIGGER poison"))
    assert engine.cycle().pushed == 1  # once the server is fixed it goes through, still pending
    engine.close()


def test_a_server_failing_on_everything_is_not_bisected_without_end(ctx, sqlite_server, proxy_factory, sx):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 64, per_transaction=64)
    _poison_trigger(sqlite_server.db, "1")
    proxy = proxy_factory(sqlite_server)
    engine = SyncEngine(store, SyncHTTP(proxy.url, token), batch=64)
    for _ in range(2):
        with pytest.raises(Transient):
            engine.cycle()
    engine.close()
    # 1 request in the first cycle; then 1 + 6 halvings down to one item + its neighbour.
    assert len(proxy.log) <= 1 + 1 + 6 + 1
    assert set(sx.local_outbox(store).values()) == {"pending"}
