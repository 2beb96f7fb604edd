"""Nothing writes on the UI thread: the main window registers its thread with the store's one
writer, which logs any write started there. Whole keyboard flows of the intake page, the case
list, the settings dialog and a rating run here; the log must hold no such write except the
tests' own set-up and checks."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QDialog

import test_intake_cases_page as cases_flows
import test_intake_ui as flows
from test_intake_ui import mw  # noqa: F401 - the logged-in main window fixture
from ui.ops import wait_all

MARK = "database write on the UI thread"


@pytest.fixture
def ui_writes(caplog):
    caplog.set_level(logging.ERROR, logger="hallclient.db")
    yield caplog
    wait_all()


def _by_the_client(caplog) -> list[str]:
    """UI-thread writes whose stack holds no test code (a test may write where it likes)."""
    return [r.getMessage() for r in caplog.records if MARK in r.getMessage() and "/tests/" not in r.getMessage()]


def test_the_main_window_forbids_its_thread(mw):  # noqa: F811
    import threading

    assert mw.store.writer.forbidden_thread == threading.get_ident()


@pytest.mark.parametrize("flow", ["test_keyboard_only_from_next_applicant_to_printed_notice",
                                  "test_supplement_then_resume_same_case",
                                  "test_organisation_with_agent_withdraw_and_unresolved"])
def test_intake_flows_write_only_through_the_writer(mw, qtbot, ctx, tmp_path, ui_writes, flow):  # noqa: F811
    fn = getattr(flows, flow)
    args = {"mw": mw, "qtbot": qtbot, "ctx": ctx, "tmp_path": tmp_path}
    fn(**{k: v for k, v in args.items() if k in fn.__code__.co_varnames[: fn.__code__.co_argcount]})
    assert any(MARK in r.getMessage() for r in ui_writes.records)  # the check itself is alive (tests' writes)
    assert _by_the_client(ui_writes) == []


def test_case_list_settings_and_rating_write_only_through_the_writer(mw, qtbot, ctx, tmp_path, ui_writes):  # noqa: F811
    cases_flows.test_today_search_detail_and_reprint(mw, qtbot, ctx, tmp_path)
    from ui.settings_dialog import SettingsDialog

    from hallclient.permissions import Actor

    # a supervisor changes settings (the clerk logged in here may not: permissions matrix)
    dlg = SettingsDialog(ctx.store, mw, actor=Actor(3, "supervisor", "supervisor", "值班长"))
    qtbot.addWidget(dlg)
    dlg.editors["hall.name"].setText("南山区政务服务中心")
    dlg.save()
    qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    from ui.queue.rating import RatingDialog

    rating = RatingDialog(ctx.store, "A001", mw.session.user_id, mw.session.window_id, parent=mw)
    qtbot.addWidget(rating)
    rating.level_buttons[5].click()
    rating.try_submit()
    qtbot.waitUntil(lambda: rating.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert _by_the_client(ui_writes) == []
