"""Render time of every A4 notice (first in a fresh process, then warm) and of the queue ticket.

Prints JSON. Target (issue 3): warm p50 <= 30 ms per document.
Run: python benchmarks/printing.py [--warm-runs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warm-runs", type=int, default=30)
    args = parser.parse_args()
    t0 = time.perf_counter()
    from printing.documents import render_timings, warm_up

    import_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    warm_up()
    warm_up_ms = (time.perf_counter() - t0) * 1000
    docs = [dataclasses.asdict(t) for t in render_timings(args.warm_runs)]

    from printing.ticket import sample_ticket, ticket_bytes

    ticket = sample_ticket()
    ticket_bytes(ticket)
    runs = []
    for _ in range(args.warm_runs):
        t0 = time.perf_counter()
        ticket_bytes(ticket)
        runs.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "import_ms": round(import_ms, 1),
        "font_warm_up_ms": round(warm_up_ms, 1),
        "documents": docs,
        "target_warm_p50_ms": 30,
        "all_within_target": all(d["warm_p50_ms"] <= 30 for d in docs),
        "queue_ticket_escpos_p50_ms": round(statistics.median(runs), 2),
    }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
