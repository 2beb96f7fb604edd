"""Screenshots of the main window as `hallclient demo` runs it: the queue page after F1 and the
intake page filled by a card on the (simulated) reader.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_counter_screenshots.py
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
from sqlalchemy import select
from ui.app import ensure_app
from hallclient.context import open_context
from hallclient.models import Hall, User, Window
from ui.login import Session
from ui.main_window import MainWindow
from ui.launcher import start_demo_queue
from devices.demo import start_demo_devices
from devices.simulators.idreader import sample_cards
app = ensure_app()
d = tempfile.mkdtemp()
ctx = open_context(d, seed=True)
ctx.services["demo_devices"] = demo = start_demo_devices(d + "/dev", card="", realistic=False)
start_demo_queue(ctx)
with ctx.store.session() as s:
    u = s.scalars(select(User).where(User.username == "clerk")).one()
    w = s.scalars(select(Window).where(Window.code == "03")).one()
    h = s.scalars(select(Hall)).one()
    session = Session(u.id, u.username, u.display_name, u.role, w.id, w.code, w.name, h.code, h.name)
mw = MainWindow(ctx, session); mw.resize(1280, 800); mw.show()
def pump(sec):
    end = time.time() + sec
    while time.time() < end:
        app.processEvents(); time.sleep(0.01)
pump(1.5)
panel = mw.show_page("queue"); pump(1.0)
panel.do_call_next(); pump(1.5)
mw.show_page("queue"); pump(0.5)
mw.grab().save(str(OUT / "counter-queue-called.png"))
demo.simulators["id_reader"].place(sample_cards()["resident_rare_name"]); pump(2.5)
mw.grab().save(str(OUT / "counter-intake-from-card.png"))
print("LED strip shows:", demo.simulators["led"].shown)
ctx.close()
os._exit(0)  # skip Qt teardown order issues of a throwaway script
