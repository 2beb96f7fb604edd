"""Cold start to main window shown (offscreen Qt), in a fresh process each run.

Each run spawns a new Python process that does what `hallclient app` does — import the UI,
open the data directory (lock, migrations check, store), show the login dialog, log in (a real
Argon2 verification) and show the main window — and reports the time from just before the
spawn to the main window being exposed and painted. The data directory is seeded once beforehand, as on a
clerk's PC after installation.

    python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
t_spawn = float(sys.argv[1]); data_dir = sys.argv[2]
from ui.app import ensure_app
from hallclient.context import open_context
from ui.login import LoginDialog, _login
from ui.main_window import MainWindow
app = ensure_app()
ctx = open_context(data_dir, seed=True)
dlg = LoginDialog(ctx.store); dlg.show(); app.processEvents()
t_login_shown = time.time()
session = _login(ctx.store, "clerk", "clerk123", dlg.window_box.currentData())
dlg.accept()
mw = MainWindow(ctx, session); mw.show()
# isVisible() is true as soon as show() returns; the window counts as shown once the
# platform has exposed it (mapped, ready to paint) and its first paint has run.
while mw.windowHandle() is None or not mw.windowHandle().isExposed():
    app.processEvents()
mw.repaint()
app.processEvents()
t_main = time.time()
print(f"{t_login_shown - t_spawn:.6f} {t_main - t_spawn:.6f}")
ctx.close()
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-c", "from hallclient.context import open_context; open_context(%r, seed=True).close()" % d], env=env, check=True)
        login_shown, main_shown = [], []
        for _ in range(args.runs):
            t0 = time.time()
            out = subprocess.run([sys.executable, "-c", CHILD, repr(t0), d], env=env, check=True, capture_output=True, text=True).stdout
            a, b = map(float, out.split()[-2:])
            login_shown.append(a)
            main_shown.append(b)
    print(json.dumps({
        "benchmark": "startup",
        "runs": args.runs,
        "login_dialog_shown_median_s": round(statistics.median(login_shown), 3),
        "main_window_shown_median_s": round(statistics.median(main_shown), 3),
        "main_window_shown_max_s": round(max(main_shown), 3),
        "target_median_s": 1.5,
        "cpus": os.cpu_count(),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
