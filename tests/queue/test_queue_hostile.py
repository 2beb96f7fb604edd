"""The hall queue service met as a field installation meets it: callers without credentials or
with the wrong kind, oversized and malformed input. Nothing gets a 500, nothing oversized is
stored, and every refusal says in Chinese what was wrong (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
import requests

from sync.hallqueue.client import QueueClient, QueueRefused
from sync.hallqueue.server import LocalHall

WINDOW_ACTIONS = ["call-next", "recall", "no-show", "park", "resume", "end"]


@pytest.fixture
def svc(any_service):
    return any_service


@pytest.fixture
def hall(svc):
    h = LocalHall(svc)
    yield h
    h.close()


def send(srv, method, path, token=None, body=None, raw: bytes | None = None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        return requests.request(method, srv.url + path, data=raw, headers=headers, timeout=30, **kw)
    return requests.request(method, srv.url + path, json=body, headers=headers, timeout=30, **kw)


def operations(srv) -> list[tuple[str, str]]:
    spec = requests.get(srv.url + "/openapi.json", timeout=10).json()
    return [(m.upper(), p.replace("{code}", "03").replace("{prefix}", "A").replace("{ticket}", "A001"))
            for p, ops in spec["paths"].items() for m in ops]


def test_every_route_but_health_needs_a_live_token(svc, hall):
    ops = operations(svc)
    assert len(ops) >= 20
    tokens = [None, "", "not-a-token", "hq_" + "x" * 10_000, "\xff\xfe"]
    revoked = svc.service.tokens.issue("admin")
    assert svc.service.tokens.revoke(revoked["id"])
    for method, path in ops:
        for tok in tokens + [revoked["token"]]:
            r = send(svc, method, path, tok, body={})
            if path == "/health":
                assert r.status_code == 200
                continue
            assert r.status_code == 401, (method, path, tok and tok[:10], r.status_code, r.text[:200])
            assert r.headers.get("www-authenticate") == "Bearer"
            assert "凭据" in r.json()["detail"]


def test_each_kind_of_token_has_only_its_rights(svc, hall):
    hall.issue("A")
    display, kiosk = svc.token("display"), svc.token("kiosk")
    win3, admin = svc.token("window", "03"), svc.token("admin")
    expect = [  # (token, method, path, body, status)
        (display, "GET", "/status", None, 200), (display, "GET", "/events?timeout=0", None, 200),
        (display, "POST", "/tickets", {"queue": "A"}, 403), (display, "POST", "/windows/03/call-next", None, 403),
        (display, "PUT", "/rules", {"recall_limit": 1}, 403), (display, "GET", "/stats", None, 403),
        (kiosk, "POST", "/tickets", {"queue": "A"}, 200), (kiosk, "POST", "/appointments/check-in", {"code": "X1"}, 200),
        (kiosk, "POST", "/windows/03/call-next", None, 403), (kiosk, "PUT", "/rules", {}, 403),
        (kiosk, "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "2026-03-02T09:00:00+08:00"}, 403),
        (win3, "POST", "/windows/03/call-next", None, 200), (win3, "POST", "/windows/04/call-next", None, 403),
        (win3, "POST", "/windows/04/pause", {"reason": "午休"}, 403), (win3, "POST", "/tickets", {"queue": "A"}, 403),
        (win3, "PUT", "/windows/03", {"clerk": "王晓敏"}, 200),
        (win3, "PUT", "/windows/03", {"profile": {"queues": ["A", "B", "C"]}}, 403),  # registered: admin's to change
        (win3, "PUT", "/windows/04", {"clerk": "王晓敏"}, 403), (win3, "PUT", "/queues/Z", {"name": "新"}, 403),
        (win3, "GET", "/stats", None, 403),
        (admin, "POST", "/windows/05/pause", {"reason": "系统故障"}, 200), (admin, "POST", "/windows/05/resume", None, 200),
        (admin, "POST", "/windows/05/call-next", None, 403), (admin, "POST", "/tickets", {"queue": "A"}, 403),
        (admin, "PUT", "/rules", {"recall_limit": 2}, 200), (admin, "GET", "/stats?by=queue", None, 200),
    ]
    for tok, method, path, body, status in expect:
        r = send(svc, method, path, tok, body=body)
        assert r.status_code == status, (method, path, r.status_code, r.text[:300])
        if status == 403:
            assert "凭据" in r.json()["detail"]
    st = hall.status()
    w3 = next(w for w in st["windows"] if w["code"] == "03")
    assert w3["clerk"] == "王晓敏" and w3["profile"]["queues"] == ["A", "B"]  # the profile stayed


def test_the_client_turns_refusals_into_messages_for_people(svc):
    with pytest.raises(QueueRefused) as e:
        QueueClient(svc.url, token="wrong").call_next("03")
    assert e.value.status == 401 and "叫号服务凭据" in e.value.message and "设置" in e.value.message
    with pytest.raises(QueueRefused) as e:
        QueueClient(svc.url, token=svc.token("window", "03")).call_next("04")
    assert e.value.status == 403 and "窗口 03 的凭据不能操作窗口 04" in e.value.message
    with pytest.raises(QueueRefused) as e:
        QueueClient(svc.url, token=svc.token("kiosk")).issue("A" * 5)
    assert e.value.status == 422 and "业务类别" in e.value.message and "http" not in e.value.message


def test_bodies_over_64_kib_are_refused_unread(svc, hall):
    admin = svc.token("admin")
    big = {"name": "长" * (1 << 20)}
    r = send(svc, "PUT", "/queues/A", admin, body=big)
    assert r.status_code == 413 and "KiB" in r.json()["detail"]
    # Without Content-Length (chunked): refused once 64 KiB have come in.
    chunks = (json.dumps(big).encode()[i:i + 8192] for i in range(0, 3 << 20, 8192))
    r = requests.put(svc.url + "/queues/A", data=chunks, timeout=30,
                     headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    assert r.status_code == 413
    small = json.dumps({"name": "综合"}).encode()
    r = requests.put(svc.url + "/queues/A", data=iter([small[:5], small[5:]]), timeout=30,
                     headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    assert r.status_code == 200  # a small chunked body still goes through
    assert {q["prefix"]: q["name"] for q in hall.queues()}["A"] == "综合"


HOSTILE = [  # kind, method, path, body (dict, or bytes sent as is)
    ("admin", "PUT", "/queues/A", {"name": "x" * 41}),
    ("admin", "PUT", "/queues/A", {"name": ""}),
    ("admin", "PUT", "/queues/A", {"name": "综合\x00受理"}),
    ("admin", "PUT", "/queues/A", b'{"name": "\\ud800"}'),
    ("admin", "PUT", "/queues/A", b'{"name": "\\udfff\\ud800x"}'),
    ("admin", "PUT", "/queues/AAAAA", {"name": "x"}),
    ("admin", "PUT", "/queues/A1", {"name": "x"}),
    ("admin", "PUT", "/queues/A", b'{"name": '),
    ("admin", "PUT", "/queues/A", b'[1, 2]'),
    ("admin", "PUT", "/queues/A", b"[" * 30000 + b"]" * 30000),
    ("admin", "PUT", "/queues/A", b'{"name": "A", "extra": 1}'),
    ("kiosk", "POST", "/tickets", {"queue": "A" * 5}),
    ("kiosk", "POST", "/tickets", {"queue": "\x00"}),
    ("kiosk", "POST", "/tickets", {"queue": "A", "priority": "vip"}),
    ("kiosk", "POST", "/tickets", {"queue": 1}),
    ("kiosk", "POST", "/tickets", b'{"queue": NaN}'),
    ("kiosk", "POST", "/appointments/check-in", {"code": "x" * 21}),
    ("kiosk", "POST", "/appointments/check-in", {"id_number": "1" * 41}),
    ("kiosk", "POST", "/appointments/check-in", {"id_number": "11010519491231002X\x00"}),
    ("kiosk", "POST", "/tickets/A001%00/requeue", None),
    ("kiosk", "POST", "/tickets/" + "A" * 300 + "/requeue", None),
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "2026-03-02T09:30:00"}),  # naive
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "0001-01-01T00:00:00+14:00"}),
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "9999-12-31T23:59:59-14:00"}),
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "2026-13-45T09:00:00+08:00"}),
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "Q", "booked_at": "2026-03-02T09:00:00+08:00"}),  # no queue Q
    ("admin", "POST", "/appointments", {"code": "Y 1", "queue": "A", "booked_at": "2026-03-02T09:00:00+08:00"}),
    ("admin", "POST", "/appointments", {"code": "Y1", "queue": "A", "booked_at": "2026-03-02T09:00:00+08:00", "name": "名" * 61}),
    ("admin", "PUT", "/rules", {"recall_limit": 10**30}),
    ("admin", "PUT", "/rules", {"recall_limit": -1}),
    ("admin", "PUT", "/rules", {"late_requeue": "x" * 100_000}),
    ("admin", "PUT", "/rules", {"no_show_after_calls": 9, "recall_limit": 0}),
    ("admin", "PUT", "/rules", {"nonsense": 1}),
    ("admin", "PUT", "/windows/09", {"profile": {"queues": ["A"] * 65}}),
    ("admin", "PUT", "/windows/09", {"profile": {"queues": ["A"], "weights": {"长" * 5000: 1}}}),
    ("admin", "PUT", "/windows/09", {"profile": {"queues": ["A"], "weights": {"A": 10**9}}}),
    ("admin", "PUT", "/windows/09", {"profile": {"queues": ["Z"]}}),  # unknown queue
    ("admin", "PUT", "/windows/09", b'{"profile": {"queues": ["A"], "ageing_credit_min": Infinity}}'),
    ("admin", "PUT", "/windows/09", b'{"profile": {"queues": ["A"], "rules": [{"queue": "A", "waited_over_min": NaN}]}}'),
    ("admin", "PUT", "/windows/09", {"profile": {"queues": ["A"], "mode": "random"}}),
    ("admin", "PUT", "/windows/09", {"clerk": "王" * 41}),
    ("admin", "PUT", "/windows/09", {"name": "窗\x00口"}),
    ("admin", "PUT", "/windows/" + "9" * 9, {"name": "x"}),
    ("admin", "PUT", "/windows/0%009", {"name": "x"}),
    ("window03", "POST", "/windows/03/pause", {"reason": "午" * 101}),
    ("window03", "POST", "/windows/03/pause", {"reason": "\x00"}),
    ("window03", "POST", "/windows/03/call", {"ticket": "A" * 13}),
    ("window03", "POST", "/windows/03/call", {"ticket": "1A"}),
    ("window03", "POST", "/windows/03/transfer", {"to_window": "0" * 9}),
    ("window03", "POST", "/windows/03/transfer", {"to_queue": "ABCDE"}),
    ("window03", "POST", "/windows/03/transfer", {"keep_position": "perhaps"}),
    ("display", "GET", "/events?after=9223372036854775808", None),  # 2**63
    ("display", "GET", "/events?after=-1", None),
    ("display", "GET", "/events?after=1e400", None),
    ("display", "GET", "/events?timeout=nan", None),
    ("display", "GET", "/events?timeout=inf", None),
    ("display", "GET", "/events?limit=0", None),
    ("display", "GET", "/status?window=%00", None),
    ("display", "GET", "/status?window=" + "9" * 5000, None),
    ("display", "GET", "/status?window=%ED%A0%80", None),  # a lone surrogate, UTF-8 encoded
    ("admin", "GET", "/stats?day=0001-01-01", None),
    ("admin", "GET", "/stats?day=9999-12-31", None),
    ("admin", "GET", "/stats?day=2026-02-30", None),
    ("admin", "GET", "/stats?by=" + "x" * 1000, None),
]


def test_hostile_input_gets_a_4xx_with_a_reason_and_nothing_is_stored(svc, hall):
    tokens = {"admin": svc.token("admin"), "kiosk": svc.token("kiosk"), "display": svc.token("display"),
              "window03": svc.token("window", "03")}
    before = hall.status()
    for kind, method, path, body in HOSTILE:
        if isinstance(body, bytes):
            r = send(svc, method, path, tokens[kind], raw=body)
        else:
            r = send(svc, method, path, tokens[kind], body=body)
        assert 400 <= r.status_code < 500, (method, path, str(body)[:80], r.status_code, r.text[:300])
        if r.status_code in (413, 422):
            detail = r.json()["detail"]
            assert isinstance(detail, str) and len(detail) < 1000 and detail.isprintable()
    after = hall.status()
    for k in ("queues", "windows", "recent_calls"):
        assert after[k] == before[k], k  # nothing stored half-way
    assert all(e["type"] != "issue" for e in hall.events(0, timeout=0)["events"])
    assert hall._do("GET", "/rules")["recall_limit"] == 3
    # … and the service still works.
    assert hall.issue("A")["ok"] and hall.call_next("03")["ok"]


def test_boundary_values_are_accepted(svc, hall):
    """The largest of every bounded field is stored and served back whole."""
    hall.set_window("09", name="窗" * 40, profile={"queues": ["A"], "weights": {"A": 1000}}, clerk="䶮" * 40)
    w = next(w for w in hall.status()["windows"] if w["code"] == "09")
    assert w["name"] == "窗" * 40 and w["clerk"] == "䶮" * 40
    assert hall.pause("09", "𠀀" * 100)["ok"]
    r = hall.add_appointment("Y" * 20, "A", "2099-12-31T23:59:59+14:00", id_number="1" * 40, name="名" * 60)
    assert r == {"code": "Y" * 20}
    assert hall.events(2**63 - 1, timeout=0) == {"events": [], "cursor": 2**63 - 1}
    assert hall.stats("window", day="2000-01-01") == {}
