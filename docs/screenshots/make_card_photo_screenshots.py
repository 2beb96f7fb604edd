"""Screenshots of the applicant panel filled by ID cards: a person with the card photo (decoded
by a stand-in WLT library compiled on the fly), and an organisation whose legal representative
came from an expired card.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_card_photo_screenshots.py
"""
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "docs" / "screenshots"
from sqlalchemy import select  # noqa: E402

from devices.simulators.idreader import sample_cards  # noqa: E402
from hallclient import settings  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from hallclient.models import Hall, User, Window  # noqa: E402
from hallclient.validation import uscc_check_char  # noqa: E402
from ui.app import ensure_app  # noqa: E402
from ui.login import Session  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

# A stand-in decoder: a grey head-and-shoulders silhouette on light blue (the real one is the vendor's).
C = r"""
int unpack(char *wlt, char *bgr, int save) {
    int stride = (102 * 3 + 3) & ~3;
    for (int y = 0; y < 126; y++) for (int x = 0; x < 102; x++) {
        int top = 125 - y, dx = x - 51, head = dx * dx + (top - 45) * (top - 45) < 22 * 22;
        int body = top > 80 && dx * dx < (top - 60) * (top - 60);
        unsigned char v = (head || body) ? 90 : 0;
        char *p = bgr + y * stride + x * 3;
        p[0] = v ? v : (char)235; p[1] = v ? v : (char)200; p[2] = v ? v : (char)150;
    }
    return 1;
}
"""
app = ensure_app()
d = tempfile.mkdtemp()
(Path(d) / "wlt.c").write_text(C)
subprocess.run(["cc", "-shared", "-fPIC", "-o", f"{d}/libwlt.so", f"{d}/wlt.c"], check=True)
ctx = open_context(d + "/data", seed=True)
with ctx.store.session() as s:
    settings.set_value(s, settings.WLT_DECODER, f"{d}/libwlt.so")
    u = s.scalars(select(User).where(User.username == "clerk")).one()
    w = s.scalars(select(Window).where(Window.code == "03")).one()
    h = s.scalars(select(Hall)).one()
    session = Session(u.id, u.username, u.display_name, u.role, w.id, w.code, w.name, h.code, h.name)
mw = MainWindow(ctx, session)
mw.resize(1280, 800)
mw.show()


def pump(sec):
    end = time.time() + sec
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)


page = mw.open_intake_for_ticket("A012")
pump(1.0)
cards = sample_cards()
page.fill_from_identity(cards["resident_rare_name"])
pump(1.0)
page.applicant.grab().save(str(OUT / "intake-card-photo.png"))
mw.grab().save(str(OUT / "intake-card-photo-window.png"))
page.new_applicant("A013")
panel = page.applicant
panel.kind.setCurrentIndex(1)
panel.id_number.setText("91440300MA5F00001" + uscc_check_char("91440300MA5F00001"))
panel.name.setText("深圳市前海𠀀科技有限公司")
page.fill_from_identity(dataclasses.replace(cards["resident"], valid_to=date(2020, 1, 1)))
pump(1.0)
panel.grab().save(str(OUT / "intake-card-legal-rep-expired.png"))
ctx.close()
os._exit(0)
