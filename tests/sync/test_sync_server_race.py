"""A back-office decision and a window's push on the same case, interleaved on PostgreSQL (the
only backend that runs them concurrently): the decision must survive."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import select, text

from sync.server import admin, service
from sync.server.models import ServerCase
from sync.server.store import ServerDB


def _event(case_id: str, state: str) -> dict:
    payload = {"case_id": case_id, "case_no": "R-1", "type": state, "state": state, "at": "2026-03-02T09:00:00+08:00"}
    return {"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": payload}


def _wait_for_lock_waiters(db: ServerDB, n: int, errors: list, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with db.engine.connect() as c:
        while time.monotonic() < deadline:
            waiting = c.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
            ).scalar()
            c.rollback()  # PostgreSQL caches pg_stat_activity for the rest of a transaction
            if waiting >= n:
                return
            time.sleep(0.02)
    raise AssertionError(f"expected {n} sessions waiting on a lock; errors: {errors}")


def test_decision_is_not_overwritten_by_a_concurrent_push(server_db_url, sx):
    if not server_db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises write transactions at BEGIN IMMEDIATE: no interleaving to test")
    db = ServerDB(server_db_url)
    try:
        sx.new_device(db)
        dev = service.authenticate(db, sx.new_device(db))
        case_id = str(uuid.uuid4())
        service.push(db, dev, [_event(case_id, "accepted")])
        errors: list[BaseException] = []

        def run(fn):
            def wrapped():
                try:
                    fn()
                except BaseException as e:  # noqa: BLE001 - reported by the assertion below
                    errors.append(e)

            t = threading.Thread(target=wrapped)
            t.start()
            return t

        # Hold the stream counter so both writers stop at it, in the order that loses the
        # decision when the push reads the case before taking any lock.
        gate = db.engine.connect()
        gate.begin()
        gate.execute(text("SELECT value FROM srv_counter FOR UPDATE"))
        decide = run(lambda: admin.decide(db, "R-1", approve=True))
        _wait_for_lock_waiters(db, 1, errors)  # decide holds the case row, waits for the counter
        push = run(lambda: service.push(db, dev, [_event(case_id, "in_review")]))
        _wait_for_lock_waiters(db, 2, errors)  # the push waits too (for the case row, or the counter)
        gate.rollback()
        gate.close()
        decide.join(20)
        push.join(20)
        assert not errors, errors
        with db.session() as s:
            c = s.scalars(select(ServerCase).where(ServerCase.case_id == case_id)).one()
            assert (c.decision, c.state, c.last_event, c.events) == ("approve", "approved", "in_review", 2)
    finally:
        db.close()
