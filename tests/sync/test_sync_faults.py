"""Failure is the point: whatever the network and the server do, every record reaches the
server exactly once, and nothing is lost locally."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import update

from hallclient.caselog import enqueue
from hallclient.models import OutboxEntry
from sync.drill import queue_cases
from sync.engine import SyncEngine, counts
from sync.transport import SyncFailure, SyncHTTP


def _engine(store, url, token, batch=10, read_timeout=30.0):
    return SyncEngine(store, SyncHTTP(url, token, connect_timeout=2, read_timeout=read_timeout), batch=batch)


def _sync_until_done(engine, max_cycles=30):
    failures = []
    for _ in range(max_cycles):
        try:
            return engine.cycle(), failures
        except SyncFailure as e:
            failures.append(e.message)
    raise AssertionError(f"sync never completed: {failures[-3:]}")


def test_every_fault_then_exactly_once(ctx, server, proxy_factory, sx):
    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    queue_cases(store, 60, per_transaction=20)
    proxy = proxy_factory(server)
    faults = ["drop_request", "drop_response", "error500", "garbage", "reset_mid_body", "cut_request", "delay:2", "drop_response"]
    proxy.plan(faults)
    engine = _engine(store, proxy.url, token, batch=10, read_timeout=0.5)
    report, failures = _sync_until_done(engine)
    engine.close()
    assert len(failures) == len(faults)  # each fault cost one attempt, none was fatal
    assert [f for _, f in proxy.log[: len(faults)]] == faults

    held = sx.server_records(server.db)
    local = sx.local_outbox(store)
    assert set(held) == set(local)  # nothing lost
    assert set(held.values()) == {1}  # nothing doubled
    assert set(local.values()) == {"sent"}
    assert report.pending == 0 and report.rejected == 0 and report.rejected_now == 0
    from sync.server.admin import stats

    assert stats(server.db)["cases"] == 60


def test_rejected_item_is_parked_and_does_not_block(ctx, server, sx):
    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    queue_cases(store, 5, per_transaction=5)
    with store.session() as s:
        # One item the server judges invalid (per-item 422) and one whose UUID is malformed,
        # which makes the server refuse its whole batch (found by halving the batch).
        enqueue(s, "case.event", {"type": "accepted", "state": "accepted", "at": "2026-01-05T09:00:00+08:00"})
        enqueue(s, "rating", {"level": 5}, uuid="not-a-uuid")
    queue_cases(store, 5, per_transaction=5, seed=8)
    engine = _engine(store, server.url, token, batch=50)
    report = engine.cycle()
    engine.close()
    assert report.pushed == 10 and report.rejected == report.rejected_now == 2 and report.pending == 0
    with store.session() as s:
        parked = {r.uuid: r.last_error for r in s.query(OutboxEntry).filter_by(status="rejected")}
    assert len(parked) == 2
    assert "case_id" in next(v for k, v in parked.items() if k != "not-a-uuid")
    assert "uuid" in parked["not-a-uuid"] and "422" in parked["not-a-uuid"]
    assert len(sx.server_records(server.db)) == 10
    # A second cycle does not resend parked items; `rejected` is still what is parked now
    # (the meaning `sync status` has), `rejected_now` what this cycle parked.
    engine = _engine(store, server.url, token)
    again = engine.cycle()
    engine.close()
    assert (again.pushed, again.rejected, again.rejected_now) == (0, 2, 0)
    assert again.rejected == counts(store).rejected


def test_server_restarted_mid_sync(ctx, server, proxy_factory, sx):
    from sync.server.run import ServerThread

    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    queue_cases(store, 80, per_transaction=40)
    proxy = proxy_factory(server)
    proxy.default = "delay:0.2"  # slow enough to stop the server between batches
    engine = _engine(store, proxy.url, token, batch=5, read_timeout=5)
    import threading

    outcome = {}

    def run():
        try:
            outcome["report"] = engine.cycle()
        except SyncFailure as e:
            outcome["error"] = e.message

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 30
    while len(sx.server_records(server.db)) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    url = server.db.url
    server.stop()  # mid-sync: the cycle fails with batches still pending
    t.join(30)
    assert "error" in outcome, outcome
    assert counts(store).pending > 0
    again = ServerThread(url, port=server.port).start()  # same port, same database
    try:
        proxy.default = "pass"
        report, _ = _sync_until_done(engine)
        held = sx.server_records(again.db)
        assert len(held) == 80 and set(held.values()) == {1}
        assert report.pending == 0
    finally:
        engine.close()
        again.stop()


def test_kill_9_client_mid_push(data_dir, server, proxy_factory, sx, cli):
    from hallclient.context import open_context

    token = sx.new_device(server.db)
    proxy = proxy_factory(server)
    with open_context(data_dir, seed=True) as c:
        sx.registered_store(c, proxy.url, token)
        queue_cases(c.store, 120, per_transaction=60)
    proxy.default = "delay:0.15"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen(
        [sys.executable, "-m", "hallclient", "--data-dir", str(data_dir), "sync", "--batch", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    deadline = time.monotonic() + 60
    while len(sx.server_records(server.db)) < 20 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < len(sx.server_records(server.db)) < 120  # it really died mid-push
    proxy.default = "pass"
    r = cli("sync", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    import json

    out = json.loads(r.stdout)
    assert out["pending"] == 0 and out["rejected"] == 0
    held = sx.server_records(server.db)
    assert len(held) == 120 and set(held.values()) == {1}
    with open_context(data_dir, seed=True) as c:
        local = sx.local_outbox(c.store)
    assert set(local) == set(held) and set(local.values()) == {"sent"}


def test_two_clients_on_one_data_directory_are_refused(ctx, cli):
    r = cli("sync", data_dir=ctx.data_dir.root)  # ctx (this process) holds the directory
    assert r.returncode == 3
    assert "已被另一个窗口客户端使用" in r.stderr


def test_timeout_is_outcome_unknown_and_retried_with_same_uuids(ctx, server, proxy_factory, sx):
    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    queue_cases(store, 3, per_transaction=3)
    proxy = proxy_factory(server)
    proxy.plan(["delay:1.5"])
    engine = _engine(store, proxy.url, token, read_timeout=0.3)
    with pytest.raises(SyncFailure) as e:
        engine.cycle()
    assert "超时" in e.value.message
    # the server commits the batch meanwhile (after the proxy's 1.5 s; longer on a busy machine)
    deadline = time.monotonic() + 20
    while len(sx.server_records(server.db)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(sx.server_records(server.db)) == 3
    with store.session() as s:
        assert {r.status for r in s.query(OutboxEntry)} == {"pending"}
        assert all(r.attempts == 1 for r in s.query(OutboxEntry))
    report = engine.cycle()
    engine.close()
    assert report.pushed == 3
    assert set(sx.server_records(server.db).values()) == {1}
