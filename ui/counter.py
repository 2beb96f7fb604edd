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
    current = mw.stack.currentWidget()
    if hasattr(current, "take_card") and current.take_card(doc):
        return  # the certificate page waiting for the recipient of a hand-over took it
    page = mw.show_page("intake")
    if page is None:  # a role without intake (none today): say so rather than drop the card
        mw.statusBar().showMessage("已读取身份证，但当前账号不能受理办件", 8000)
        return
    page.fill_from_identity(doc)


#: Stored when the applicant gave a bad rating on the pad and closed the on-screen reason picker
#: without a reason: the bad rating still counts and is followed up, and says why it has none.
NO_REASON_GIVEN = "评价器未选择原因，申请人也未在屏幕上补选"


def on_rating_given(mw, e) -> None:
    from devices.rating import REASONS

    reasons = [REASONS.get(code, code) for code in e.reasons]
    if e.level <= 2 and not reasons:
        # A bad rating must carry a reason; a pad may let a person press 不满意 without one.
        ask_pad_reason(mw, e)
        return
    _save_pad_rating(mw, e, reasons, "")


def _save_pad_rating(mw, e, reasons: list[str], comment: str) -> None:
    from ui.queue.rating import save_rating

    Op(mw, save_rating, mw.store, e.level, reasons, comment, e.token, mw.session.user_id, mw.session.window_id,
       source="pad", writer=True).success(
        lambda _id: mw.statusBar().showMessage(f"已收到评价器评价：{e.token}", 8000)).failure(
        lambda exc: mw.statusBar().showMessage("评价未能保存：" + error_text(exc), 15000)).run()


def ask_pad_reason(mw, e):
    """The on-screen reason picker for the pad's bad rating of ticket `e.token`; stored with the
    chosen reasons, or (closed without one) with NO_REASON_GIVEN so the rating is not lost."""
    from PySide6.QtCore import Qt

    from ui.queue.rating import RatingDialog

    old = getattr(mw, "pad_reason_dialog", None)
    if old is not None:  # the previous one: one at a time, not one per bad rating
        old.deleteLater()
    d = RatingDialog(mw.store, e.token, mw.session.user_id, mw.session.window_id, parent=mw, pad_level=e.level)
    d.setWindowModality(Qt.WindowModality.NonModal)
    d.rejected.connect(lambda: _save_pad_rating(mw, e, [], NO_REASON_GIVEN))
    mw.pad_reason_dialog = d
    mw.statusBar().showMessage(f"评价器收到“不满意”评价（{e.token}）但没有原因，请申请人在屏幕上选择原因", 15000)
    d.open()
    return d


def on_scanned(mw, text: str) -> None:
    text = text.strip()
    if not CASE_REFERENCE.match(text):
        mw.statusBar().showMessage(f"扫码内容不是办件编号：{text[:40]}", 8000)
        return
    page = mw.show_page("cases")
    if page is not None:
        page.search.setText(text)
        page.run_search()
