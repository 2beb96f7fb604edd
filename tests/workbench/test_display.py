"""The hall display stays readable with 30+ windows (columns, then pages; text at least 32 px
high at 1080p) and shows the hall's windows when it starts without the queue service."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QRect

from sync.hallqueue.client import QueueClient
from sync.hallqueue.server import LocalHall, serve_in_background
from ui.ops import wait_all


@pytest.fixture
def service(tmp_path):
    srv = serve_in_background(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield srv
    srv.close()


def _display(qtbot, url, **kw):
    from ui.queue.display import HallDisplay

    d = HallDisplay(url, "示例市政务服务中心", enable_speech=False, **kw)
    qtbot.addWidget(d)
    d.resize(1920, 1080)
    d.show()
    qtbot.waitExposed(d)
    return d


def _readable_and_inside(d):
    frame = QRect(d.mapTo(d, d.rect().topLeft()), d.size())
    for lab in d.window_labels.values():
        assert lab.font().pixelSize() >= 32 or lab.fontInfo().pixelSize() >= 32, lab.objectName()
        top_left = lab.mapTo(d, lab.rect().topLeft())
        assert frame.contains(QRect(top_left, lab.size())), lab.objectName()
        assert lab.width() >= lab.fontMetrics().horizontalAdvance(lab.text()), lab.text()  # not cut


def test_thirty_six_windows_in_columns_and_pages(service, qtbot):
    c = LocalHall(service)
    for n in range(1, 37):
        c.set_window(f"{n:02d}", f"{n}号窗口", {"queues": ["A"]})
    c.issue("A")
    c.call_next("07")
    d = _display(qtbot, service.url, token=service.token("display"))
    qtbot.waitUntil(lambda: len(d.window_labels) == 30, timeout=10_000)  # 3 columns x 10 rows
    assert d.pages == 2 and "1/2" in d.page_label.text()
    assert d.window_labels["07"].text() == "A001"
    qtbot.wait(100)
    _readable_and_inside(d)
    d._turn_page()
    assert set(d.window_labels) == {f"{n:02d}" for n in range(31, 37)}
    d.shutdown()
    wait_all()


def test_started_offline_shows_the_windows_and_logs_once(qtbot, caplog):
    caplog.set_level(logging.INFO)
    windows = [(f"{n:02d}", f"{n}号窗口") for n in range(1, 9)]
    d = _display(qtbot, "http://127.0.0.1:9", known_windows=windows)
    assert [lab.text() for lab in d.window_labels.values()] == ["—"] * 8
    qtbot.waitUntil(lambda: "中断" in d.offline.text(), timeout=10_000)
    qtbot.wait(4500)  # two more retries
    offline_lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(offline_lines) == 1
    assert not [r for r in caplog.records if "Traceback" in r.getMessage()]
    d.shutdown()
    wait_all()
