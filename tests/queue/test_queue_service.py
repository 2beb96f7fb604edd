"""The hall queue service over real HTTP on loopback."""

import json
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from hallclient.queue.model import HALL_TZ, utc_now
from sync.hallqueue.server import LocalHall
from sync.hallqueue.client import QueueClient, QueueOffline
from sync.hallqueue.server import serve_in_background


@pytest.fixture
def client(any_service):
    """The whole hall's callers, on SQLite and on PostgreSQL."""
    c = LocalHall(any_service)
    yield c
    c.close()


def test_openapi_and_basic_flow(client, any_service):
    import requests

    spec = requests.get(any_service.url + "/openapi.json", timeout=5).json()
    assert "/windows/{code}/call-next" in spec["paths"] and "/events" in spec["paths"]
    a1 = client.issue("A")
    assert a1["ticket"]["no"] == "A001" and a1["people_ahead"] == 0 and a1["queue_name"] == "综合受理"
    assert client.issue("A", "elderly")["people_ahead"] == 1
    r = client.call_next("01")
    assert r["ok"] and r["ticket"]["no"] == "A002"  # priority first
    assert client.call_next("01")["event"]["outcome"] == "window_busy"
    assert client.end("01")["event"]["data"]["rating_requested"] is True
    assert client.issue("Z")["event"]["outcome"] == "unknown_queue"
    with pytest.raises(Exception) as e:
        client.call_next("99")
    assert "没有窗口 99" in e.value.message
    st = client.status()
    assert {q["prefix"]: q["waiting"] for q in st["queues"]}["A"] == 1
    assert st["recent_calls"][0]["ticket"] == "A002"


def test_ordinary_tickets_behind_many_priority_ones_are_still_called(client):
    # A green-channel morning: twelve elderly people took tickets before the first ordinary one.
    # With at most 2 priority calls in a row the third call must find the ordinary ticket,
    # however many priority tickets stand ahead of it.
    client.set_window("01", profile={"queues": ["A"], "mode": "order", "starvation": "ratio", "priority_ratio": 2})
    for _ in range(12):
        client.issue("A", "elderly")
    ordinary = client.issue("A")["ticket"]["no"]
    called = []
    for _ in range(3):
        r = client.call_next("01")
        assert r["ok"], r
        called.append(r["ticket"]["no"])
        client.end("01")
    assert called[:2] == ["A001", "A002"] and called[2] == ordinary


def test_window_actions_over_http(client):
    client.set_rules(no_show_after_calls=2, recall_min_gap_s=0, late_requeue="end")
    for _ in range(3):
        client.issue("A")
    assert client.call_next("01")["ticket"]["no"] == "A001"
    assert client.no_show("01")["event"]["outcome"] == "too_few_calls"
    assert client.recall("01")["ok"]
    assert client.no_show("01")["ok"]
    assert client.requeue("A001")["ok"]
    assert client.call_next("01")["ticket"]["no"] == "A002"
    assert client.park("01")["ok"]
    assert client.status("01")["parked"] == ["A002"]
    assert client.call_next("01")["ticket"]["no"] == "A003"
    assert client.transfer("01", to_window="04", keep_position=True)["ok"]
    assert client.call_next("04")["ticket"]["no"] == "A003"
    assert client.call_back("01", "A002")["ok"]
    assert client.end("01")["ok"]
    assert client.pause("01", "午休")["ok"]
    assert client.call_next("01")["message"] == "窗口已暂停，请先恢复"
    assert client.resume("01")["ok"]
    assert client.call_next("01")["ticket"]["no"] == "A001"  # the late-comer, at the end
    stats = client.stats("window")
    assert stats["01"]["no_shows"] == 1 and stats["01"]["called"] == 3  # waits count where first called


def test_appointment_check_in(client, any_service):
    # Appointments are for the hall's day: at noon (the service's clock), "3 hours later" is
    # still today; by the wall clock it was tomorrow after 21:00 and the test failed then.
    svc = any_service.config.app.state.queue_service
    now = datetime.now(HALL_TZ).replace(hour=12, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
    svc.clock = lambda: now
    client.add_appointment("YY0001", "B", (now + timedelta(minutes=5)).isoformat(), id_number="11010519491231002X")
    client.add_appointment("YY0002", "B", (now + timedelta(hours=3)).isoformat())
    assert client.check_in(code="YY0002")["event"]["outcome"] == "checkin_early"
    assert client.check_in(code="NOPE")["event"]["outcome"] == "not_found"
    r = client.check_in(id_number="11010519491231002x")
    assert r["ok"] and r["ticket"]["priority"] == "appointment" and r["appointment"] == "YY0001"
    assert client.check_in(code="YY0001")["event"]["outcome"] == "not_found"  # used once


def test_concurrent_call_next_never_double_calls(client, any_service):
    n_windows, n_tickets = 16, 240
    for i in range(n_windows):
        client.set_window(f"{i + 1:02d}", profile={"queues": ["A", "B"], "mode": "longest_wait"})
    for i in range(n_tickets):
        client.issue("AB"[i % 2], "elderly" if i % 7 == 0 else "")
    got: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n_windows)

    def window(code):
        c = LocalHall(any_service, timeout=30)
        barrier.wait()  # all windows start calling at the same moment
        while True:
            r = c.call_next(code)
            if not r["ok"]:
                assert r["event"]["outcome"] == "empty"
                return
            with lock:
                got.append(r["ticket"]["no"])
            assert c.end(code)["ok"]

    threads = [threading.Thread(target=window, args=(f"{i + 1:02d}",)) for i in range(n_windows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    counts = Counter(got)
    assert len(got) == n_tickets and max(counts.values()) == 1
    calls = [e for e in client.events(0, timeout=0, limit=5000)["events"] if e["type"] == "call" and e["outcome"] == "ok"]
    assert len(calls) == n_tickets and len({e["ticket"] for e in calls}) == n_tickets


def test_reconnecting_display_receives_every_call_exactly_once(client, any_service):
    for i in range(60):
        client.issue("A")
    seen: list[str] = []
    stop = threading.Event()
    cursor = [client.status()["cursor"]]

    def follow(max_batches):
        c = LocalHall(any_service)  # a fresh connection: as after a network drop
        for _ in range(max_batches):
            batch = c.events(cursor[0], timeout=2, limit=7)
            seen.extend(e["ticket"] for e in batch["events"] if e["type"] == "call" and e["outcome"] == "ok")
            cursor[0] = batch["cursor"]
            if stop.is_set() and not batch["events"]:
                return True
        c.close()
        return False

    def caller():
        c = LocalHall(any_service)
        for _ in range(60):
            c.call_next("01")
            c.end("01")
        stop.set()

    t = threading.Thread(target=caller)
    t.start()
    # The display drops its connection every 3 batches and comes back with its cursor.
    while not follow(3):
        pass
    t.join(60)
    assert len(seen) == 60 and len(set(seen)) == 60


def test_long_poll_wakes_on_new_event(client, any_service):
    cur = client.status()["cursor"]
    result = {}
    t = threading.Thread(target=lambda: result.update(client.events(cur, timeout=20)))
    t.start()
    LocalHall(any_service).issue("C")
    t.join(20)
    assert [e["ticket"] for e in result["events"]] == ["C001"]


def test_offline_service_gives_clear_message():
    c = QueueClient("http://127.0.0.1:9", timeout=1)
    with pytest.raises(QueueOffline) as e:
        c.call_next("01")
    assert "大厅排队系统离线" in e.value.message
    with pytest.raises(QueueOffline):
        QueueClient("").status()


def test_bench_command_reports_no_double_calls(cli, tmp_path):
    r = cli("queue", "bench", "--windows", "6", "--seconds", "2", "--think-ms", "50", data_dir=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["calls_made"] > 0 and out["double_calls"] == 0 and out["display_missed"] == 0
    assert set(out["call_next_latency_ms"]) >= {"p50", "p99"}


def test_reads_do_not_wait_for_the_write_lock(hall, service, tmp_path):
    client = hall
    """Another connection holds SQLite's write lock (as a long call-next would): status, events,
    queues, rules and stats still answer at once, because reads never send BEGIN IMMEDIATE."""
    import sqlite3
    import time

    client.issue("A")
    quick, slow = LocalHall(service, timeout=3), LocalHall(service, timeout=1)
    quick.as_("display"), quick.as_("admin"), slow.as_("kiosk")  # their tokens, issued before the lock is taken
    raw = sqlite3.connect(tmp_path / "queue.sqlite3", isolation_level=None, timeout=0)
    raw.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        t0 = time.monotonic()
        assert quick.status()["queues"][0]["waiting"] == 1
        assert quick.events(0, timeout=0)["events"][0]["ticket"] == "A001"
        assert quick.queues()[0]["prefix"] == "A"
        assert "recall_limit" in quick._do("GET", "/rules")
        assert quick.stats("queue") == {}  # issues only: nothing called yet
        assert time.monotonic() - t0 < 3
        with pytest.raises(QueueOffline):  # a write does wait for the lock (and times out here)
            slow.issue("A")
    finally:
        raw.execute("ROLLBACK")
        raw.close()


def test_stats_read_one_hall_day(tmp_path):
    """/stats reads the events of one hall day (today by default), not every event stored."""
    from datetime import date, datetime, timezone

    from hallclient.queue.model import day_bounds
    from sync.hallqueue.app import create_queue_app
    from sync.hallqueue.server import RunningServer
    from sync.hallqueue.service import QueueService

    now = [datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)]  # 09:00 on 2 March in the hall
    svc = QueueService(f"sqlite:///{tmp_path / 'q.sqlite3'}", clock=lambda: now[0])
    srv = RunningServer(create_queue_app("", service=svc)).start()
    try:
        c = LocalHall(srv)
        for _ in range(2):
            c.issue("A")
            c.call_next("01")
            c.end("01")
        now[0] += timedelta(days=1)  # 3 March
        c.issue("A")
        c.call_next("01")
        assert c.stats("window")["01"]["called"] == 1
        assert c.stats("window", day="2026-03-02")["01"]["called"] == 2
        assert c.stats("window", day="2026-03-04") == {}
        assert len(svc.all_events()) == 8 and len(svc.all_events(*day_bounds(date(2026, 3, 3)))) == 2
    finally:
        srv.close()


def test_contradicting_rules_and_bad_profiles_are_refused_over_http(client):
    from hallclient.errors import HallError

    with pytest.raises(HallError) as e:
        client.set_rules(recall_limit=0, no_show_after_calls=2)
    assert e.value.status == 422 and "既不能重呼也不能过号" in e.value.message
    assert client._do("GET", "/rules")["recall_limit"] == 3  # nothing stored
    with pytest.raises(HallError) as e:
        client.set_rules(late_requeue="later")
    assert "过号重排方式：不是允许的取值" in e.value.message and "'behind'" in e.value.message
    with pytest.raises(HallError) as e:
        client.set_window("09", profile={"queues": ["A"], "mode": "random"})
    assert "窗口工作方案.叫号方式：不是允许的取值" in e.value.message
    assert all(w["code"] != "09" for w in client.status()["windows"])  # not registered half-way
    assert client.set_rules(recall_limit=0, no_show_after_calls=1)["recall_limit"] == 0
