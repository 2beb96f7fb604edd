"""Screenshots of the certificate page (docs/certificates.md), offscreen, at 1366×768 and
1920×1080, with a fresh demo store: a decided 即办件 whose 营业执照 was printed once.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_certificate_screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "certificates")]


def main(out: Path) -> None:
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from cert_helpers import actor, decided_case
    from hallclient.certificates.stock import print_certificate
    from hallclient.context import open_context
    from hallclient.intake import ApplicantInput
    from hallclient.models import Hall, User, Window
    from ui.app import ensure_app
    from ui.login import Session
    from ui.main_window import MainWindow
    from ui.ops import wait_all

    ensure_app()
    app = QApplication.instance()
    with tempfile.TemporaryDirectory() as d, open_context(Path(d), seed=True) as ctx:
        with ctx.store.session() as s:
            org = ApplicantInput("organisation", "示例市前海䶮𠀀科技有限公司", "91440300MA5F00001A", address="广东省示例市福田区示例路 88 号 3 栋 1202",
                                 legal_rep_name="李䶮", legal_rep_id_number="440304199001011233")
            cid, cert = decided_case(s, "SCJG-001", applicant=org)
            print_certificate(s, actor(s, "clerk"), cert, printer="PDF 文件")
            decided_case(s, "SCJG-002")
            user = s.scalars(select(User).where(User.username == "clerk")).one()
            win = s.scalars(select(Window).where(Window.code == "03")).one()
            hall = s.scalars(select(Hall)).one()
            session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name,
                              hall.code, hall.name)
        mw = MainWindow(ctx, session)
        for w, h in ((1366, 768), (1920, 1080)):
            mw.resize(w, h)
            mw.show()
            page = mw.show_page("certificates")
            page.open_case(cid)
            for _ in range(200):
                app.processEvents()
                wait_all()
                app.processEvents()
                if page.view is not None and page.doc.pageCount() == 1:
                    break
            import time

            for _ in range(40):  # QPdfView renders its pages on a thread of its own
                app.processEvents()
                time.sleep(0.05)
            mw.grab().save(str(out / f"certificates-page-{w}x{h}.png"))
        mw.devices.stop()
        mw.close()
        wait_all()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    main(target)
