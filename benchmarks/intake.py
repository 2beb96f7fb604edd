"""Intake benchmark: document render times and "accept" → notice ready for preview.

    python benchmarks/intake.py [--repeat 30] [--accepts 15]

Prints JSON. Targets (DOMAIN/issue 3): warm render p50 ≤ 30 ms per document; accept to the
受理通知书 loaded in the preview ≤ 150 ms. "first" is the first render of a kind in a fresh
process (fonts loaded and subset on the way); "warm" are the following renders.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def _ms(x: float) -> float:
    return round(x * 1000, 2)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--accepts", type=int, default=15)
    args = ap.parse_args()

    from sqlalchemy import select

    from hallclient.context import open_context
    from hallclient.intake import accept, refuse, request_supplement, start_case
    from hallclient.intake.applicants import ApplicantInput, save_applicant
    from hallclient.intake.cases import Desk
    from hallclient.intake.snapshot import case_snapshot
    from hallclient.models import Hall, ServiceItem, User, Window
    from hallclient.validation import id_check_char
    from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
    from printing.documents import render_document

    tmp = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    ctx = open_context(tmp / "data", seed=True)
    n = 0

    def applicant(s, name="王𠀀䶮"):
        nonlocal n
        n += 1
        first17 = f"440305199001{n % 28 + 1:02d}{n % 1000:03d}"
        return save_applicant(s, ApplicantInput("person", name, first17 + id_check_char(first17)))

    with ctx.store.session() as s:
        for year in (date.today().year, date.today().year + 1):
            if year not in LIBRARY_YEARS:
                set_year_schedule(s, year, {}, source="benchmark")
        hall = s.scalars(select(Hall)).first()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        desk = Desk(user.id, win.id, win.code, hall.code)
        item = s.scalars(select(ServiceItem).where(ServiceItem.code == "SCJG-003")).one().id

        def ready_case():
            cid = start_case(s, desk, item, applicant(s))
            from hallclient.intake.cases import load_case
            from hallclient.intake.checklist import apply_status

            for m in load_case(s, cid).materials:
                if m.required:
                    apply_status(s, m, "received", today=date.today())
            return cid

        accepted = ready_case()
        accept(s, accepted, desk)
        supp = start_case(s, desk, item, applicant(s))
        request_supplement(s, supp, desk)
        refused = start_case(s, desk, item, applicant(s))
        refuse(s, refused, desk, "不属于本机关职权范围", "深圳市南山区市场监督管理局")
        snaps = {
            "acceptance_notice": case_snapshot(s, accepted),
            "material_receipt": case_snapshot(s, accepted),
            "supplement_notice": case_snapshot(s, supp),
            "refusal_notice": case_snapshot(s, refused),
        }
        drafts = [ready_case() for _ in range(args.accepts)]

    render: dict = {}
    for kind, snap in snaps.items():
        t0 = time.perf_counter()
        pdf = render_document(kind, snap)
        first = time.perf_counter() - t0
        warm = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            render_document(kind, snap)
            warm.append(time.perf_counter() - t0)
        render[kind] = {"first_ms": _ms(first), "warm_p50_ms": _ms(statistics.median(warm)),
                        "warm_p95_ms": _ms(_pct(warm, 0.95)), "bytes": len(pdf)}

    # accept -> preview, through the real page: the click, the writer thread, the snapshot,
    # the render on the pool, the PDF loaded into QPdfDocument.
    from PySide6.QtCore import QEventLoop, QTimer

    from ui.app import ensure_app
    from ui.intake import jobs
    from ui.intake.page import IntakePage
    from ui.login import Session
    from ui.ops import wait_all

    ensure_app()
    page = IntakePage(ctx.store, Session(user.id, "clerk", "王晓敏", "clerk", win.id, win.code, win.name, hall.code, ""))
    page.resize(1400, 850)
    page.show()
    wait_all()
    times = []
    for cid in drafts:
        page._show(jobs.case_view(ctx.store, cid))
        loop = QEventLoop()
        page.document_ready.connect(loop.quit)
        QTimer.singleShot(10_000, loop.quit)
        page.trigger("accept")
        loop.exec()
        page.document_ready.disconnect(loop.quit)
        if page.last_accept_to_preview_s is None:
            print(json.dumps({"error": page.message.text()}, ensure_ascii=False))
            return 1
        times.append(page.last_accept_to_preview_s)
        page.last_accept_to_preview_s = None
    wait_all()
    result = {
        "render": render,
        "accept_to_preview_ms": {"first": _ms(times[0]), "p50": _ms(statistics.median(times[1:] or times)),
                                 "p95": _ms(_pct(times[1:] or times, 0.95)), "n": len(times)},
        "targets": {"warm_p50_ms": 30, "accept_to_preview_ms": 150},
    }
    result["meets_targets"] = all(v["warm_p50_ms"] <= 30 for v in render.values()) and \
        result["accept_to_preview_ms"]["p50"] <= 150
    print(json.dumps(result, ensure_ascii=False, indent=2))
    page.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
