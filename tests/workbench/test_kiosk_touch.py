"""The kiosk works by touch alone: an on-screen keypad for 过号登记 and 预约签到, large keys,
laid out for portrait and landscape screens; offline it says what to do in words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QBoxLayout

from sync.hallqueue.client import QueueClient
from sync.hallqueue.server import LocalHall, serve_in_background
from ui.ops import wait_all


@pytest.fixture
def service(tmp_path):
    srv = serve_in_background(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield srv
    srv.close()


def _tap(qtbot, w):
    qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=QPoint(w.width() // 2, w.height() // 2))


def test_late_comer_registers_by_touch_only(service, qtbot):
    from ui.queue.kiosk import KioskWindow

    c = LocalHall(service)
    c.set_window("03", "3号窗口", {"queues": ["A"]})
    c.issue("A")
    c.call_next("03")
    c.no_show("03")  # A001 was passed
    k = KioskWindow(service.url, "示例市政务服务中心", token=service.token("kiosk"))
    qtbot.addWidget(k)
    k.resize(1080, 1920)  # portrait
    k.show()
    qtbot.waitExposed(k)
    assert k.lower.direction() == QBoxLayout.Direction.TopToBottom
    _tap(qtbot, k.late_input)
    for key in ("A", "0", "0", "1"):
        _tap(qtbot, k.keypad.keys[key])
    assert k.late_input.text() == "A001"
    assert all(b.height() >= 64 for b in k.keypad.keys.values())
    _tap(qtbot, k.findChild(type(k.keypad.keys["A"]), "late_requeue"))
    qtbot.waitUntil(lambda: "A001" in k.hint.text(), timeout=10_000)
    _tap(qtbot, k.appt_input)
    _tap(qtbot, k.keypad.keys["7"])
    _tap(qtbot, k.keypad.keys["退格"])
    assert k.appt_input.text() == "" and k.late_input.text() == ""
    k.resize(1920, 1080)
    qtbot.waitUntil(lambda: k.lower.direction() == QBoxLayout.Direction.LeftToRight)
    wait_all()


def test_offline_kiosk_says_so_for_people(qtbot):
    from ui.queue.kiosk import KioskWindow

    k = KioskWindow("http://127.0.0.1:9", "示例市政务服务中心")
    qtbot.addWidget(k)
    k.show()
    qtbot.waitUntil(lambda: "导服台" in k.hint.text(), timeout=10_000)
    assert "http" not in k.hint.text() and "Error" not in k.hint.text()
    wait_all()
