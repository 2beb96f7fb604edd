"""Sync benchmarks; prints JSON.

    python benchmarks/sync.py [--cases 10000] [--items 5000] [--rows 1000000]

- push: N queued cases (case + materials + event + outbox row each) pushed to the reference
  server on loopback, end to end (the server runs as its own process on SQLite).
- pull_catalogue: a new device pulls a catalogue of M items (snapshot bootstrap).
- no_change_sync: a full cycle with nothing to push or pull, on a store holding R local
  outbox rows already sent: its cost must follow the changes, not the size of the store.
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=5_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
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
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
