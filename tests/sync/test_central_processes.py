"""A province's deployment: several server processes on one PostgreSQL. Pushes go through
two processes alternately, retries land on the other one, and both get the same batch at the
same time; each record is still stored once and each case event folded once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import requests
from sqlalchemy import func, select

from sync.server.admin import register_device
from sync.server.models import Record, ServerCase, StreamRow
from sync.server.store import ServerDB

ROOT = Path(__file__).resolve().parents[2]


def _start(url_file: Path, data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen(
        [sys.executable, "-m", "hallclient", "--data-dir", str(data_dir), "server", "--db-file", str(url_file), "--no-queue", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    line = p.stdout.readline()
    if not line:
        raise AssertionError(p.stderr.read())
    return p, json.loads(line)["listening"]


def _items(case_ids, n_per_case):
    return [
        {"uuid": str(uuid.uuid4()), "kind": "case.event",
         "payload": {"case_id": c, "type": f"e{k}", "state": "accepted", "at": "2026-03-02T09:00:00+08:00"}}
        for k in range(n_per_case) for c in case_ids
    ]


def test_two_server_processes_keep_exactly_once(pg_url, tmp_path):
    url_file = tmp_path / "db-url"
    url_file.write_text(pg_url, "utf-8")  # the password stays off the command line
    db = ServerDB(pg_url)
    token = register_device(db, "窗口", "440300001")["token"]
    procs = [_start(url_file, tmp_path / f"s{n}") for n in range(2)]
    try:
        urls = [u for _, u in procs]
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"

        def push(url, batch):
            for _ in range(5):  # 503: concurrent pushes of the same UUIDs collided; retry as the client does
                r = s.post(url + "/v1/push", json={"items": batch}, timeout=30)
                if r.status_code != 503:
                    break
            assert r.status_code == 200, r.text
            return r.json()["results"]

        cases = [str(uuid.uuid4()) for _ in range(20)]
        items = _items(cases, 3)
        batches = [items[i : i + 5] for i in range(0, len(items), 5)]
        ids = {}
        for n, batch in enumerate(batches):
            first = push(urls[n % 2], batch)  # alternately
            again = push(urls[(n + 1) % 2], batch)  # the answer "lost": the retry reaches the other process
            assert all(r["status"] == "accepted" for r in first + again)
            assert [r["id"] for r in first] == [r["id"] for r in again] and all(r.get("repeat") for r in again)
            ids.update({r["uuid"]: r["id"] for r in first})
        # The same new batches through both processes at the same moment.
        more_cases = [str(uuid.uuid4()) for _ in range(10)]
        racing = _items(more_cases, 2)
        answers: dict[int, list] = {}
        errors = []

        def run(k):
            try:
                answers[k] = push(urls[k], racing)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        assert [r["id"] for r in answers[0]] == [r["id"] for r in answers[1]]
        assert all(r["status"] == "accepted" for r in answers[0] + answers[1])
        with db.session() as ses:
            assert ses.scalar(select(func.count()).select_from(Record)) == len(items) + len(racing)
            assert ses.scalar(select(func.count(func.distinct(Record.uuid)))) == len(items) + len(racing)
            events = dict(ses.execute(select(ServerCase.case_id, ServerCase.events)).all())
            assert {events[c] for c in cases} == {3} and {events[c] for c in more_cases} == {2}
            seqs = ses.scalars(select(StreamRow.seq)).all()  # one counter for every stream
            assert len(seqs) == len(set(seqs))
            today = ses.scalars(select(StreamRow.seq).where(StreamRow.stream == "cases_today")).all()
            assert len(today) == len(cases) + len(more_cases)  # one row per case (hall_day has the records)
    finally:
        for p, _ in procs:
            p.terminate()
            p.wait(10)
        db.close()
