"""Fees benchmark: one charge at the window end to end, and a clerk's daily close.

    python benchmarks/fees.py [--repeat 30] [--payments 300]

Prints JSON. Targets (issue 13): fee computation + payment recorded (committed, with its case
event and outbox row) + paper receipt number taken + receipt PDF rendered, p50 ≤ 50 ms warm;
the daily close of a clerk with 300 payments ≤ 200 ms. Beside them, in the same run, the warm
render of a 受理通知书 (printing.documents) as a baseline of how fast this machine is now.
The cases are accepted beforehand (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fees")]


def _ms(x: float) -> float:
    return round(x * 1000, 2)


def _pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p * (len(v) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--payments", type=int, default=300)
    args = ap.parse_args()

    from fees_helpers import accepted_case, actor
    from hallclient.context import open_context
    from hallclient.fees import close as close_ops
    from hallclient.fees import payments, stock
    from hallclient.fees.view import case_fees
    from hallclient.intake.cases import local_today
    from printing.documents import render_document
    from printing.fees import render_paper_receipt
    from printing.samples import sample_snapshot

    ctx = open_context(Path(tempfile.mkdtemp(prefix="bench-fees-")) / "data", seed=True)
    store = ctx.store
    with store.session() as s:
        clerk = actor(s)
        stock.register_stock(s, actor(s, "supervisor"), "clerk", "44010226", 1, 9999)
        cases = [accepted_case(s, "BDC-001") for _ in range(args.repeat + 3)]
    snap = sample_snapshot("acceptance_notice")
    render_document("acceptance_notice", snap)  # fonts loaded and subset before timing

    charge, render_only, commit_only = [], [], []
    for n, (cid, desk) in enumerate(cases):
        t0 = time.perf_counter()
        with store.session() as s:
            r = payments.pay_at_window(s, clerk, desk, cid, "cash", {1: 2}, tendered_fen=10000)
            rec = stock.take_receipt_number(s, clerk, r.payment_id)
        with store.session() as s:
            fees = case_fees(s, cid, clerk.user_id)
        t1 = time.perf_counter()
        bill = fees.active_bill
        pdf = render_paper_receipt(fees, bill, rec)
        dt = time.perf_counter() - t0
        with store.session() as s:
            stock.confirm_printed(s, clerk, rec.id)
        if n >= 3:  # the first ones warm caches (statements, fonts of the receipt's characters)
            charge.append(dt)
            render_only.append(time.perf_counter() - t1)
            commit_only.append(t1 - t0)
    baseline = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        render_document("acceptance_notice", snap)
        baseline.append(time.perf_counter() - t0)

    # A clerk with `payments` payments today (cash, card, scan, notices), then the close.
    with store.session() as s:
        other = actor(s, "clerk2")
        for i in range(args.payments):
            cid, desk = accepted_case(s, "GAJ-002", username="clerk2")
            ch = ("cash", "card", "scan")[i % 3]
            kw = dict(tendered_fen=2000) if ch == "cash" else dict(reference=f"REF{i:010d}")
            payments.pay_at_window(s, other, desk, cid, ch, **kw)
    closes = []
    for _ in range(5):
        with store.session() as s:
            t0 = time.perf_counter()
            figures = close_ops.compute_close(s, other.user_id, local_today())
            closes.append(time.perf_counter() - t0)
    with store.session() as s:
        t0 = time.perf_counter()
        stored = close_ops.close_day(s, other, local_today())
    close_commit = time.perf_counter() - t0
    print(json.dumps({
        "charge_to_receipt_pdf_ms": {"p50": _ms(statistics.median(charge)), "p95": _ms(_pct(charge, 0.95)),
                                     "runs": len(charge), "target_p50": 50, "pdf_bytes": len(pdf),
                                     "of_which_store_p50": _ms(statistics.median(commit_only)),
                                     "of_which_pdf_p50": _ms(statistics.median(render_only))},
        "baseline_acceptance_notice_render_ms": {"p50": _ms(statistics.median(baseline))},
        "daily_close_ms": {"median_compute": _ms(statistics.median(closes)), "close_and_commit": _ms(close_commit),
                           "payments": figures.payments, "target": 200, "total_fen": stored.total_fen},
    }, ensure_ascii=False, indent=1))
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
