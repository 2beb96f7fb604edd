"""Benchmark of the hall queue service: many windows call next at once, a display follows.

The service runs in its own process (`hallclient queue serve --port 0`) so the figures are not
inflated by the load generator's threads sharing its interpreter.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from sync.hallqueue.client import QueueClient

QUEUES = ["A", "B", "C", "D"]


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))], 2)


def start_service_process(db_url: str, data_dir: str) -> tuple[subprocess.Popen, str]:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "hallclient", "--data-dir", data_dir, "queue", "serve",
                             "--db", db_url, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("叫号服务未能启动")
    return proc, json.loads(line)["url"]


def run_bench(windows: int = 50, seconds: float = 20, think_ms: int = 1000, db_url: str = "") -> dict:
    tmp = tempfile.mkdtemp(prefix="queue-bench-")
    db_url = db_url or f"sqlite:///{Path(tmp) / 'queue.sqlite3'}"
    proc, url = start_service_process(db_url, tmp)
    try:
        return _drive(url, windows, seconds, think_ms)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def follow_display(url: str, cursor: int, final_cursor, results) -> None:
    """A hall display: follow the event stream until `final_cursor`; report what it saw and how
    late (event time on the service to arrival here)."""
    c = QueueClient(url, timeout=30)
    seen: Counter = Counter()
    lat: list[float] = []
    while cursor < final_cursor.value:
        batch = c.events(cursor, timeout=1.0)
        got = time.time()
        for ev in batch["events"]:
            if ev["type"] == "call" and ev["outcome"] == "ok":
                seen[f"{ev['issued_at']}/{ev['ticket']}"] += 1
                lat.append((got - datetime.fromisoformat(ev["at"]).timestamp()) * 1000)
        cursor = batch["cursor"]
    results.put((seen, lat))


def _drive(url: str, windows: int, seconds: float, think_ms: int) -> dict:
    admin = QueueClient(url, timeout=30)
    codes = [f"{i + 1:02d}" for i in range(windows)]
    for i, code in enumerate(codes):
        admin.set_window(code, profile={"queues": [QUEUES[i % 4], QUEUES[(i + 1) % 4]], "mode": "order"})
    admin.set_rules(recall_min_gap_s=0)
    cursor0 = admin.status()["cursor"]
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    called: list[str] = []
    empty = [0]
    issued = [0]

    def feeder():
        c = QueueClient(url, timeout=30)
        while not stop.is_set():
            with lock:
                backlog = issued[0] - len(called)
            if backlog > 4 * windows:  # keep the queues full without growing without bound
                time.sleep(0.005)
                continue
            r = c.issue(random.choice(QUEUES), "elderly" if random.random() < 0.1 else "")
            with lock:
                issued[0] += 1 if r["ok"] else 0

    def window(code: str):
        c = QueueClient(url, timeout=30)
        rnd = random.Random(code)
        # Clerks do not all press F1 in the same millisecond: spread the first calls over one
        # service time, as a hall's windows are at different points of their cases.
        time.sleep(rnd.uniform(0, think_ms / 1000))
        while not stop.is_set():
            t0 = time.perf_counter()
            r = c.call_next(code)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(dt)
                if r["ok"]:
                    called.append(f"{r['ticket']['issued_at']}/{r['ticket']['no']}")
                else:
                    empty[0] += 1
            if r["ok"]:
                time.sleep(rnd.uniform(0.5, 1.5) * think_ms / 1000)
                c.end(code)
            else:
                time.sleep(0.2)  # nobody waiting: a clerk looks again a moment later

    # The display runs in a process of its own, as a hall display is a program (a machine) of
    # its own: sharing this interpreter's lock with fifty window threads would time them, not
    # the service.
    ctx = multiprocessing.get_context("spawn")
    final_cursor = ctx.Value("q", 1 << 62)
    results = ctx.Queue()
    disp = ctx.Process(target=follow_display, args=(url, cursor0, final_cursor, results), daemon=True)
    disp.start()
    feeders = [threading.Thread(target=feeder, daemon=True) for _ in range(2)]
    for f in feeders:
        f.start()
    for i in range(2 * windows):  # a first backlog: the hall opens with people waiting
        admin.issue(QUEUES[i % 4])
        issued[0] += 1
    started = time.perf_counter()
    threads = [threading.Thread(target=window, args=(c,), daemon=True) for c in codes]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads + feeders:
        t.join(30)
    elapsed = time.perf_counter() - started
    final_cursor.value = admin.status()["cursor"]
    display_seen, display_lat = results.get(timeout=60)
    disp.join(30)
    dup = sum(n - 1 for n in Counter(called).values() if n > 1)
    return {
        "windows": windows,
        "seconds": round(elapsed, 1),
        "calls_made": len(called),
        "calls_per_s": round(len(called) / elapsed, 1),
        "empty_calls": empty[0],
        "tickets_issued": issued[0],
        "double_calls": dup,
        "call_next_latency_ms": {"p50": _pct(latencies, 50), "p99": _pct(latencies, 99), "max": _pct(latencies, 100)},
        "call_to_display_latency_ms": {"p50": _pct(display_lat, 50), "p99": _pct(display_lat, 99)},
        "display_received": sum(display_seen.values()),
        "display_missed": len(set(called) - set(display_seen)),
        "display_duplicates": sum(n - 1 for n in display_seen.values() if n > 1),
        "targets": {"double_calls": 0, "call_next_p99_ms": 50, "call_to_display_p99_ms": 200},
    }
