"""Benchmark of the hall queue service: many windows call next at once, a display follows.

The service runs in its own process (`hallclient queue serve --port 0`), the display in another
and the windows in `processes` load processes, so the figures time the service, not the load
generator's threads sharing one interpreter. `no_think` makes every window call, end and call
again without pause: the stress mode (the figures are then queueing behind a saturated writer,
reported beside the normal run, not a target).
"""

from __future__ import annotations

import http.client
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
from urllib.parse import urlsplit

from sync.hallqueue.client import QueueClient


class LeanClient:
    """The calls a bench window or kiosk makes, on one kept-alive connection (http.client).

    Fifty simulated windows share the service's machine, where real ones each have a PC of
    their own. Through `requests` (QueueClient) they cost more CPU per call than the service
    did (1.4 ms against ~1 ms, measured): under load the bench then timed its own interpreter.
    Same requests, same headers, same JSON; about a fifth of the client CPU."""

    def __init__(self, url: str, token: str):
        u = urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.auth = f"Bearer {token}"
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0.0

    def _do(self, method: str, path: str, body: dict | None = None) -> dict:
        # uvicorn closes a connection idle for 5 s: open a fresh one before that, never resend
        # a POST (it might have been carried out).
        if self.conn is not None and time.monotonic() - self.used > 4:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Authorization": self.auth}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        self.used = time.monotonic()
        if r.status >= 400:
            raise RuntimeError(f"{method} {path}: {r.status} {raw[:200]!r}")
        return json.loads(raw)

    def call_next(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/call-next")

    def end(self, window: str) -> dict:
        return self._do("POST", f"/windows/{window}/end")

    def issue(self, queue: str, priority: str = "") -> dict:
        return self._do("POST", "/tickets", {"queue": queue, "priority": priority})

QUEUES = ["A", "B", "C", "D"]


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))], 2)


def start_service_process(db_url: str, data_dir: str, service_root: str = "") -> tuple[subprocess.Popen, str]:
    """`hallclient queue serve` in a process of its own; `service_root` runs the service code of
    another source tree (benchmarks/hall_queue.py times an older commit beside this one)."""
    root = service_root or str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-m", "hallclient", "--data-dir", data_dir, "queue", "serve",
                             "--db", db_url, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=root)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("叫号服务未能启动")
    return proc, json.loads(line)["url"]


def bench_tokens(db_url: str, window_codes: list[str]) -> dict[str, str]:
    """Tokens for the bench, issued straight into the service's database (as `hallclient queue
    token issue` does at registration): one admin, one kiosk, one display, one per window."""
    from sync.hallqueue.tokens import TokenStore

    store = TokenStore.open(db_url)
    try:
        out = {"admin": store.issue("admin", label="bench")["token"], "kiosk": store.issue("kiosk", label="bench")["token"],
               "display": store.issue("display", label="bench")["token"]}
        for code in window_codes:
            out[code] = store.issue("window", window=code, label="bench")["token"]
        return out
    finally:
        store.close()


def run_bench(windows: int = 50, seconds: float = 20, think_ms: int = 1000, db_url: str = "",
              processes: int = 1, no_think: bool = False, service_root: str = "") -> dict:
    tmp = tempfile.mkdtemp(prefix="queue-bench-")
    db_url = db_url or f"sqlite:///{Path(tmp) / 'queue.sqlite3'}"
    codes = [f"{i + 1:02d}" for i in range(windows)]
    tokens = bench_tokens(db_url, codes)
    proc, url = start_service_process(db_url, tmp, service_root)
    try:
        cpu0, load0 = cpu_seconds(proc.pid), _loadavg()
        out = _drive(url, tokens, codes, seconds, 0 if no_think else think_ms, max(1, processes))
        cpu1 = cpu_seconds(proc.pid)
        out["db"] = "postgresql" if db_url.startswith("postgresql") else "sqlite"
        # CPU the service spent per request: the figure the machine's noise moves least.
        requests_ = out.pop("_requests")
        out["service_cpu_ms_per_request"] = round((cpu1 - cpu0) * 1000 / requests_, 3) if cpu0 is not None and requests_ else None
        out["machine_load_avg_1min"] = [load0, _loadavg()]
        return out
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process `pid` (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def follow_display(url: str, token: str, cursor: int, final_cursor, results) -> None:
    """A hall display: follow the event stream until `final_cursor`; report what it saw and how
    late (event time on the service to arrival here)."""
    c = QueueClient(url, timeout=30, token=token)
    seen: Counter = Counter()
    lat: list[float] = []
    polls = 0
    while cursor < final_cursor.value:
        batch = c.events(cursor, timeout=1.0)
        polls += 1
        got = time.time()
        for ev in batch["events"]:
            if ev["type"] == "call" and ev["outcome"] == "ok":
                seen[f"{ev['issued_at']}/{ev['ticket']}"] += 1
                lat.append((got - datetime.fromisoformat(ev["at"]).timestamp()) * 1000)
        cursor = batch["cursor"]
    results.put((seen, lat, polls))


def load_process(url: str, tokens: dict[str, str], codes: list[str], seconds: float, think_ms: int,
                 feeders: int, start_at: float, results) -> None:
    """Windows `codes` calling next (and ending) for `seconds`, plus `feeders` kiosks keeping
    their queues full. Reports latencies, called tickets, empty calls and tickets issued."""
    stop = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    called: list[str] = []
    empty = [0]
    issued = [0]
    ends = [0]
    backlog_cap = 4 * len(codes)

    def feeder():
        c = LeanClient(url, tokens["kiosk"])
        while not stop.is_set():
            with lock:
                backlog = issued[0] - len(called)
            if backlog > backlog_cap:  # keep the queues full without growing without bound
                time.sleep(0.005)
                continue
            r = c.issue(random.choice(QUEUES), "elderly" if random.random() < 0.1 else "")
            with lock:
                issued[0] += 1 if r["ok"] else 0

    def window(code: str):
        c = LeanClient(url, tokens[code])
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
                if think_ms:
                    time.sleep(rnd.uniform(0.5, 1.5) * think_ms / 1000)
                c.end(code)
                with lock:
                    ends[0] += 1
            else:
                time.sleep(0.2 if think_ms else 0.01)  # nobody waiting: a clerk looks again a moment later

    while time.time() < start_at:
        time.sleep(0.005)
    threads = [threading.Thread(target=feeder, daemon=True) for _ in range(feeders)]
    threads += [threading.Thread(target=window, args=(c,), daemon=True) for c in codes]
    started = time.perf_counter()
    cpu0 = time.process_time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(30)
    results.put({"latencies": latencies, "called": called, "empty": empty[0], "issued": issued[0], "ends": ends[0],
                 "elapsed": time.perf_counter() - started, "cpu_s": time.process_time() - cpu0})


def _drive(url: str, tokens: dict[str, str], codes: list[str], seconds: float, think_ms: int, processes: int) -> dict:
    admin = QueueClient(url, timeout=30, token=tokens["admin"])
    kiosk = QueueClient(url, timeout=30, token=tokens["kiosk"])
    for i, code in enumerate(codes):
        admin.set_window(code, profile={"queues": [QUEUES[i % 4], QUEUES[(i + 1) % 4]], "mode": "order"})
    admin.set_rules(recall_min_gap_s=0)
    cursor0 = admin.status()["cursor"]
    for i in range(2 * len(codes)):  # a first backlog: the hall opens with people waiting
        kiosk.issue(QUEUES[i % 4])
    # The display and the windows run in processes of their own, as a hall display and the
    # windows are programs (machines) of their own: sharing one interpreter's lock with fifty
    # window threads would time them, not the service.
    ctx = multiprocessing.get_context("spawn")
    final_cursor = ctx.Value("q", 1 << 62)
    display_results = ctx.Queue()
    disp = ctx.Process(target=follow_display, args=(url, tokens["display"], cursor0, final_cursor, display_results), daemon=True)
    disp.start()
    load_results = ctx.Queue()
    # Without think time a window needs a fresh ticket every round trip: more kiosks keep up.
    feeders = 2 if think_ms else len(codes)
    start_at = time.time() + 1.5 + 0.5 * processes  # after every process has imported and connected
    loads = [ctx.Process(target=load_process, args=(url, tokens, codes[p::processes], seconds, think_ms,
                                                     max(1, feeders // processes), start_at, load_results), daemon=True)
             for p in range(processes)]
    for p in loads:
        p.start()
    parts = [load_results.get(timeout=seconds + 120) for _ in loads]
    for p in loads:
        p.join(30)
    final_cursor.value = admin.status()["cursor"]
    display_seen, display_lat, polls = display_results.get(timeout=60)
    disp.join(30)
    latencies = [x for part in parts for x in part["latencies"]]
    called = [x for part in parts for x in part["called"]]
    elapsed = max(part["elapsed"] for part in parts)
    issued = sum(part["issued"] for part in parts) + 2 * len(codes)
    writes = len(latencies) + sum(part["ends"] for part in parts) + issued
    dup = sum(n - 1 for n in Counter(called).values() if n > 1)
    return {
        "windows": len(codes),
        "processes": processes,
        "think_ms": think_ms,
        "seconds": round(elapsed, 1),
        "calls_made": len(called),
        "calls_per_s": round(len(called) / elapsed, 1),
        "writes_per_s": round(writes / elapsed, 1),
        "empty_calls": sum(part["empty"] for part in parts),
        "tickets_issued": issued,
        "double_calls": dup,
        "call_next_latency_ms": {"p50": _pct(latencies, 50), "p99": _pct(latencies, 99), "max": _pct(latencies, 100)},
        "call_to_display_latency_ms": {"p50": _pct(display_lat, 50), "p99": _pct(display_lat, 99)},
        "display_received": sum(display_seen.values()),
        "display_missed": len(set(called) - set(display_seen)),
        "display_duplicates": sum(n - 1 for n in display_seen.values() if n > 1),
        "targets": {"double_calls": 0, "call_next_p99_ms": 50, "call_to_display_p99_ms": 200},
        "_requests": writes + polls,
        # CPU the load processes spent per request they made: the simulated windows share a
        # machine (and one interpreter per process) that real windows would not.
        "load_cpu_ms_per_request": round(sum(part["cpu_s"] for part in parts) * 1000 / max(1, writes - 2 * len(codes)), 3),
    }
