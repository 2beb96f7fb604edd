"""The hall queue under load, this code beside an older commit, in the same run.

For each database (SQLite; PostgreSQL with --pg-url) and each mode — `normal` (50 windows, 1 s
think time: `hallclient queue bench --windows 50 --seconds 20`) and `stress` (`--processes 2
--no-think`) — runs the bench `--rounds` times, alternating the service code of `--baseline`
(a git commit, exported to a temporary directory; the load and the display are this tree's in
both) with this tree's, and prints JSON: every run and the medians.

    .venv/bin/python benchmarks/hall_queue.py --rounds 3 [--pg-url postgresql+psycopg://…] [--baseline c0ffee] [--busy 1]

`--busy N` keeps N busy-looping processes running during every run: the machine "pressed" by
other work, reproducibly (the figures otherwise depend on whatever else the machine is doing).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODES = {"normal": {"processes": 1, "no_think": False}, "stress": {"processes": 2, "no_think": True}}
KEYS = ("calls_per_s", "writes_per_s", "empty_calls", "double_calls", "display_missed", "service_cpu_ms_per_request",
        "load_cpu_ms_per_request")


def export(commit: str) -> str:
    if os.path.isdir(commit):  # a source tree already exported
        return commit
    d = tempfile.mkdtemp(prefix="queue-baseline-")
    subprocess.run(f"git -C {ROOT} archive {commit} | tar -x -C {d}", shell=True, check=True)
    return d


def pg_database(base_url: str) -> tuple[str, callable]:
    """A fresh database on the cluster of `base_url` for one run, and its drop."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(base_url)
    name = f"hq_bench_{uuid.uuid4().hex[:10]}"
    kw = dict(host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database or "postgres", autocommit=True)
    with psycopg.connect(**kw) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**kw) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False), drop


@contextlib.contextmanager
def busy(n: int):
    """`n` processes spinning on the CPU (other work on the machine) while the block runs."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def one(root: str, db: str, pg_url: str, mode: str, windows: int, seconds: float) -> dict:
    from sync.hallqueue.bench import run_bench

    url, drop = pg_database(pg_url) if db == "postgresql" else ("", lambda: None)
    try:
        r = run_bench(windows=windows, seconds=seconds, db_url=url, service_root=root, **MODES[mode])
    finally:
        drop()
    return {"call_next_p50": r["call_next_latency_ms"]["p50"], "call_next_p99": r["call_next_latency_ms"]["p99"],
            "display_p50": r["call_to_display_latency_ms"]["p50"], "display_p99": r["call_to_display_latency_ms"]["p99"],
            **{k: r[k] for k in KEYS}, "load_avg": r["machine_load_avg_1min"][0]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--windows", type=int, default=50)
    ap.add_argument("--baseline", default="", help="git commit to time beside this tree (omit: this tree only)")
    ap.add_argument("--pg-url", default="", help="PostgreSQL cluster to also run on")
    ap.add_argument("--modes", default="normal,stress")
    ap.add_argument("--dbs", default="sqlite,postgresql")
    ap.add_argument("--busy", type=int, default=0, help="busy-looping processes beside every run (a pressed machine)")
    a = ap.parse_args()
    trees = {"this": str(ROOT)}
    if a.baseline:
        trees = {a.baseline: export(a.baseline), "this": str(ROOT)}
    dbs = [d for d in a.dbs.split(",") if d == "sqlite" or (d == "postgresql" and a.pg_url)]
    runs: dict = {}
    for db in dbs:
        for mode in a.modes.split(","):
            for _ in range(a.rounds):
                for name, root in trees.items():  # alternate, so drift of the machine hits both
                    with busy(a.busy):
                        r = one(root, db, a.pg_url, mode, a.windows, a.seconds)
                    runs.setdefault(db, {}).setdefault(mode, {}).setdefault(name, []).append(r)
                    print(json.dumps({"db": db, "mode": mode, "tree": name, **r}), file=sys.stderr, flush=True)
    medians = {db: {mode: {name: {k: statistics.median(x[k] for x in rs if x[k] is not None) for k in rs[0]}
                           for name, rs in by_tree.items()}
                    for mode, by_tree in by_mode.items()} for db, by_mode in runs.items()}
    print(json.dumps({"windows": a.windows, "seconds": a.seconds, "rounds": a.rounds, "busy": a.busy, "medians": medians, "runs": runs},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
