"""Sync benchmarks; prints JSON.

    python benchmarks/sync.py [--cases 10000] [--items 5000] [--rows 1000000]

- push: N queued cases (case + materials + event + outbox row each) pushed to the reference
  server on loopback, end to end (the server runs as its own process on SQLite).
- pull_catalogue: a new device pulls a catalogue of M items (snapshot bootstrap).
- no_change_sync: a full cycle with nothing to push or pull, on a store holding R local
  outbox rows already sent: its cost must follow the changes, not the size of the store.
- push_processes (with --pg URL or $HALLCLIENT_TEST_PG_URL): a province's load, D devices of
  several halls pushing at once (batches of 500 case events, pre-encoded and gzip-compressed
  as the client sends them), against the server as 1 and as 2 processes on one PostgreSQL
  database (a fresh one per run); median of --runs runs. `--only-processes` runs just this.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hallclient.catalogue import demo_catalogue  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from sync.drill import queue_cases  # noqa: E402
from sync.engine import CycleReport, SyncEngine, register  # noqa: E402
from sync.server import admin  # noqa: E402
from sync.server.store import ServerDB  # noqa: E402
from sync.transport import SyncHTTP  # noqa: E402


def start_server(db_url: str, data_dir: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hallclient", "--data-dir", str(data_dir), "server", "--db", db_url, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    url = json.loads(proc.stdout.readline())["listening"]
    import requests

    for _ in range(200):
        try:
            requests.get(url + "/v1/health", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    return proc, url


def big_catalogue(n: int) -> dict:
    cat = copy.deepcopy(demo_catalogue())
    base = cat["items"]
    cat["items"] = [dict(copy.deepcopy(base[i % len(base)]), code=f"BENCH-{i:05d}", name=f"{base[i % len(base)]['name']}（{i}）") for i in range(n)]
    return cat


def add_sent_rows(db_path: Path, total: int) -> int:
    """Bring the outbox to `total` rows, all already sent (a store after years of work)."""
    con = sqlite3.connect(db_path)
    have = con.execute("select count(*) from outbox").fetchone()[0]
    need = max(0, total - have)
    payload = json.dumps({"case_id": "x", "type": "accepted", "state": "accepted", "payload": {"drill": True}})
    now = "2026-01-05 09:00:00.000000"
    con.execute("PRAGMA synchronous=OFF")
    for start in range(0, need, 100_000):
        con.executemany(
            "insert into outbox(uuid, kind, payload, created_at, status, attempts, sent_at) values (?,?,?,?,?,?,?)",
            ((str(uuid.uuid4()), "case.event", payload, now, "sent", 1, now) for _ in range(min(100_000, need - start))),
        )
        con.commit()
    con.close()
    return need


def _pg_fresh(base_url: str) -> str:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"hc_bench_{uuid.uuid4().hex[:12]}"
    u = make_url(base_url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database or "postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return u.set(database=name).render_as_string(hide_password=False)


def _pg_drop(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')


def _batches(per_device: int) -> list[bytes]:
    import gzip

    out = []
    for start in range(0, per_device, 500):
        items = []
        for _ in range(min(500, per_device - start)):
            case_id = str(uuid.uuid4())
            items.append({"uuid": str(uuid.uuid4()), "kind": "case.event", "created_at": "2026-03-02T01:00:00+00:00",
                          "payload": {"case_id": case_id, "case_no": None, "type": "accepted", "state": "accepted",
                                      "at": "2026-03-02T09:00:00+08:00", "payload": {"item_code": "BENCH-1", "materials": [{"name": "身份证", "status": "received"}] * 4}}})
        out.append(gzip.compress(json.dumps({"items": items}, ensure_ascii=False).encode(), 5))
    return out


def push_processes(pg_base: str, tmp: Path, devices: int, cases: int, runs: int) -> dict:
    """Push throughput of D concurrent devices against 1 and 2 server processes."""
    import threading

    import requests

    out: dict = {"devices": devices, "cases_per_run": cases, "runs": runs, "database": "PostgreSQL, one database"}
    for workers in (1, 2):
        rates = []
        for run in range(runs):
            url = _pg_fresh(pg_base)
            sdb = ServerDB(url)
            tokens = [admin.register_device(sdb, f"bench-{d}", f"4403000{d % 4 + 1:02d}")["token"] for d in range(devices)]
            work = [_batches(cases // devices) for _ in range(devices)]
            env = dict(os.environ, PYTHONPATH=str(ROOT), HALLCLIENT_SERVER_DB=url)
            proc = subprocess.Popen(
                [sys.executable, "-m", "hallclient", "--data-dir", str(tmp / f"pp{workers}{run}"), "server", "--workers", str(workers),
                 "--no-queue", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
            base = json.loads(proc.stdout.readline())["listening"]
            for _ in range(400):  # every worker answers (two in a row through the shared socket)
                try:
                    if all(requests.get(base + "/v1/health", timeout=5).ok for _ in range(4)):
                        break
                except requests.RequestException:
                    time.sleep(0.1)
            errors: list = []

            def device(token, batches):
                s = requests.Session()
                s.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Content-Encoding": "gzip"})
                for body in batches:
                    r = s.post(base + "/v1/push", data=body, timeout=120)
                    if r.status_code != 200 or any(x["status"] != "accepted" for x in r.json()["results"]):
                        errors.append(r.text[:200])

            threads = [threading.Thread(target=device, args=(tokens[d], work[d])) for d in range(devices)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            secs = time.perf_counter() - t
            proc.terminate()
            proc.wait(20)
            held = admin.stats(sdb)["records"]
            sdb.close()
            _pg_drop(url)
            assert not errors and held == cases // devices * devices, (errors[:3], held)
            rates.append(held / secs)
        out[f"{workers}_process" + ("es" if workers > 1 else "")] = {
            "cases_per_s_median": round(statistics.median(rates)),
            "cases_per_s_runs": [round(r) for r in rates],
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=5_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=os.environ.get("HALLCLIENT_TEST_PG_URL"), help="PostgreSQL URL for push_processes")
    ap.add_argument("--devices", type=int, default=8)
    ap.add_argument("--province-cases", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only-processes", action="store_true")
    args = ap.parse_args()
    if args.only_processes:
        if not args.pg:
            print(json.dumps({"push_processes": "skipped: no PostgreSQL (--pg or HALLCLIENT_TEST_PG_URL)"}))
            return 0
        tmp = Path(tempfile.mkdtemp(prefix="hallclient-bench-sync-"))
        print(json.dumps({"push_processes": push_processes(args.pg, tmp, args.devices, args.province_cases, args.runs)}, ensure_ascii=False, indent=2))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="hallclient-bench-sync-"))
    db_url = f"sqlite:///{tmp / 'central.sqlite3'}"
    sdb = ServerDB(db_url)
    proc, url = start_server(db_url, tmp / "server")
    out: dict = {"server": "reference server, SQLite, own process, loopback"}
    try:
        # -- push ------------------------------------------------------------------------------
        token = admin.register_device(sdb, "bench", "440300001")["token"]
        with open_context(tmp / "client", seed=True) as ctx:
            register(ctx.store, url, token)
            t = time.perf_counter()
            queue_cases(ctx.store, args.cases, per_transaction=500)
            setup_s = time.perf_counter() - t
            eng = SyncEngine(ctx.store, SyncHTTP(url, token), batch=500)
            r = CycleReport()
            t = time.perf_counter()
            eng.push_all(r)
            push_s = time.perf_counter() - t
            eng.close()
            assert r.pushed == args.cases, r
            held = admin.stats(sdb)["records"]
            out["push"] = {
                "cases": args.cases,
                "seconds": round(push_s, 3),
                "cases_per_s": round(args.cases / push_s),
                "target_cases_per_s": 1000,
                "server_records": held,
                "queue_setup_s": round(setup_s, 2),
            }
            db_path = ctx.data_dir.database
        # -- pull catalogue --------------------------------------------------------------------
        t = time.perf_counter()
        admin.load_catalogue(sdb, big_catalogue(args.items))
        publish_s = time.perf_counter() - t
        token2 = admin.register_device(sdb, "bench-new", "440300001")["token"]
        with open_context(tmp / "fresh", seed=False) as ctx2:
            register(ctx2.store, url, token2)
            eng = SyncEngine(ctx2.store, SyncHTTP(url, token2))
            r = CycleReport()
            t = time.perf_counter()
            eng.pull_all(r, streams=("catalogue",))
            pull_s = time.perf_counter() - t
            eng.close()
        out["pull_catalogue"] = {"items": args.items, "rows_pulled": r.pulled, "seconds": round(pull_s, 3), "target_s": 5, "server_publish_s": round(publish_s, 2)}
        # -- no-change sync on a big store -----------------------------------------------------
        with open_context(tmp / "client", seed=True) as ctx:
            eng = SyncEngine(ctx.store, SyncHTTP(url, token))
            eng.cycle()  # catch up with the catalogue published above
        t = time.perf_counter()
        added = add_sent_rows(db_path, args.rows)
        fill_s = time.perf_counter() - t
        with open_context(tmp / "client", seed=True) as ctx:
            eng = SyncEngine(ctx.store, SyncHTTP(url, token))
            times = []
            for _ in range(10):
                t = time.perf_counter()
                rep = eng.cycle()
                times.append((time.perf_counter() - t) * 1000)
                assert rep.pushed == 0 and rep.pulled == 0 and rep.pending == 0, rep
            eng.close()
            con = sqlite3.connect(db_path)
            rows = con.execute("select count(*) from outbox").fetchone()[0]
            total_rows = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for (t,) in con.execute("select name from sqlite_master where type='table'"))
            con.close()
        out["no_change_sync"] = {
            "outbox_rows": rows,
            "all_local_rows": total_rows,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "target_ms": 100,
            "fill_s": round(fill_s, 1),
            "rows_added": added,
        }
    finally:
        proc.terminate()
        proc.wait(10)
        sdb.close()
    out["push_processes"] = (push_processes(args.pg, tmp, args.devices, args.province_cases, args.runs) if args.pg
                             else "skipped: no PostgreSQL (--pg or HALLCLIENT_TEST_PG_URL)")
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
