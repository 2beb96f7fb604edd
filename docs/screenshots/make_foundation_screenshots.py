"""Screenshots of the foundation's windows: login, settings (大厅 tab) and the first-run
message of a new installation. Run: .venv/bin/python docs/screenshots/make_foundation_screenshots.py"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get("HALLCLIENT_SCREENSHOTS_DIR", Path(__file__).resolve().parent))

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from hallclient.context import open_context  # noqa: E402
from ui.app import ensure_app  # noqa: E402
from ui.launcher import run_client  # noqa: E402
from ui.login import LoginDialog  # noqa: E402
from ui.settings_dialog import SettingsDialog  # noqa: E402


def grab(widget, name: str) -> None:
    widget.show()
    QApplication.processEvents()
    widget.grab().save(str(OUT / name))
    print(OUT / name)


def main() -> None:
    app = ensure_app()
    with open_context(Path(tempfile.mkdtemp()) / "demo", seed=True) as ctx:
        grab(LoginDialog(ctx.store), "login.png")
        dlg = SettingsDialog(ctx.store)
        tabs = dlg.findChild(__import__("PySide6.QtWidgets", fromlist=["QTabWidget"]).QTabWidget)
        tabs.setCurrentIndex([tabs.tabText(i) for i in range(tabs.count())].index("大厅"))
        grab(dlg, "settings.png")

    def first_run_box():
        w = QApplication.activeModalWidget()
        if isinstance(w, QMessageBox):
            grab(w, "first-run.png")
            w.accept()
        else:
            QTimer.singleShot(50, first_run_box)

    QTimer.singleShot(50, first_run_box)
    run_client(str(Path(tempfile.mkdtemp()) / "new-installation"), demo=False)
    app.processEvents()


if __name__ == "__main__":
    main()
