"""The reference server refuses malformed and hostile input with a 4xx and a reason, and
changes nothing; a repeated UUID gets the earlier result."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
import requests
from fastapi import FastAPI

from sync.server.admin import stats


def _event(case_id=None, **kw):
    p = {"case_id": case_id or str(uuid.uuid4()), "case_no": "T-1", "type": "accepted", "state": "accepted", "at": "2026-03-02T09:00:00+08:00"}
    p.update(kw)
    return {"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": p}


def _post(server, path, token, **kw):
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(server.url + "/v1" + path, headers=headers, timeout=10, **kw)


HOSTILE = [
    ("not json", dict(data=b"\x00\x01garbage"), 400),
    ("json array", dict(json=[1, 2]), 422),
    ("items not a list", dict(json={"items": "x"}), 422),
    ("item not an object", dict(json={"items": [1]}), 422),
    ("bad uuid", dict(json={"items": [{"uuid": "1; DROP TABLE srv_record", "kind": "x", "payload": {}}]}), 422),
    ("unknown field", dict(json={"items": [{"uuid": str(uuid.uuid4()), "kind": "x", "payload": {}, "admin": True}]}), 422),
    ("too many", dict(json={"items": [_event() for _ in range(1001)]}), 413),
    ("broken gzip", dict(data=b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"}), 400),
    ("gzip bomb", dict(data=gzip.compress(b" " * (40 * 1024 * 1024)), headers={"Content-Encoding": "gzip"}), 413),
    ("unknown encoding", dict(data=b"{}", headers={"Content-Encoding": "br"}), 415),
]


@pytest.mark.parametrize("name,kw,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_push_is_refused_and_changes_nothing(server, sx, name, kw, status):
    token = sx.new_device(server.db)
    before = stats(server.db)
    r = _post(server, "/push", token, **kw)
    assert r.status_code == status, r.text
    assert r.json()["error"]  # a reason, in Chinese
    assert stats(server.db) == before


def test_authentication(server, sx):
    assert _post(server, "/push", None, json={"items": []}).status_code == 401
    r = _post(server, "/push", "forged-token", json={"items": [_event()]})
    assert r.status_code == 401 and "令牌" in r.json()["error"]
    assert stats(server.db)["records"] == 0


def test_repeat_answers_earlier_result_and_reuse_is_refused(server, sx):
    token = sx.new_device(server.db)
    ev = _event()
    first = _post(server, "/push", token, json={"items": [ev]}).json()["results"][0]
    again = _post(server, "/push", token, json={"items": [ev]}).json()["results"][0]
    assert first["status"] == again["status"] == "accepted"
    assert again["repeat"] is True and again["id"] == first["id"] and again["received_at"] == first["received_at"]
    forged = dict(ev, payload=dict(ev["payload"], state="approved"))
    res = _post(server, "/push", token, json={"items": [forged]}).json()["results"][0]
    assert res["status"] == "rejected" and res["code"] == 409
    assert stats(server.db)["records"] == 1


@pytest.mark.parametrize(
    "payload,reason",
    [
        ({"type": "accepted", "state": "accepted", "at": "2026-03-02T09:00:00+08:00"}, "case_id"),
        ({"case_id": "x" * 37, "type": "a", "state": "s", "at": "2026-03-02T09:00:00+08:00"}, "case_id"),
        ({"case_id": "c1", "type": "a", "state": "s", "at": "2026-03-02T09:00:00"}, "at"),
        ({"case_id": "c1", "type": "a", "state": "s", "at": "2026-03-02T09:00:00+08:00", "payload": [1]}, "payload"),
        ({"case_id": "c1", "type": "a", "state": "s", "at": "2026-03-02T09:00:00+08:00", "blob": "x" * 70000}, "KB"),
    ],
)
def test_invalid_items_are_rejected_one_by_one(server, sx, payload, reason):
    token = sx.new_device(server.db)
    good = _event()
    bad = {"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": payload}
    res = _post(server, "/push", token, json={"items": [good, bad]}).json()["results"]
    assert [r["status"] for r in res] == ["accepted", "rejected"]
    assert reason in res[1]["reason"] and res[1]["code"] == 422
    assert stats(server.db)["records"] == 1


@pytest.mark.parametrize(
    "body,status",
    [({"cursors": {"nope": ""}}, 422), ({"cursors": {"catalogue": "-1"}}, 422), ({"cursors": {"catalogue": 5}}, 422), ({"cursors": {}, "limit": 0}, 422), ({}, 422)],
)
def test_bad_pull_requests(server, sx, body, status):
    token = sx.new_device(server.db)
    r = _post(server, "/pull", token, json=body)
    assert r.status_code == status and r.json()["error"]


def test_openapi_is_served_and_a_sub_application_mounts_in_one_line(sqlite_url):
    from sync.server import create_app
    from sync.server.run import ServerThread

    app = create_app(sqlite_url)
    queue = FastAPI()

    @queue.get("/ping")
    def ping():
        return {"pong": True}

    app.mount("/queue", queue)  # what the lead does with sync.hallqueue.create_queue_app
    st = ServerThread(sqlite_url, app=app).start()
    try:
        spec = requests.get(st.url + "/openapi.json", timeout=10).json()
        assert {"/v1/push", "/v1/pull", "/v1/hello", "/v1/bootstrap", "/v1/health"} <= set(spec["paths"])
        assert requests.get(st.url + "/queue/ping", timeout=10).json() == {"pong": True}  # no device token needed
        assert requests.get(st.url + "/docs", timeout=10).status_code == 200
    finally:
        st.stop()


def test_pull_is_ordered_paged_and_hall_scoped(server, sx):
    from sync.server import admin

    token = sx.new_device(server.db, hall="440300001")
    other = sx.new_device(server.db, name="别的大厅", hall="440300002")
    admin.load_appointments(server.db, "440300001", [{"id": f"A{n}", "name": "预约"} for n in range(7)])
    admin.load_appointments(server.db, "440300002", [{"id": "B1"}])
    seen, cursor = [], ""
    while True:
        page = _post(server, "/pull", token, json={"cursors": {"appointments": cursor}, "limit": 3}).json()["streams"]["appointments"]
        seen += [(r["seq"], r["key"]) for r in page["rows"]]
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert [k for _, k in seen] == [f"A{n}" for n in range(7)]
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    page = _post(server, "/pull", other, json={"cursors": {"appointments": ""}}).json()["streams"]["appointments"]
    assert [r["key"] for r in page["rows"]] == ["B1"]
    # an update moves the row to the end of the stream: a device at the cursor sees only it
    admin.load_appointments(server.db, "440300001", [{"id": "A3", "name": "改期"}])
    page = _post(server, "/pull", token, json={"cursors": {"appointments": cursor}}).json()["streams"]["appointments"]
    assert [(r["key"], r["data"]["name"]) for r in page["rows"]] == [("A3", "改期")]
