"""Screenshots of the workbench visit, the kiosk and the hall display at 1366x768 and
1920x1080 (the kiosk also portrait), as `hallclient demo` runs them: simulated devices, the
hall queue service on loopback, the real store.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_workbench_screenshots.py
"""
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"

from sqlalchemy import select  # noqa: E402

from devices.demo import start_demo_devices  # noqa: E402
from devices.simulators.idreader import sample_cards  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from hallclient.models import Hall, User, Window  # noqa: E402
from sync.hallqueue.client import QueueClient  # noqa: E402
from ui.app import ensure_app  # noqa: E402
from ui.launcher import start_demo_queue  # noqa: E402
from ui.login import Session  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

app = ensure_app()


def pump(sec):
    end = time.time() + sec
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def session_of(ctx):
    with ctx.store.session() as s:
        u = s.scalars(select(User).where(User.username == "clerk")).one()
        w = s.scalars(select(Window).where(Window.code == "03")).one()
        h = s.scalars(select(Hall)).one()
        return Session(u.id, u.username, u.display_name, u.role, w.id, w.code, w.name, h.code, h.name)


def visit(size):
    d = tempfile.mkdtemp()
    ctx = open_context(d, seed=True)
    ctx.services["demo_devices"] = demo = start_demo_devices(d + "/dev", card="", realistic=False)
    start_demo_queue(ctx)
    mw = MainWindow(ctx, session_of(ctx))
    mw.resize(*size)
    mw.show()
    tag = f"{size[0]}x{size[1]}"
    pump(2.0)
    mw.grab().save(str(OUT / f"workbench-{tag}-1-start.png"))
    mw.visit_key("call_next")
    pump(1.5)
    demo.simulators["id_reader"].place(sample_cards()["resident_rare_name"])
    pump(2.5)
    page = mw.pages["intake"]
    page.items.search.setText("GJJ-001")
    pump(0.5)
    page.items._enter()
    pump(1.5)
    mw.grab().save(str(OUT / f"workbench-{tag}-2-checklist.png"))
    mw.visit_key("receive_all")
    pump(1.0)
    mw.visit_key("accept")
    pump(3.0)
    mw.grab().save(str(OUT / f"workbench-{tag}-3-accepted.png"))
    page.preview.print_target = d + "/printed.pdf"
    mw.visit_key("print")
    pump(3.0)
    print(tag, "print confirmation:", repr(page.preview.confirmation.text()),
          page.decisions.buttons["print"].isEnabled())
    mw.grab().save(str(OUT / f"workbench-{tag}-4-printed.png"))
    mw.show_key_help()
    pump(0.5)
    mw.key_help.grab().save(str(OUT / f"workbench-keymap-help.png"))
    mw.key_help.close()
    demo.simulators["rating_pad"].stop() if hasattr(demo.simulators["rating_pad"], "stop") else None
    mw.pages["queue"].open_rating_dialog("A001")
    pump(1.0)
    mw.pages["queue"].rating_dialog.grab().save(str(OUT / f"workbench-{tag}-5-rating.png"))
    mw.devices.stop()
    ctx.close()


def hall_screens(size):
    from sync.hallqueue.server import LocalHall, serve_in_background
    from ui.queue.display import HallDisplay
    from ui.queue.kiosk import KioskWindow

    d = tempfile.mkdtemp()
    srv = serve_in_background(f"sqlite:///{d}/queue.sqlite3")
    c = LocalHall(srv)
    for n in range(1, 37):
        c.set_window(f"{n:02d}", f"{n}号窗口", {"queues": ["A", "B"]})
    for _ in range(40):
        c.issue("A")
    for n in range(1, 31):
        c.call_next(f"{n:02d}")
    tag = f"{size[0]}x{size[1]}"
    disp = HallDisplay(srv.url, "示例市政务服务中心", enable_speech=False, token=srv.token("display"))
    disp.resize(*size)
    disp.show()
    pump(2.0)
    disp.grab().save(str(OUT / f"display-36-windows-{tag}.png"))
    disp.shutdown()
    disp.close()
    off = HallDisplay("http://127.0.0.1:9", "示例市政务服务中心", enable_speech=False,
                      known_windows=[(f"{n:02d}", f"{n}号窗口") for n in range(1, 9)])
    off.resize(*size)
    off.show()
    pump(2.0)
    off.grab().save(str(OUT / f"display-offline-{tag}.png"))
    off.shutdown()
    off.close()
    for name, ksize in ((tag, size), (f"portrait-{size[1]}x{size[0]}", (size[1], size[0]))):
        k = KioskWindow(srv.url, "示例市政务服务中心", token=srv.token("kiosk"))
        k.resize(*ksize)
        k.show()
        pump(1.5)
        k.late_input.setFocus()
        k.keypad.press("A")
        k.keypad.press("0")
        pump(0.3)
        k.grab().save(str(OUT / f"kiosk-{name}.png"))
        k.close()
    srv.close()


for size in ((1366, 768), (1920, 1080)):
    visit(size)
    hall_screens(size)
print("written to", OUT)
os._exit(0)  # skip Qt teardown order issues of a throwaway script
