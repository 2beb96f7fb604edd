"""Screenshots of the security screens: the locked window (1366x768 and 1920x1080), the case
detail with the masked ID number, and the forced password change.
Run: .venv/bin/python docs/screenshots/make_security_screenshots.py"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HALLCLIENT_NO_KEYRING", "1")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get("HALLCLIENT_SCREENSHOTS_DIR", Path(__file__).resolve().parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

from hallclient.context import open_context  # noqa: E402
from ui.app import ensure_app  # noqa: E402
from ui.login import _login  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.ops import wait_all  # noqa: E402
from ui.password import PasswordDialog  # noqa: E402


def settle(seconds: float = 0.5) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def grab(widget, name: str) -> None:
    widget.show()
    settle()
    widget.grab().save(str(OUT / name))
    print(OUT / name)


def _accepted_case(store) -> None:
    from hallclient.intake import ApplicantInput, accept, save_applicant, start_case
    from hallclient.intake.cases import Desk, load_case
    from hallclient.intake import update_material
    from hallclient.models import Hall, ServiceItem, User, Window
    from sqlalchemy import select

    with store.session() as s:
        hall = s.scalars(select(Hall)).first()
        win = s.scalars(select(Window).where(Window.code == "01")).one()
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        desk = Desk(user.id, win.id, win.code, hall.code)
        a = save_applicant(s, ApplicantInput("person", "张䶮", "11010519491231002X", phone="13812345678",
                                             address="北京市东城区东华门大街1号"))
        item = s.scalars(select(ServiceItem.id).where(ServiceItem.code == "SCJG-003")).one()
        cid = start_case(s, desk, item, a)
        for row in load_case(s, cid).materials:
            if row.required:
                update_material(s, cid, row.id, "received", today=date.today())
        accept(s, cid, desk)


def main() -> None:
    ensure_app()
    with open_context(Path(tempfile.mkdtemp()) / "demo", seed=True) as ctx:
        _accepted_case(ctx.store)
        session = _login(ctx.store, "clerk", "clerk123", None)
        from sqlalchemy import select
        from hallclient.models import Window

        with ctx.store.session() as s:
            w = s.scalars(select(Window).where(Window.code == "01")).one()
        from dataclasses import replace

        session = replace(session, window_id=w.id, window_code=w.code, window_name=w.name)
        mw = MainWindow(ctx, session)
        for size, name in (((1366, 768), "security-cases-masked.png"),):
            mw.resize(*size)
            page = mw.show_page("cases")
            mw.show()
            settle(1.0)
            page.table.selectRow(0)
            settle(1.5)
            grab(mw, name)
        for size, name in (((1366, 768), "security-locked-1366.png"), ((1920, 1080), "security-locked-1920.png")):
            mw.resize(*size)
            mw.show_page("intake")
            settle()
            mw.window_lock.lock("key")
            grab(mw, name)
            mw.window_lock._unlocked(type("W", (), {"user_id": session.user_id})())  # back, for the next size
        dlg = PasswordDialog(ctx.store, session.actor, forced=True)
        grab(dlg, "security-forced-password.png")
        mw.close()
        wait_all()


if __name__ == "__main__":
    main()
