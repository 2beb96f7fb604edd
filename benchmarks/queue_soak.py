"""Memory of the hall queue service and of a hall display over a steady trickle of calls.

Starts `hallclient queue serve` (SQLite) and `hallclient display` (offscreen, following the
event stream) in processes of their own, then once a second issues a ticket, calls it and ends
it at one of eight windows, for `--minutes` (default 3; issue 18 asks for 10–30). Every
`--sample-s` seconds it records both processes' RSS. Prints JSON: the samples, and per process
the growth after the warm-up (`--warmup-min`) and its slope in MB/min (least squares).

    .venv/bin/python benchmarks/queue_soak.py --minutes 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares MB per minute of (minute, MB) points."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / den, 3) if den else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--sample-s", type=float, default=10)
    ap.add_argument("--warmup-min", type=float, default=1)
    ap.add_argument("--no-display", action="store_true")
    a = ap.parse_args()

    from sync.hallqueue.bench import bench_tokens, start_service_process
    from sync.hallqueue.client import QueueClient
    from sync.hallqueue.service import DEMO_WINDOWS

    tmp = tempfile.mkdtemp(prefix="queue-soak-")
    db = f"sqlite:///{Path(tmp) / 'queue.sqlite3'}"
    windows = [f"{i:02d}" for i in range(1, 9)]
    tokens = bench_tokens(db, windows)
    service, url = start_service_process(db, tmp)
    procs = {"service": service}
    if not a.no_display:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HALLCLIENT_QUEUE_TOKEN=tokens["display"],
                   PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        procs["display"] = subprocess.Popen([sys.executable, "-m", "hallclient", "--data-dir", str(Path(tmp) / "display"),
                                             "display", "--url", url, "--windowed", "--no-voice"],
                                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kiosk = QueueClient(url, token=tokens["kiosk"])
    clients = {w: QueueClient(url, token=tokens[w]) for w in windows}
    samples: list[dict] = []
    calls = 0
    started = time.monotonic()
    next_sample = started + 5  # let the display start before the first sample
    try:
        while (now := time.monotonic()) - started < a.minutes * 60:
            w = windows[calls % len(windows)]
            kiosk.issue(DEMO_WINDOWS[w][0])  # a ticket this window serves
            r = clients[w].call_next(w)
            if r["ok"]:
                clients[w].end(w)
            calls += 1
            if now >= next_sample:
                samples.append({"min": round((now - started) / 60, 2), "calls": calls,
                                **{name: rss_mb(p.pid) for name, p in procs.items()}})
                next_sample += a.sample_s
            time.sleep(max(0.0, started + calls - time.monotonic()))  # one call a second
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    result = {"minutes": a.minutes, "calls": calls, "samples": samples}
    for name in procs:
        pts = [(s["min"], s[name]) for s in samples if s[name] is not None and s["min"] >= a.warmup_min]
        result[name] = {"rss_first_mb": round(samples[0][name], 1) if samples and samples[0][name] else None,
                        "rss_last_mb": round(pts[-1][1], 1) if pts else None,
                        "growth_after_warmup_mb": round(pts[-1][1] - pts[0][1], 2) if len(pts) > 1 else None,
                        "slope_mb_per_min": slope(pts)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
