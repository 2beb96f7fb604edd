"""The supervisor's page on a busy hall day: 3,000 cases, 5,000 tickets, 2,500 ratings.

Prints JSON with medians of several runs:
- open_page_ms: the page built and shown with all its data (one background read, models and
  charts filled), measured offscreen; target <= 300 ms; `load_day_ms` is the read alone;
- filter_change_ms: a filter or search change until the table shows it; target <= 100 ms;
- report_pdf_ms: the daily report PDF with its charts; target <= 2 s;
- load_during_writes_ms: the read while another thread keeps write transactions open on the
  same store (what the sync worker does when it applies a pull), beside load_day_ms: reads
  must not wait behind writes;
- baseline_ms: a fixed pure-Python loop measured in the same run (the machine is shared and
  noisy: compare figures to it, not only to the targets).
Run: python benchmarks/supervisor.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DAY = date(2026, 12, 2)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _med(v: list[float]) -> float:
    return round(statistics.median(v), 1)


def baseline() -> float:
    t0 = time.perf_counter()
    sum(i * i for i in range(200_000))
    return _ms(t0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from PySide6.QtCore import QCoreApplication

    from hallclient.context import open_context
    from hallclient.models import utcnow
    from hallclient.permissions import Actor
    from hallclient.supervision import sample
    from hallclient.supervision.mirror import apply_hall_records
    from hallclient.supervision.overview import CaseFilter, filter_cases, load_day, load_report, reading
    from printing import fonts
    from printing.report import ReportMeta, render_report_pdf
    from ui.app import ensure_app
    from ui.login import Session
    from ui.ops import wait_all
    from ui.supervisor.page import SupervisorPage

    ensure_app()
    fonts.register_fonts()
    ctx = open_context(Path(tempfile.mkdtemp()) / "bench", seed=True)
    t0 = time.perf_counter()
    sample.load_day(ctx.store, DAY, cases=3000, tickets=5000, ratings=2500)
    setup_s = _ms(t0) / 1000
    actor = Actor(3, "supervisor", "supervisor", "值班长")
    session = Session(3, "supervisor", "值班长", "supervisor", None, "", "", "440300001", "示例市政务服务中心")
    today = DAY + timedelta(days=1)

    def load() -> float:
        t0 = time.perf_counter()
        with reading(ctx.store) as s:
            load_day(s, actor, DAY, today=today)
        return _ms(t0)

    load()
    loads = [load() for _ in range(args.runs)]

    opens, filters = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        page = SupervisorPage(ctx.store, session, today=today, first_day=DAY)
        while page.day is None:
            QCoreApplication.processEvents()
            time.sleep(0.001)
        page.resize(1366, 768)
        page.show()
        QCoreApplication.processEvents()
        opens.append(_ms(t0))
        for action in (lambda: page.f_window.setCurrentIndex(3), lambda: page.f_text.setText("王"),
                       lambda: page.f_state.setCurrentIndex(2), lambda: page.f_text.setText(""),
                       lambda: page.f_window.setCurrentIndex(0)):
            t0 = time.perf_counter()
            action()
            page.case_view.viewport().repaint()
            QCoreApplication.processEvents()
            filters.append(_ms(t0))
        page.close()
        page.deleteLater()
        wait_all()
        QCoreApplication.processEvents()

    with reading(ctx.store) as s:
        day = load_report(s, actor, DAY, today=today)
    meta = ReportMeta("示例市政务服务中心", "值班长", utcnow())
    pdf = []
    for _ in range(max(3, args.runs // 2)):
        t0 = time.perf_counter()
        render_report_pdf(day, meta)
        pdf.append(_ms(t0))

    # A writer keeping transactions open, as the sync worker does while applying pages.
    with ctx.store.session() as s:
        rows, _events = sample.make_day(s, DAY + timedelta(days=5), cases=300, tickets=0, ratings=0, seed=99)
    stop = threading.Event()
    held = []

    def writer():
        i = 0
        while not stop.is_set():
            with ctx.store.session() as s:
                apply_hall_records(s, rows[i % len(rows):][:200])
                time.sleep(0.05)  # the write transaction stays open
            held.append(1)
            i += 200

    th = threading.Thread(target=writer, daemon=True)
    th.start()
    time.sleep(0.1)
    during = [load() for _ in range(args.runs)]
    stop.set()
    th.join()
    filt_core = []
    with reading(ctx.store) as s:
        d = load_day(s, actor, DAY, today=today)
    for f in (CaseFilter(window="03"), CaseFilter(text="王"), CaseFilter(state="refused", text="4403")):
        t0 = time.perf_counter()
        filter_cases(d.cases, f)
        filt_core.append(_ms(t0))
    out = {
        "cases": 3000, "tickets": 5000, "ratings": 2500, "setup_s": round(setup_s, 1),
        "baseline_ms": _med([baseline() for _ in range(5)]),
        "load_day_ms": _med(loads),
        "open_page_ms": _med(opens), "open_page_target_ms": 300,
        "filter_change_ms": _med(filters), "filter_change_max_ms": round(max(filters), 1), "filter_change_target_ms": 100,
        "filter_core_ms": _med(filt_core),
        "report_pdf_ms": _med(pdf), "report_pdf_target_ms": 2000,
        "load_during_writes_ms": _med(during), "write_transactions_meanwhile": len(held),
    }
    out["within_targets"] = out["open_page_ms"] <= 300 and out["filter_change_ms"] <= 100 and out["report_pdf_ms"] <= 2000
    print(json.dumps(out, ensure_ascii=False, indent=1))
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
