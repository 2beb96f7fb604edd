"""The central server refuses what is not the device's: another hall's cases, another
device's records, times no database can hold; decisions only for the case's own hall and only
after acceptance; a revoked device at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from sync.server import admin
from sync.server.admin import AdminError, stats
from sync.server.models import Record, ServerCase, StreamRow

HALL_A, HALL_B = "440300001", "440300002"


def _event(case_id, state="accepted", case_no=None, type_=None, **kw):
    p = {"case_id": case_id, "type": type_ or state, "state": state, "at": "2026-03-02T09:00:00+08:00"}
    if case_no:
        p["case_no"] = case_no
    item = {"uuid": str(uuid.uuid4()), "kind": "case.event", "payload": p}
    item.update(kw)
    return item


def _push(server, token, items):
    r = requests.post(server.url + "/v1/push", json={"items": items}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def _pull(server, token, stream, cursor=""):
    r = requests.post(server.url + "/v1/pull", json={"cursors": {stream: cursor}}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["streams"][stream]


def _case(db, case_id):
    with db.session() as s:
        return s.get(ServerCase, case_id)


def test_a_device_acts_only_on_its_own_halls_cases(server, sx):
    a, b = sx.new_device(server.db, "A 大厅 1号窗口", HALL_A), sx.new_device(server.db, "B 大厅 1号窗口", HALL_B)
    case_id = str(uuid.uuid4())
    assert _push(server, a, [_event(case_id, case_no=HALL_A + "20260302" + "01" + "000001")])[0]["status"] == "accepted"
    # Hall B withdraws (撤回) hall A's case, and rates it: both refused one by one, the rest stands.
    own = _event(str(uuid.uuid4()), case_no=HALL_B + "20260302" + "01" + "000001")
    res = _push(server, b, [_event(case_id, "withdrawn"), {"uuid": str(uuid.uuid4()), "kind": "rating", "payload": {"case_id": case_id, "level": 1}}, own])
    assert [(r["status"], r.get("code")) for r in res] == [("rejected", 403), ("rejected", 403), ("accepted", None)]
    assert "其他大厅" in res[0]["reason"]
    c = _case(server.db, case_id)
    assert (c.state, c.hall_code, c.events) == ("accepted", HALL_A, 1)
    # A new case of hall B carrying a number hall A issued is refused too.
    res = _push(server, b, [_event(str(uuid.uuid4()), case_no=HALL_A + "20260302" + "01" + "000002")])
    assert (res[0]["status"], res[0]["code"]) == ("rejected", 403)
    assert stats(server.db)["records"] == 2
    # Hall B's cases_today does not show hall A's case.
    assert case_id not in [r["key"] for r in _pull(server, b, "cases_today")["rows"]]


def test_another_devices_record_is_not_confirmed(server, sx):
    a, b = sx.new_device(server.db, "1号窗口"), sx.new_device(server.db, "2号窗口")  # the same hall
    items = [_event(str(uuid.uuid4())) for _ in range(3)]
    first = _push(server, a, items)
    replay = _push(server, b, items)
    assert all(r["status"] == "rejected" and r["code"] == 409 for r in replay)
    assert all("id" not in r and "received_at" not in r for r in replay)  # nothing about A's records leaks
    again = _push(server, a, items)  # the owner's replay is a repeat with the earlier result
    assert [(r["id"], r["repeat"]) for r in again] == [(r["id"], True) for r in first]
    with server.db.session() as s:
        assert len(set(s.scalars(select(Record.device_id)))) == 1


BAD_TIMES = ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-14:00",
             "9999-12-31T23:59:59+14:00", "1969-12-31T23:59:59+00:00", "2200-01-01T00:00:00+00:00",
             "2026-03-02T09:00:00+24:00", "2026-03-02T09:00:00", "2026-13-02T09:00:00+08:00", "now"]


@pytest.mark.parametrize("when", BAD_TIMES)
def test_timestamps_get_a_4xx_never_a_500(server, sx, when):
    token = sx.new_device(server.db)
    in_payload = _event(str(uuid.uuid4()))
    in_payload["payload"]["at"] = when
    res = _push(server, token, [_event(str(uuid.uuid4()), created_at=when), in_payload, _event(str(uuid.uuid4()))])
    assert [(r["status"], r.get("code")) for r in res] == [("rejected", 422), ("rejected", 422), ("accepted", None)]
    assert "created_at" in res[0]["reason"] and "at" in res[1]["reason"]
    assert stats(server.db)["records"] == 1


def test_edge_times_that_fit_are_stored(server, sx):
    token = sx.new_device(server.db)
    res = _push(server, token, [_event(str(uuid.uuid4()), created_at="1970-01-01T13:59:59+14:00")])
    assert res[0]["status"] == "rejected"  # 1969 in UTC
    res = _push(server, token, [_event(str(uuid.uuid4()), created_at="2199-12-31T10:00:00-13:59")])
    assert res[0]["status"] == "accepted"


def test_decide_names_a_case_by_id_when_its_number_is_reused(server, sx):
    a, b = sx.new_device(server.db, "A", HALL_A), sx.new_device(server.db, "B", HALL_B)
    ca, cb = str(uuid.uuid4()), str(uuid.uuid4())
    _push(server, a, [_event(ca, case_no="SAME-1")])
    _push(server, b, [_event(cb, case_no="SAME-1")])
    with pytest.raises(AdminError) as e:
        admin.decide(server.db, "SAME-1", approve=True)
    assert ca in str(e.value) and cb in str(e.value) and "--hall" in str(e.value)
    r = admin.decide(server.db, cb, approve=False, reason="材料不全")
    assert (r["case_id"], r["hall_code"], r["state"]) == (cb, HALL_B, "denied")
    assert admin.decide(server.db, "SAME-1", approve=True, hall_code=HALL_A)["case_id"] == ca
    # Each hall's approvals stream carries only its own decision.
    assert [row["key"] for row in _pull(server, a, "approvals")["rows"]] == [ca]
    assert [row["key"] for row in _pull(server, b, "approvals")["rows"]] == [cb]


def test_decide_only_as_a_legal_transition(server, sx):
    token = sx.new_device(server.db)
    refused, withdrawn, done = (str(uuid.uuid4()) for _ in range(3))
    _push(server, token, [_event(refused, "refused"), _event(withdrawn, "withdrawn"), _event(done, "accepted")])
    for case_id in (refused, withdrawn):
        with pytest.raises(AdminError, match="只有已受理的办件可以审批"):
            admin.decide(server.db, case_id, approve=True)
    admin.decide(server.db, done, approve=True)
    with pytest.raises(AdminError, match="已有审批决定"):
        admin.decide(server.db, done, approve=False)
    assert _case(server.db, refused).decision is None and _case(server.db, done).state == "approved"
    assert [row["key"] for row in _pull(server, token, "approvals")["rows"]] == [done]


def test_a_revoked_device_is_refused_at_once(server, sx):
    token = sx.new_device(server.db)
    assert requests.post(server.url + "/v1/hello", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    [dev] = admin.list_devices(server.db)
    assert admin.revoke_device(server.db, dev["device_id"])["revoked"] is True
    for path, body in (("/hello", {}), ("/push", {"items": [_event(str(uuid.uuid4()))]}), ("/pull", {"cursors": {"users": ""}})):
        r = requests.post(server.url + "/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 401 and "吊销" in r.json()["error"]
    assert stats(server.db)["records"] == 0
    with pytest.raises(AdminError):
        admin.revoke_device(server.db, str(uuid.uuid4()))


def test_cases_today_carries_only_the_days_cases(server, sx):
    from sync.server.service import day_start

    token = sx.new_device(server.db)
    old, new = str(uuid.uuid4()), str(uuid.uuid4())
    _push(server, token, [_event(old), _event(new)])
    with server.db.session() as s:  # the old case last changed yesterday (halls' time)
        s.execute(update(StreamRow).where(StreamRow.key == old).values(changed_at=day_start() - timedelta(minutes=1)))
    page = _pull(server, token, "cases_today")
    assert [r["key"] for r in page["rows"]] == [new]
    hw = requests.get(server.url + "/v1/bootstrap", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["high_water"]
    assert hw["cases_today"] == page["cursor"]
    # The next writer of the stream removes earlier days' rows (once per day and process).
    from sync.server import service

    service._pruned_before.clear()
    _push(server, token, [_event(str(uuid.uuid4()))])
    with server.db.session() as s:
        assert s.scalars(select(StreamRow).where(StreamRow.key == old)).first() is None
        assert s.scalars(select(StreamRow).where(StreamRow.key == new)).first() is not None
