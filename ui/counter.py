"""What the counter devices do to the pages of the window client.

The devices hub only reports events; this module decides what they mean at a window:

- an ID card on the reader starts (or fills) the intake form of that applicant;
- a rating from the rating pad is stored like one given on screen (case, clerk, window, outbox);
- a scanned case or registration number (the CODE128 on every notice) opens that case in 办件查询.
"""

from __future__ import annotations

import logging
import re

from ui.ops import Op, error_text

log = logging.getLogger(__name__)

#: What the notices' barcode carries: the case number (hall code 9 + date 8 + window 2 +
#: sequence 6) once accepted, else the registration number (the case's UUID).
CASE_REFERENCE = re.compile(r"^(\d{25}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def connect_counter(mw) -> None:
    hub = mw.devices
    hub.card_read.connect(lambda doc: on_card_read(mw, doc))
    hub.rating_given.connect(lambda e: on_rating_given(mw, e))
    hub.scanned.connect(lambda text: on_scanned(mw, text))


def on_card_read(mw, doc) -> None:
    page = mw.show_page("intake")
    if page is None:  # a role without intake (none today): say so rather than drop the card
        mw.statusBar().showMessage("已读取身份证，但当前账号不能受理办件", 8000)
        return
    page.fill_from_identity(doc)


def on_rating_given(mw, e) -> None:
    from devices.rating import REASONS
    from ui.queue.rating import save_rating

    reasons = [REASONS.get(code, code) for code in e.reasons]
    # A pad may let a person press 不满意 without a reason; the rating still counts.
    comment = "" if reasons or e.level > 2 else "评价器未选择原因"
    Op(mw, save_rating, mw.store, e.level, reasons, comment, e.token, mw.session.user_id, mw.session.window_id,
       source="pad", writer=True).success(
        lambda _id: mw.statusBar().showMessage(f"已收到评价器评价：{e.token}", 8000)).failure(
        lambda exc: mw.statusBar().showMessage("评价未能保存：" + error_text(exc), 15000)).run()


def on_scanned(mw, text: str) -> None:
    text = text.strip()
    if not CASE_REFERENCE.match(text):
        mw.statusBar().showMessage(f"扫码内容不是办件编号：{text[:40]}", 8000)
        return
    page = mw.show_page("cases")
    if page is not None:
        page.search.setText(text)
        page.run_search()
