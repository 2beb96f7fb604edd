"""Screenshots of the supervisor's page (值班长) with a synthetic busy hall day, at 1366x768
and 1920x1080, its charts tab, and page 1 of the daily report PDF (via pdftoppm).
Run: .venv/bin/python docs/screenshots/make_supervisor_screenshots.py"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get("HALLCLIENT_SCREENSHOTS_DIR", Path(__file__).resolve().parent))

from PySide6.QtCore import QCoreApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hallclient.context import open_context  # noqa: E402
from hallclient.models import utcnow  # noqa: E402
from hallclient.permissions import Actor  # noqa: E402
from hallclient.supervision import sample  # noqa: E402
from hallclient.supervision.overview import load_report, reading  # noqa: E402
from ui.app import ensure_app  # noqa: E402
from ui.login import Session  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

DAY = date(2026, 12, 2)  # a Wednesday
TODAY = DAY + timedelta(days=1)


def wait_until(pred, ms: int = 20_000) -> None:
    import time

    end = time.monotonic() + ms / 1000
    while not pred() and time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)


def main() -> None:
    ensure_app()
    with open_context(Path(tempfile.mkdtemp()) / "demo", seed=True) as ctx:
        sample.load_day(ctx.store, DAY, cases=600, tickets=1000, ratings=500)
        session = Session(3, "supervisor", "值班长 陈静", "supervisor", None, "", "", "440300001", "示例市政务服务中心")
        for w, h in ((1366, 768), (1920, 1080)):
            mw = MainWindow(ctx, session)
            mw.resize(w, h)
            mw.show()
            page = mw.show_page("supervisor")
            page.today = TODAY
            page.date_from.setDate(DAY)
            page.date_to.setDate(DAY)
            page.reload()
            wait_until(lambda: page.day is not None and page.day.period.first == DAY)
            QApplication.processEvents()
            mw.grab().save(str(OUT / f"supervisor-{w}x{h}.png"))
            print(OUT / f"supervisor-{w}x{h}.png")
            page.tabs.setCurrentIndex(1)
            QApplication.processEvents()
            mw.grab().save(str(OUT / f"supervisor-warnings-{w}x{h}.png"))
            page.tabs.setCurrentWidget(page.charts)
            QApplication.processEvents()
            mw.grab().save(str(OUT / f"supervisor-charts-{w}x{h}.png"))
            print(OUT / f"supervisor-charts-{w}x{h}.png")
            mw.close()
            mw.deleteLater()
            QApplication.processEvents()
        from printing.report import ReportMeta, render_report_pdf

        with reading(ctx.store) as s:
            day = load_report(s, Actor(3, "supervisor", "supervisor", "值班长 陈静"), DAY, today=TODAY)
        pdf = Path(tempfile.mkdtemp()) / "report.pdf"
        pdf.write_bytes(render_report_pdf(day, ReportMeta("示例市政务服务中心", "值班长 陈静", utcnow())))
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(pdf), str(OUT / "supervisor-report")], check=True)
        print(OUT / "supervisor-report-1.png")


if __name__ == "__main__":
    main()
