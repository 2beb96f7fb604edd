"""The keyboard-wedge filter with real widgets, real key events (qtbot) and the real clock:
scans become `scanned`, and nothing a person types is ever lost or reordered."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QPushButton, QTextEdit, QVBoxLayout, QWidget

from devices.worker import DeviceSpec
from ui.devices.hub import DeviceHub
from ui.devices.wedge import WedgeFilter


@pytest.fixture
def wedge(qtbot):
    hub = DeviceHub()
    hub.start([DeviceSpec("scanner", "keyboard", 0, name="wedge")])
    assert hub.wedge_enabled
    f = WedgeFilter(hub)
    QApplication.instance().installEventFilter(f)
    yield hub, f
    QApplication.instance().removeEventFilter(f)
    hub.stop()


def _field(qtbot, cls=QLineEdit):
    w = cls()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.setFocus()
    return w


def _text(w):
    return w.text() if isinstance(w, QLineEdit) else w.toPlainText()


@pytest.mark.parametrize("cls", [QLineEdit, QTextEdit, QPlainTextEdit])
@pytest.mark.parametrize("delay", [0, 5])
def test_fast_typing_without_enter_arrives_intact(qtbot, wedge, cls, delay):
    hub, _ = wedge
    w = _field(qtbot, cls)
    got = []
    hub.scanned.connect(got.append)
    qtbot.keyClicks(w, "the cat", delay=delay)
    qtbot.waitUntil(lambda: _text(w) == "the cat", timeout=2000)
    assert got == []


@pytest.mark.parametrize("cls", [QLineEdit, QTextEdit])
def test_a_real_scan_burst_is_a_scan_and_leaves_nothing_in_the_field(qtbot, wedge, cls):
    hub, f = wedge
    # A scanner's pace (1 ms a key) on a clock of our own: a stall of the shared test machine
    # between two synthetic key events must not turn the scan into typing.
    f.clock = itertools.count(0.0, 0.001).__next__
    w = _field(qtbot, cls)
    with qtbot.waitSignal(hub.scanned, timeout=2000) as b:
        qtbot.keyClicks(w, "SZ2024000123", delay=0)
        qtbot.keyClick(w, Qt.Key.Key_Return)
    assert b.args == ["SZ2024000123"]
    qtbot.wait(100)  # past the gap: nothing held comes back later either
    assert _text(w) == ""


def test_short_fast_burst_then_enter_keeps_text_and_enter(qtbot, wedge):
    hub, _ = wedge
    w = _field(qtbot)
    entered = []
    w.returnPressed.connect(lambda: entered.append(w.text()))
    qtbot.keyClicks(w, "ab", delay=0)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert entered == ["ab"]  # the held keys came before Enter


def test_backspace_after_fast_keys_edits_what_was_typed(qtbot, wedge):
    _, _ = wedge
    w = _field(qtbot)
    qtbot.keyClicks(w, "cat", delay=0)
    qtbot.keyClick(w, Qt.Key.Key_Backspace)  # not part of a scan: the held keys go first
    assert w.text() == "ca"


def test_held_keys_go_to_the_field_they_were_typed_into(qtbot, wedge):
    _, _ = wedge
    box = QWidget()
    qtbot.addWidget(box)
    lay = QVBoxLayout(box)
    a, b = QLineEdit(), QLineEdit()
    lay.addWidget(a)
    lay.addWidget(b)
    box.show()
    qtbot.waitExposed(box)
    a.setFocus()
    qtbot.keyClicks(a, "xyz", delay=0)
    b.setFocus()  # focus moves before the gap has passed
    qtbot.keyClicks(b, "1", delay=0)
    qtbot.waitUntil(lambda: b.text() == "1", timeout=2000)
    assert a.text() == "xyz"


def test_space_on_a_button_still_clicks_it(qtbot, wedge):
    _, _ = wedge
    btn = _field(qtbot, lambda: QPushButton("确定"))
    clicks = []
    btn.clicked.connect(lambda: clicks.append(1))
    qtbot.keyClick(btn, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: clicks == [1], timeout=2000)
    assert not btn.isDown()
