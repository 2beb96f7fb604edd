"""Soak: does the window client grow with uptime? (issue 18)

    python benchmarks/soak.py [--visits 500] [--every 50]

One client serves `--visits` keyboard-only visits (benchmarks/visitdriver.py: call, card,
item, checklist, accept, print, rating) and every `--every` visits records its resident
memory, live QObjects (the main window's tree plus top-level widgets), threads and open file
descriptors. Prints JSON. Target: RSS growth after the first 100 visits ≤ 5 MB, QObjects flat.
The hall queue service's and the display's memory over time: benchmarks/queue_soak.py.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--visits", type=int, default=500)
    ap.add_argument("--every", type=int, default=50)
    args = ap.parse_args()

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication

    from benchmarks.visitdriver import VisitDriver

    drv = VisitDriver(args.visits)

    def sample(n: int, t0: float) -> dict:
        gc.collect()
        for _ in range(5):
            drv.app.processEvents()  # deleteLater()s run here
        qobjects = len(drv.mw.findChildren(QObject)) + len(QApplication.topLevelWidgets())
        return {"visits": n, "seconds": round(time.perf_counter() - t0, 1), "rss_mb": round(rss_mb(), 1),
                "qobjects": qobjects, "threads": threading.active_count(),
                "os_threads": len(os.listdir("/proc/self/task")), "fds": len(os.listdir("/proc/self/fd"))}

    t0 = time.perf_counter()
    samples = [sample(0, t0)]
    for n in range(args.visits):
        drv.visit(n)
        if (n + 1) % args.every == 0:
            samples.append(sample(n + 1, t0))
    after100 = next((s for s in samples if s["visits"] >= 100), samples[0])
    last = samples[-1]
    out = {
        "visits": args.visits,
        "samples": samples,
        "rss_growth_after_100_visits_mb": round(last["rss_mb"] - after100["rss_mb"], 1),
        "qobjects_growth_after_100_visits": last["qobjects"] - after100["qobjects"],
        "fds_growth": last["fds"] - samples[0]["fds"],
        "targets": {"rss_growth_after_100_visits_mb": 5, "qobjects": "flat"},
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    drv.close()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
