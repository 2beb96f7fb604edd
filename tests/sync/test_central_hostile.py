"""Hostile values in otherwise well-formed pushes, on SQLite and PostgreSQL: every one is a
4xx (the batch or the item), nothing oversized is stored, the server keeps serving."""

from __future__ import annotations

import uuid

import pytest
import requests

from sync.server.admin import stats


def _ev(**p):
    base = {"case_id": str(uuid.uuid4()), "type": "accepted", "state": "accepted", "at": "2026-03-02T09:00:00+08:00"}
    base.update(p)
    return base


ITEMS = [
    ("case_no of 41 characters", "case.event", _ev(case_no="号" * 41)),
    ("state of 21 characters", "case.event", _ev(state="s" * 21)),
    ("type of 31 characters", "case.event", _ev(type="t" * 31)),
    ("case_id of 10,000 characters", "case.event", _ev(case_id="c" * 10_000)),
    ("case_id a number", "case.event", _ev(case_id=12)),
    ("at a number", "case.event", _ev(at=1700000000)),
    ("at with a 1-year offset", "case.event", _ev(at="2026-03-02T09:00:00+8760:00")),
    ("kind of 31 characters", "a" * 31, {}),
    ("kind with capitals", "Case.Event", {}),
    ("payload a list", "rating", [1, 2]),
    ("payload of 70 kB", "rating", {"x": "y" * 70_000}),
    ("inner payload a string", "case.event", _ev(payload="x")),
]


@pytest.mark.parametrize("name,kind,payload", ITEMS, ids=[i[0] for i in ITEMS])
def test_a_hostile_item_is_rejected_alone(server, sx, name, kind, payload):
    token = sx.new_device(server.db)
    good = {"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": _ev()}
    bad = {"uuid": str(uuid.uuid4()), "kind": kind, "payload": payload}
    r = requests.post(server.url + "/v1/push", json={"items": [good, bad]}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["accepted", "rejected"] and res[1]["code"] == 422 and res[1]["reason"]
    assert stats(server.db)["records"] == 1


def test_huge_numbers_and_long_keys_that_fit_are_stored_verbatim(server, sx):
    token = sx.new_device(server.db)
    payload = _ev(payload={"fee": 2**70, "neg": -(2**70), "k" * 1000: True, "tiny": 5e-324})
    r = requests.post(server.url + "/v1/push", json={"items": [{"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": payload}]},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "accepted", r.text


@pytest.mark.parametrize(
    "headers,status",
    [({"Content-Length": "abc"}, 400), ({"Authorization": "Bearer " + "x" * 5000}, 401), ({"Authorization": "Basic eDp5"}, 401),
     ({"Content-Encoding": "gzip, gzip"}, 415)],
    ids=["content-length not a number", "a 5000-character token", "basic auth", "stacked encodings"],
)
def test_hostile_headers(server, sx, headers, status):
    token = sx.new_device(server.db)
    h = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    h.update(headers)
    if "Content-Length" in headers:  # requests would correct it: send the bytes ourselves
        import socket

        raw = ("POST /v1/push HTTP/1.1\r\nHost: x\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n{}").encode()
        with socket.create_connection((server.host, server.port), timeout=10) as s:
            s.sendall(raw)
            answer = s.recv(4096)
        assert answer.split(b" ")[1].decode().startswith("4"), answer[:100]
        return
    r = requests.post(server.url + "/v1/push", data=b'{"items":[]}', headers=h, timeout=30)
    assert r.status_code == status, r.text
