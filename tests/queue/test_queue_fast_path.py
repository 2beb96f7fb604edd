"""The queue service's fast path (issue 12, "50 ms also when pressed"): the hot requests answered
before FastAPI's routing, long polls from memory, group commit on PostgreSQL, checkpoints off
the commit path, and an answered call surviving a kill -9 of the service."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
import requests

from hallclient.queue.model import QueueEvent
from sync.hallqueue.server import LocalHall
from sync.hallqueue.service import EventRing, QueueService, UnknownWindow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hall(any_service):
    c = LocalHall(any_service)
    yield c
    c.close()


def _ev(seq: int) -> dict:
    return {"seq": seq}


def test_event_ring_answers_only_what_it_holds_without_gaps():
    ring = EventRing(last_seq=10, size=4)
    assert ring.after(10, 100) == ([], 10)
    assert ring.after(9, 100) is None  # before the ring: read the table
    ring.extend([_ev(11), _ev(12), _ev(13)])
    assert ring.after(10, 100) == ([_ev(11), _ev(12), _ev(13)], 13)
    assert ring.after(11, 1) == ([_ev(12)], 12)
    assert ring.after(13, 100) == ([], 13)
    ring.extend([_ev(14), _ev(15)])  # full: 11 drops out
    assert ring.after(10, 100) is None and ring.after(11, 100)[0] == [_ev(12), _ev(13), _ev(14), _ev(15)]
    ring.extend([_ev(18)])  # a gap (another process, a lost sequence value): start afresh
    assert ring.after(15, 100) is None and ring.after(17, 100) == ([_ev(18)], 18)


def test_long_polls_from_memory_match_the_table(hall, any_service):
    svc = any_service.service
    for i in range(6):
        hall.issue("AB"[i % 2], "elderly" if i == 3 else "")
    hall.call_next("01")
    hall.transfer("01", to_queue="B")
    hall.call_next("03")
    hall.pause("05", "午休")
    cursor = svc.notifier.last_seq
    for after in range(cursor - 9, cursor + 1):
        cached = svc.events_cached(after, 500)
        assert cached is not None, after
        assert cached == svc.events_stored(after, 500)
    # What a display receives over HTTP (the fast path) is the table's content too.
    got = hall.events(cursor - 9, timeout=0)
    assert (got["events"], got["cursor"]) == svc.events_stored(cursor - 9, 500)


def _post(srv, path: str, token: str | None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(srv.url + path, headers=headers, timeout=10, **kw)


def test_fast_path_refusals_are_the_apps(any_service):
    """What the fast path does not take goes to FastAPI: same statuses, same Chinese reasons."""
    srv = any_service
    w01, display, kiosk = srv.token("window", "01"), srv.token("display"), srv.token("kiosk")
    assert _post(srv, "/windows/01/call-next", None).status_code == 401
    assert _post(srv, "/windows/01/call-next", "hq_made_up").status_code == 401
    other = _post(srv, "/windows/02/call-next", w01)
    assert other.status_code == 403 and "窗口 01 的凭据不能操作窗口 02" in other.json()["detail"]
    assert _post(srv, "/windows/01/call-next", display).status_code == 403
    assert _post(srv, "/tickets", display, json={"queue": "A"}).status_code == 403
    bad = _post(srv, "/tickets", kiosk, json={"queue": "A", "priority": "vip"})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)
    assert _post(srv, "/tickets", kiosk, json={"queue": "A", "extra": 1}).status_code == 422
    unknown = _post(srv, "/windows/99/call-next", srv.token("window", "99"))
    assert unknown.status_code == 404 and "没有窗口 99" in unknown.json()["detail"]
    bad_poll = requests.get(srv.url + "/events", params={"after": -1}, headers={"Authorization": f"Bearer {display}"}, timeout=10)
    assert bad_poll.status_code == 422
    # And the plain requests are answered (by the fast path) as the routes answer them.
    issued = _post(srv, "/tickets", kiosk, json={"queue": "A"})
    assert issued.status_code == 200 and issued.json()["ticket"]["no"] == "A001"
    called = _post(srv, "/windows/01/call-next", w01).json()
    assert called["ok"] and called["ticket"]["no"] == "A001" and called["event"]["type"] == "call"
    assert _post(srv, "/windows/01/end", w01).json()["ok"]


def test_group_commit_one_failing_action_leaves_the_others_committed(queue_db_url):
    """Actions committed together (what PostgreSQL's writer does under load): one that fails
    rolls the group back and each action runs again alone, so it undoes only itself."""
    svc = QueueService(queue_db_url)
    try:
        svc.group_commit = True
        def wrote_then_failed():
            def fn(raw, now):
                svc._record(raw, QueueEvent("pause", "ok", now, window="02"))
                raw.run("UPDATE q_window SET clerk = 'x' WHERE code = '02'")
                raise ValueError("refused after writing")
            return svc._act(fn)

        futures = [Future() for _ in range(5)]
        jobs = [(svc.issue, ("A",), futures[0]), (svc.call_next, ("99",), futures[1]), (wrote_then_failed, (), futures[4]),
                (svc.call_next, ("01",), futures[2]), (svc.issue, ("B",), futures[3])]
        svc._run_batch(jobs)
        assert futures[0].result()["ticket"]["no"] == "A001"
        with pytest.raises(UnknownWindow):
            futures[1].result()
        with pytest.raises(ValueError):
            futures[4].result()
        assert futures[2].result()["ticket"]["no"] == "A001"
        assert futures[3].result()["ticket"]["no"] == "B001"
        assert [w["clerk"] for w in svc.status()["windows"] if w["code"] == "02"] == [""]  # undone
        stored, _ = svc.events_stored(0, 100)
        assert [(e["type"], e["ticket"]) for e in stored] == [("issue", "A001"), ("call", "A001"), ("issue", "B001")]
        # PostgreSQL lost a sequence value to the rollback: the ring restarted after the gap and
        # a cursor before it is answered from the table; either way the same events.
        assert svc.events_after(0, 100) == (stored, stored[-1]["seq"])
        assert svc.events_cached(stored[-2]["seq"], 100) == ([stored[-1]], stored[-1]["seq"])
        # Through the writer thread too, as the app submits them.
        assert svc.submit_action(svc.issue, "C").result(30)["ticket"]["no"] == "C001"
    finally:
        svc.close()


def test_the_writer_never_checkpoints_and_the_checkpointer_does(tmp_path):
    db = tmp_path / "queue.sqlite3"
    svc = QueueService(f"sqlite:///{db}")
    try:
        svc._checkpointer.close()
        assert svc.issue("A")["ok"]
        assert svc._raw.one("PRAGMA wal_autocheckpoint")[0] == 0
        snapshot = tmp_path / "copy.sqlite3"
        shutil.copy(db, snapshot)  # the main file alone: what is not checkpointed is not there
        with sqlite3.connect(snapshot) as c:
            assert c.execute("SELECT count(*) FROM q_ticket").fetchone()[0] == 0
        svc._checkpointer = type(svc._checkpointer)(str(db), every_s=0.05)
        deadline = time.monotonic() + 20
        while True:
            shutil.copy(db, snapshot)
            with sqlite3.connect(snapshot) as c:
                if c.execute("SELECT count(*) FROM q_ticket").fetchone()[0] == 1:
                    break
            assert time.monotonic() < deadline, "the checkpointer never copied the WAL"
            time.sleep(0.05)
    finally:
        svc.close()


def test_an_answered_call_survives_kill_9_of_the_service(queue_db_url, tmp_path):
    """Durability is not traded for speed: what the service answered is in the database after
    the process is killed without warning (SQLite WAL + synchronous=NORMAL; PostgreSQL's
    group commit answers only after its commit)."""
    from sync.hallqueue.bench import bench_tokens

    tokens = bench_tokens(queue_db_url, ["01"])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "hallclient", "--data-dir", str(tmp_path), "queue", "serve", "--db", queue_db_url,
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
    try:
        url = json.loads(proc.stdout.readline())["url"]
        for _ in range(3):
            assert requests.post(url + "/tickets", json={"queue": "A"}, headers={"Authorization": f"Bearer {tokens['kiosk']}"},
                                 timeout=10).json()["ok"]
        called = requests.post(url + "/windows/01/call-next", headers={"Authorization": f"Bearer {tokens['01']}"}, timeout=10).json()
        assert called["ok"]
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    svc = QueueService(queue_db_url, seed_demo=False)
    try:
        events, _ = svc.events_stored(0, 100)
        assert [e["ticket"] for e in events if e["type"] == "call"] == [called["ticket"]["no"]]
        assert svc.status()["windows"][0]["current"] == called["ticket"]["no"]
    finally:
        svc.close()


def test_mounted_under_queue_the_fast_path_still_answers(tmp_path, monkeypatch):
    """`hallclient server` mounts the queue app under /queue: the hot requests still skip the
    routing there (and are answered as the routes would)."""
    from fastapi import FastAPI

    from sync.hallqueue import hotpath
    from sync.hallqueue.app import create_queue_app
    from sync.hallqueue.server import RunningServer

    taken = []
    run = hotpath.HotPaths._run

    async def spy(self, scope, fn, *args):
        taken.append(fn.__name__)
        return await run(self, scope, fn, *args)

    monkeypatch.setattr(hotpath.HotPaths, "_run", spy)
    inner = create_queue_app(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    svc = inner.state.queue_service
    outer = FastAPI()
    outer.mount("/queue", inner)
    srv = RunningServer(outer).start()
    try:
        kiosk, w01 = svc.tokens.issue("kiosk")["token"], svc.tokens.issue("window", "01")["token"]
        assert _post(srv, "/queue/tickets", kiosk, json={"queue": "A"}).json()["ticket"]["no"] == "A001"
        assert _post(srv, "/queue/windows/01/call-next", w01).json()["ticket"]["no"] == "A001"
        assert _post(srv, "/queue/windows/02/call-next", w01).status_code == 403
        assert taken == ["issue", "call_next"]
    finally:
        srv.close()
        svc.close()
