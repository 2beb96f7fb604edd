"""Render the intake page and the case list offscreen into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_intake_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent


def main() -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from sqlalchemy import select

    from hallclient.context import open_context
    from hallclient.identity import IdentityDocument
    from hallclient.intake.training import generate
    from hallclient.models import Hall, User, Window
    from hallclient.validation import id_check_char
    from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule
    from ui.app import ensure_app
    from ui.login import Session
    from ui.main_window import MainWindow
    from ui.ops import wait_all

    app = ensure_app()
    ctx = open_context(Path(tempfile.mkdtemp()) / "data", seed=True)
    with ctx.store.session() as s:
        for year in (date.today().year, date.today().year + 1):
            if year not in LIBRARY_YEARS:
                set_year_schedule(s, year, {}, source="screenshot")
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name,
                          hall.code, hall.name)
    generate(ctx.store.session, 40, seed=7)

    def settle(ms=400):
        for _ in range(6):
            wait_all()
            loop = QEventLoop()
            QTimer.singleShot(ms // 6, loop.quit)
            loop.exec()

    mw = MainWindow(ctx, session)
    mw.resize(1500, 900)
    mw.show()
    page = mw.open_intake_for_ticket("A012")
    settle()
    first17 = "44030519880808123"
    page.fill_from_identity(IdentityDocument("resident", "赵䶮𠀀", first17 + id_check_char(first17),
                                             address="广东省深圳市南山区科技园路 1 号"))
    settle()
    page.items.search.setText("yxzrgs")
    settle()
    page.items._enter()
    settle()
    rows = page.view.rows
    page.set_row(rows[0].id, "received", "", None)
    settle()
    page.set_row(rows[2].id, "exempt", "DZZZ-44030519880808", None)
    settle()
    page.set_row(rows[4].id, "gap", "", date.fromordinal(date.today().toordinal() + 10))
    settle()
    page.receive_all()
    settle()
    page.trigger("accept")
    settle(1200)
    mw.grab().save(str(OUT / "intake_page.png"))

    cases = mw.show_page("cases")
    settle()
    cases.search.setText("有限")
    cases.run_search()
    settle(1200)
    mw.grab().save(str(OUT / "case_list.png"))
    print(OUT / "intake_page.png", OUT / "case_list.png")
    mw.close()
    wait_all()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
