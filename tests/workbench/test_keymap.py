"""One key map: every shortcut of the main window, on every page and in every part, is bound
once; the table in ui/keymap.py is what the window binds, the help overlay and docs show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import QAbstractButton
from sqlalchemy import select

from hallclient.models import Hall, User, Window
from ui import keymap
from ui.login import Session
from ui.ops import wait_all

ROOT = Path(__file__).resolve().parents[2]


def _session(store, username="supervisor"):
    with store.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        return Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name, hall.code,
                       hall.name)


@pytest.fixture
def mw(ctx, qtbot):
    from ui.main_window import PAGES, MainWindow

    w = MainWindow(ctx, _session(ctx.store))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    for spec in PAGES:  # every page built, so every part's keys are there
        w.show_page(spec.key)
    yield w
    wait_all()


def _bindings(mw) -> list[tuple[str, str]]:
    """(key, owner) of every QAction, QShortcut and button shortcut in the window."""
    found = []
    for a in mw.findChildren(QAction):
        for seq in a.shortcuts():
            if not seq.isEmpty():
                found.append((seq.toString(), f"action {a.objectName() or a.text()}"))
    for sc in mw.findChildren(QShortcut):
        for seq in sc.keys():
            if not seq.isEmpty():
                found.append((seq.toString(), f"shortcut in {sc.parent().objectName() or type(sc.parent()).__name__}"))
    for b in mw.findChildren(QAbstractButton):
        if not b.shortcut().isEmpty():
            found.append((b.shortcut().toString(), f"button {b.objectName() or b.text()}"))
    return found


def test_no_key_is_bound_twice_anywhere_in_the_window(mw):
    seen: dict[str, str] = {}
    for key, owner in _bindings(mw):
        assert key not in seen, f"{key} bound twice: {seen[key]} and {owner}"
        seen[key] = owner
    assert {"F1", "F8", "F9", "Ctrl+P", "Ctrl+2", "Ctrl+/", "Ctrl+Shift+Y"} <= set(seen)


def test_every_bound_key_is_in_the_table(mw):
    table = {b.key for b in keymap.KEYMAP}
    # Widget-local keys (Esc closing the checklist's question) are not window-wide shortcuts.
    stray = {(k, o) for k, o in _bindings(mw) if k not in table and k != "Esc"}
    assert not stray, stray


def test_table_itself_has_no_duplicates_and_pages_follow_it():
    from ui.main_window import PAGES

    keys = [b.key for b in keymap.KEYMAP]
    assert len(keys) == len(set(keys))
    for spec in PAGES:
        assert spec.shortcut == keymap.key(f"page_{spec.key}"), spec
    for reserved, k in (("page_fees", "Ctrl+5"), ("page_certificates", "Ctrl+6"), ("page_supervisor", "Ctrl+7"),
                        ("lock", "Ctrl+L")):
        assert keymap.key(reserved) == k


def test_docs_show_the_same_table():
    doc = (ROOT / "docs" / "keymap.md").read_text(encoding="utf-8")
    assert keymap.markdown() in doc, "docs/keymap.md is out of date: paste ui.keymap.markdown()"


def test_keys_work_before_any_click_and_help_shows_the_table(ctx, qtbot):
    from ui.main_window import MainWindow

    w = MainWindow(ctx, _session(ctx.store, "clerk"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow())
    from PySide6.QtWidgets import QApplication

    focus = QApplication.focusWidget() or w
    qtbot.keyClick(focus, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(w, "key_help", None) is not None and w.key_help.isVisible())
    text = w.key_help.findChild(type(w.status_user), "key_help_text").text()
    for b in keymap.KEYMAP:
        assert b.label in text
    w.key_help.close()
    w.show_page("cases")
    qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_F9)  # a visit key from another page brings the workbench back
    assert w.current_page_key() == "workbench"
    wait_all()
