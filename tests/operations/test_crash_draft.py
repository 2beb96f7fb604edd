"""An unexpected error in the intake page: a calm message, and the form comes back next start."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from hallclient.drafts import DraftStore
from tests.foundation.test_main_window import _login
from tests.intake.intake_helpers import make_id
from ui.main_window import MainWindow
from ui.ops import wait_all


class _Bomb(QObject):
    fired = Signal()


def _open(qtbot, ctx):
    dlg = _login(qtbot, ctx.store, "clerk", "clerk123")
    qtbot.waitUntil(lambda: dlg.session is not None, timeout=10_000)
    mw = MainWindow(ctx, dlg.session)
    qtbot.addWidget(mw)
    mw.resize(1366, 768)
    mw.show()
    qtbot.waitExposed(mw)
    return mw, dlg.session


def test_crash_in_intake_keeps_the_draft_and_offers_it_again(qtbot, ctx, monkeypatch):
    mw, session = _open(qtbot, ctx)
    page = mw.show_page("intake")
    id_no = make_id("11010519491231002")
    qtbot.keyClicks(page.applicant.id_number, id_no)
    page.applicant.name.insert("张䶮")  # typed through the input method: keyClicks knows ASCII only
    qtbot.keyClicks(page.applicant.phone, "13812345678")

    def broken_slot():
        raise RuntimeError("injected failure in the intake page")

    bomb = _Bomb()
    bomb.fired.connect(broken_slot)
    # What Qt does with an exception escaping a slot: hand it to sys.excepthook.
    try:
        bomb.fired.emit()
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    box = mw.findChild(QMessageBox, "crash_dialog")
    assert box is not None and "不会丢失" in box.text() and "Error" not in box.text()
    saved = DraftStore(ctx.data_dir.root).load("intake", session.user_id)
    assert saved["fields"]["id_number"] == id_no and saved["fields"]["name"] == "张䶮"
    assert id_no not in saved["summary"]  # the summary shown in the dialog is masked
    box.close()
    # the log has the traceback
    log = (ctx.data_dir.logs / "hallclient.log").read_text(encoding="utf-8")
    assert "injected failure in the intake page" in log

    # "Next start": a new main window offers the draft and restores it.
    mw.close()
    wait_all()
    mw2 = MainWindow(ctx, session)
    qtbot.addWidget(mw2)
    asked = []
    mw2.offer_drafts(ask=lambda text: asked.append(text) or True)
    page2 = mw2.pages["intake"]
    assert asked and "张䶮" in asked[0]
    assert page2.applicant.id_number.text() == id_no
    assert page2.applicant.name.text() == "张䶮"
    assert page2.applicant.phone.text() == "13812345678"
    assert mw2.current_page_key() == "workbench"  # the intake part of the workbench (the visit screen)
    mw2.close()
    wait_all()


def test_autosave_follows_the_form_and_clears_when_empty(qtbot, ctx):
    mw, session = _open(qtbot, ctx)
    page = mw.show_page("intake")
    drafts = DraftStore(ctx.data_dir.root)
    page.applicant.name.insert("李四")
    mw.crash_guard.save_all()
    assert drafts.load("intake", session.user_id)["fields"]["name"] == "李四"
    page.new_applicant()  # the next applicant: nothing in progress any more
    mw.crash_guard.save_all()
    assert drafts.load("intake", session.user_id) is None
    mw.close()
    wait_all()
