"""Certificates: PDF render time (warm) and the e-licence lookup + checklist marking after a
card read, against the reference server on loopback holding 100,000 licences.

Prints JSON. Targets (issue 14): certificate render warm p50 <= 30 ms; lookup + marking
p95 <= 300 ms. Beside the render figures, the 受理通知书's render in the same run is a
baseline of the machine's speed at that moment (its own target is also 30 ms).
Run: python benchmarks/certificates.py [--runs N] [--licences N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "intake")]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def render_figures(runs: int) -> dict:
    from hallclient.certificates.templates import demo_templates, parse_template
    from printing.certificates import render_certificate, sample_values
    from printing.documents import render_document, warm_up
    from printing.samples import sample_snapshot

    warm_up()
    out = {}
    for d in demo_templates():
        t = parse_template(d)
        values = sample_values(t)
        for mode in ("preprinted", "plain"):
            render_certificate(t, values, mode=mode)
            ms = []
            for _ in range(runs):
                t0 = time.perf_counter()
                render_certificate(t, values, mode=mode, dx=0.5, dy=-0.5)
                ms.append((time.perf_counter() - t0) * 1000)
            out[f"{t.key}/{mode}"] = {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(_pct(ms, 0.95), 1)}
    snap = sample_snapshot("acceptance_notice")
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        render_document("acceptance_notice", snap)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"certificates": out, "baseline_acceptance_notice_p50_ms": round(statistics.median(ms), 1)}


def lookup_figures(runs: int, n_licences: int) -> dict:
    from hallclient.certificates.identifier import build_identifier
    from hallclient.context import open_context
    from hallclient.intake import ApplicantInput, save_applicant, start_case
    from hallclient.validation import id_check_char
    from intake_helpers import desk_for, item_id
    from sync.engine import register
    from sync.server.admin import register_device
    from sync.server.licences import add_licences
    from sync.server.run import ServerThread
    from ui.certificates.jobs import lookup_licences, mark_exempt

    tmp = Path(tempfile.mkdtemp(prefix="bench-certs-"))
    server = ServerThread(f"sqlite:///{tmp / 'central.sqlite3'}").start()
    try:
        def person(n: int) -> str:
            first17 = f"440304{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
            return first17 + id_check_char(first17)

        t0 = time.perf_counter()
        rows, holders = [], []
        for n in range(n_licences):
            holder = person(n // 2)  # two licences per holder: 居民身份证 and another type
            kind = "居民身份证" if n % 2 == 0 else ("营业执照", "食品经营许可证", "结婚证", "不动产权证书")[n % 4 // 2 + (n % 7) % 3]
            if n % 2 == 0:
                holders.append(holder)
            rows.append(dict(licence_id=build_identifier("11100000MB0143028R001", "11440300MB2C90010X", f"{n:012d}", 1),
                             licence_type=kind, certificate_no=f"{n:012d}", holder_name="测试", holder_code=holder,
                             holder_code_type="111", authority_name="示例市公安局", authority_uscc="11440300MB2C90010X",
                             issue_date=date(2020, 1, 1), valid_from=date(2020, 1, 1), valid_to=None, status="valid",
                             hall_code="440300001"))
        add_licences(server.db, rows)
        load_s = time.perf_counter() - t0
        with open_context(tmp / "window", seed=True) as ctx:
            register(ctx.store, server.url, register_device(server.db, "3号窗口", "440300001")["token"])
            cases = []
            step = max(1, len(holders) // (runs + 5))
            with ctx.store.session() as s:
                for k in range(runs + 5):
                    h = holders[k * step]
                    aid = save_applicant(s, ApplicantInput("person", "测试", h))
                    cid = start_case(s, desk_for(s), item_id(s, "SCJG-001"), aid, now=datetime.now(timezone.utc))
                    cases.append((cid, h))
            totals, lookups = [], []
            for k, (cid, h) in enumerate(cases):
                t0 = time.perf_counter()
                res = lookup_licences(ctx.store, h)
                t1 = time.perf_counter()
                marking, view = mark_exempt(ctx.store, cid, res.holder_code, res.licences)
                t2 = time.perf_counter()
                assert res.online and marking.exempted, (res.message, marking)
                if k >= 5:  # the first few warm up the connections and caches
                    lookups.append((t1 - t0) * 1000)
                    totals.append((t2 - t0) * 1000)
    finally:
        server.stop()
    return {
        "licences_stored": n_licences, "load_s": round(load_s, 1), "runs": len(totals),
        "lookup_p50_ms": round(statistics.median(lookups), 1), "lookup_p95_ms": round(_pct(lookups, 0.95), 1),
        "lookup_and_marking_p50_ms": round(statistics.median(totals), 1),
        "lookup_and_marking_p95_ms": round(_pct(totals, 0.95), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--licences", type=int, default=100_000)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    r = render_figures(args.runs)
    lk = lookup_figures(args.runs, args.licences)
    worst = max(v["p50_ms"] for v in r["certificates"].values())
    print(json.dumps({
        **r, "target_render_warm_p50_ms": 30, "render_within_target": worst <= 30,
        "lookup": lk, "target_lookup_and_marking_p95_ms": 300,
        "lookup_within_target": lk["lookup_and_marking_p95_ms"] <= 300,
    }, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
