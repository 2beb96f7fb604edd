"""Render the 收费 page (1366x768 and 1920x1080), an e-receipt, a voided paper receipt and the
daily close offscreen into docs/screenshots/, against a real reference server on loopback.

    QT_QPA_PLATFORM=offscreen python docs/screenshots/make_fees_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "fees")]
OUT = Path(__file__).resolve().parent


def main() -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from sqlalchemy import select

    from fees_helpers import accepted_case, actor
    from hallclient.context import open_context
    from hallclient.fees import payments, stock
    from hallclient.models import Hall, User, Window
    from sync.engine import SyncEngine, register
    from sync.server.admin import register_device
    from sync.server.fees import confirm_payment
    from sync.server.run import ServerThread
    from ui.app import ensure_app
    from ui.login import Session
    from ui.main_window import MainWindow
    from ui.ops import wait_all

    app = ensure_app()  # noqa: F841
    tmp = Path(tempfile.mkdtemp())
    ctx = open_context(tmp / "data", seed=True)
    server = ServerThread(f"sqlite:///{tmp / 'central.sqlite3'}").start()
    register(ctx.store, server.url, register_device(server.db, "3号窗口", "440300001")["token"])
    with ctx.store.session() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name, hall.code, hall.name)
        clerk = actor(s)
        stock.register_stock(s, actor(s, "supervisor"), "clerk", "44010226", 1230, 1279)
        earlier, desk = accepted_case(s, "BDC-002")
        paid = payments.pay_at_window(s, clerk, desk, earlier, "cash", tendered_fen=10000)
        scan_case, _ = accepted_case(s, "GAJ-002")
        payments.pay_at_window(s, clerk, desk, scan_case, "scan", reference="WX42000012342025")
        noticed, _ = accepted_case(s, "BDC-001")
        notice = payments.issue_notice(s, clerk, desk, noticed, {1: 3})
        case_id, _ = accepted_case(s, "BDC-001")
        r = stock.take_receipt_number(s, clerk, paid.payment_id)
    with ctx.store.session() as s:
        from hallclient.permissions import authorise

        auth = authorise(s, payments.Action.REVERSE_FEE, clerk, "supervisor", "super123")
        stock.void_receipt(s, clerk, r.id, "打印机卡纸，票面污损", auth)
        r2 = stock.take_receipt_number(s, clerk, paid.payment_id)
        stock.confirm_printed(s, clerk, r2.id)
    engine = SyncEngine.from_store(ctx.store)
    engine.cycle()
    confirm_payment(server.db, notice.payment_code, notice.total_fen, "wechat", "WX4200009988776655")
    engine.cycle()
    engine.close()

    def settle(ms=500):
        for _ in range(6):
            wait_all()
            loop = QEventLoop()
            QTimer.singleShot(ms // 6, loop.quit)
            loop.exec()

    mw = MainWindow(ctx, session)
    mw.show()
    for w, h in ((1366, 768), (1920, 1080)):
        mw.resize(w, h)
        page = mw.open_fees(case_id)
        settle()
        page.spins[1].setValue(2)
        settle()
        page.method_buttons["cash"].setChecked(True)
        page.tendered.setText("100")
        settle()
        mw.grab().save(str(OUT / f"fees-page-{w}x{h}.png"))
    mw.resize(1366, 768)
    page = mw.open_fees(noticed)
    settle(900)
    mw.grab().save(str(OUT / "fees-e-receipt-1366x768.png"))
    page = mw.open_fees(earlier)
    settle(900)
    keys = [page.records.item(i).data(256) for i in range(page.records.count())]
    page.records.setCurrentRow(next(i for i, k in enumerate(keys) if k == f"paper:{r.id}"))
    settle(900)
    mw.grab().save(str(OUT / "fees-paper-void-1366x768.png"))
    dlg = page.open_close()
    settle(900)
    dlg.grab().save(str(OUT / "fees-day-close.png"))
    mw.close()
    server.stop()
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
