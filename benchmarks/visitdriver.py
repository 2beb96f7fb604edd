"""The keyboard-only visit that benchmarks/visit.py times and benchmarks/soak.py repeats.

One main window on a fresh demo store, the hall queue service on loopback (a real HTTP
server). `VisitDriver.visit(n, step)` runs visit n: F1 (call) → ID typed, Enter → item code,
Enter → Ctrl+R (all received) → F9 (accepted, notice in the preview) → Ctrl+P (printed to a
PDF file) → F8 (rating window) → rating 5. `step(name, key, modifiers, done)` presses a key
and waits until `done()`; callers wrap it to time it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class VisitDriver:
    def __init__(self, visits: int, size: tuple[int, int] = (1366, 768)):
        from sqlalchemy import select

        from hallclient.context import open_context
        from hallclient.models import Hall, User, Window
        from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
        from sync.hallqueue.client import QueueClient
        from sync.hallqueue.server import LocalHall, serve_in_background
        from ui.app import ensure_app
        from ui.login import Session
        from ui.main_window import MainWindow

        self.app = ensure_app()
        self.dir = tempfile.mkdtemp()
        self.ctx = open_context(self.dir, seed=True)
        self.srv = serve_in_background(f"sqlite:///{self.dir}/queue.sqlite3")
        self.ctx.services["demo_queue"] = self.srv
        client = LocalHall(self.srv)
        for _ in range(visits + 2):
            client.issue("A")
        with self.ctx.store.session() as s:
            for year in (date.today().year, date.today().year + 1):
                if year not in LIBRARY_YEARS:
                    set_year_schedule(s, year, {}, source="bench")
            u = s.scalars(select(User).where(User.username == "clerk")).one()
            win = s.scalars(select(Window).where(Window.code == "03")).one()
            hall = s.scalars(select(Hall)).one()
            session = Session(u.id, u.username, u.display_name, u.role, win.id, win.code, win.name, hall.code, hall.name)
        self.mw = MainWindow(self.ctx, session)
        self.mw.resize(*size)
        self.mw.show()
        self.mw.activateWindow()
        wb = self.mw.pages["workbench"]
        self.panel, self.page = wb.ticket_panel, wb.intake
        self.until(lambda: self.panel.online is True and bool(self.page.items.catalogue.items))

    def until(self, cond, timeout: float = 20.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            self.app.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError
            time.sleep(0.0005)

    def press(self, key, mod, done) -> None:
        """Press a key where the focus is and wait for `done()` (untimed)."""
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        QTest.keyClick(QApplication.focusWidget() or self.mw, key, mod)
        self.until(done)

    def visit(self, n: int, step=None) -> None:
        from PySide6.QtCore import Qt

        from hallclient.validation import id_check_char

        step = step or (lambda name, key, mod, done: self.press(key, mod, done))
        panel, page = self.panel, self.page
        no, ctrl = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier
        expected = f"A{n + 1:03d}"
        step("F1_ticket_shown", Qt.Key.Key_F1, no, lambda: panel.current_label.text() == expected)
        first17 = f"44030519800101{n % 1000:03d}"
        page.applicant.id_number.setFocus()
        page.applicant.id_number.setText(first17 + id_check_char(first17))
        page.applicant.name.setText("测试" + "一二三四五六七八九十"[n % 10])
        step("id_enter", Qt.Key.Key_Return, no, lambda: page.items.search.hasFocus())
        page.items.search.setText("GJJ-001")
        self.until(lambda: page.items.list.count() >= 1)
        step("item_enter", Qt.Key.Key_Return, no, lambda: page.view is not None and page.view.snapshot.state == "draft")
        step("ctrl_r", Qt.Key.Key_R, ctrl, lambda: page.view.verdict.can_accept)
        step("F9_accept", Qt.Key.Key_F9, no, lambda: page.view.snapshot.state == "accepted"
             and page.preview.current is not None and page.preview.isVisible())
        page.preview.print_target = f"{self.dir}/print-{n % 10}.pdf"
        step("ctrl_p_print", Qt.Key.Key_P, ctrl, lambda: "已打印" in page.preview.confirmation.text())
        step("F8_end_rating", Qt.Key.Key_F8, no, lambda: panel.rating_dialog is not None and panel.rating_dialog.isVisible())
        panel.rating_dialog.choose(5)
        panel.rating_dialog.try_submit()
        self.until(lambda: panel.rating_dialog.rating_id is not None)
        self.until(lambda: not page.busy)

    def close(self) -> None:
        self.srv.close()
