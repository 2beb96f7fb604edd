"""On SQLite, readers (authentication, pull, bootstrap, stats) do not queue behind a writer;
writers still serialise at BEGIN IMMEDIATE."""

from __future__ import annotations

import sqlite3
import time
import uuid

import pytest
import requests

from sync.server.admin import stats


def test_readers_do_not_wait_for_a_writer(sqlite_server, sx):
    token = sx.new_device(sqlite_server.db)
    headers = {"Authorization": f"Bearer {token}"}
    url = sqlite_server.url + "/v1"
    path = sqlite_server.db.url[len("sqlite:///"):]
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # another writer mid-transaction (the busy timeout is 30 s)
    try:
        t = time.monotonic()
        assert requests.post(url + "/hello", headers=headers, json={}, timeout=5).status_code == 200
        r = requests.post(url + "/pull", headers=headers, json={"cursors": {"catalogue": ""}}, timeout=5)
        assert r.status_code == 200 and "catalogue" in r.json()["streams"]
        assert requests.get(url + "/bootstrap", headers=headers, timeout=5).status_code == 200
        assert stats(sqlite_server.db)["devices"] == 1
        assert time.monotonic() - t < 5
        item = {"uuid": str(uuid.uuid4()), "kind": "rating", "payload": {"level": 5}}
        with pytest.raises(requests.Timeout):  # a write still waits for the other writer
            requests.post(url + "/push", headers=headers, json={"items": [item]}, timeout=1)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    deadline = time.monotonic() + 10
    while stats(sqlite_server.db)["records"] != 1 and time.monotonic() < deadline:
        time.sleep(0.05)  # the waiting push commits once the writer is gone
    assert stats(sqlite_server.db)["records"] == 1
