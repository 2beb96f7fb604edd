"""DeviceHub, status lights, wedge filter and the settings dialog, with real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QMenu

from devices.simulators.idreader import IdReaderSimulator, sample_cards
from devices.worker import DeviceSpec
from ui.login import Session

CARDS = sample_cards()


def _session():
    return Session(1, "admin", "管理员", "admin", None, "", "", "440300001", "示例市政务服务中心")


@pytest.fixture
def window(qtbot, ctx):
    from ui.main_window import MainWindow

    mw = MainWindow(ctx, _session())
    qtbot.addWidget(mw)
    yield mw
    mw.devices.stop()


def test_main_window_works_with_zero_devices(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    assert window.devices.specs == [] and window.devices.manager.workers == {}
    assert window.device_lights.empty.isVisible() and window.device_lights.empty.text() == "未配置设备"
    assert window.device_lights.labels == {}
    names = [a.objectName() for a in window.devices_menu.actions()]
    assert "open_device_settings" in names
    assert window.findChild(QMenu, "demo_devices_menu") is None  # only in demo mode


def test_unplug_notice_names_the_device_kind_not_its_internal_name(qtbot, window, tmp_path):
    hub = window.devices
    with qtbot.waitSignal(hub.notice, timeout=10000) as b:
        hub.start([DeviceSpec("id_reader", str(tmp_path / "ttyGONE"), name="id_reader#3")])
    assert b.args == ["身份证阅读器未连接，正在自动重连"]
    with qtbot.waitSignal(hub.notice, timeout=10000) as b:
        hub.start([DeviceSpec("ticket_printer", str(tmp_path / "ttyGONE"), name="printer-at-desk")])
    assert b.args == ["小票打印机未连接，正在自动重连"]
    qtbot.waitUntil(lambda: "printer-at-desk" in window.device_lights.labels)
    tip = window.device_lights.labels["printer-at-desk"].toolTip()
    assert tip.endswith("端口不存在") and "No such" not in tip


def test_card_on_simulated_reader_reaches_a_qt_slot(qtbot, window):
    sim = IdReaderSimulator().start()
    try:
        hub = window.devices
        hub.start([DeviceSpec("id_reader", sim.port, name="reader", options={"poll_interval": 0.05})])
        form = QLineEdit()
        qtbot.addWidget(form)
        hub.card_read.connect(lambda doc: form.setText(doc.name))
        with qtbot.waitSignal(hub.status_changed, check_params_cb=lambda d, k, s: s == "ready", timeout=10000):
            pass
        with qtbot.waitSignal(hub.card_read, timeout=10000) as blocker:
            sim.place(CARDS["resident_rare_name"])
        assert blocker.args[0] == CARDS["resident_rare_name"]
        assert form.text() == "王𠀀䶮"
        light = window.device_lights.labels["reader"]
        assert light.property("state") in ("ready", "busy")
    finally:
        window.devices.stop()
        sim.close()


def test_rating_and_serial_scan_signals(qtbot, window):
    from devices.simulators import create

    pad, sc = create("rating_pad"), create("scanner")
    try:
        hub = window.devices
        hub.start([DeviceSpec("rating_pad", pad.port, 9600, name="pad"), DeviceSpec("scanner", sc.port, 9600, name="sc")])
        with qtbot.waitSignal(hub.scanned, timeout=10000) as b:
            qtbot.waitUntil(lambda: hub.states.get("sc", ("", ""))[1] == "ready", timeout=10000)
            sc.scan("SZ2024-000777")
        assert b.args == ["SZ2024-000777"]
        hub.request_rating("A009").result(5)
        with qtbot.waitSignal(hub.rating_given, timeout=10000) as b:
            pad.press(2, ("03",))
        assert (b.args[0].level, b.args[0].reasons, b.args[0].token) == (2, ("03",), "A009")
    finally:
        window.devices.stop()
        pad.close()
        sc.close()


def test_wedge_filter_turns_a_fast_burst_into_scanned(qtbot, window):
    hub = window.devices
    hub.start([DeviceSpec("scanner", "keyboard", 0, name="wedge")])
    assert hub.wedge_enabled
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    edit.setFocus()
    clock = iter(i * 0.005 for i in range(1000))
    window.wedge_filter.clock = lambda: next(clock)
    with qtbot.waitSignal(hub.scanned, timeout=5000) as b:
        qtbot.keyClicks(edit, "A0012345")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert b.args == ["A0012345"]
    assert edit.text() == ""  # the scan did not land in the field


def test_typing_is_left_alone_by_the_wedge_filter(qtbot, window):
    hub = window.devices
    hub.start([DeviceSpec("scanner", "keyboard", 0, name="wedge")])
    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    clock = iter(i * 0.2 for i in range(1000))
    window.wedge_filter.clock = lambda: next(clock)
    got = []
    hub.scanned.connect(got.append)
    qtbot.keyClicks(edit, "zhang3")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.text() == "zhang3" and got == []


def test_settings_dialog_saves_rows_and_tests_a_device(qtbot, ctx, tmp_path):
    from devices.simulators.printer import PrinterSimulator
    from hallclient.models import DeviceConfig
    from hallclient.permissions import Actor
    from ui.devices.settings import DeviceSettingsDialog

    sim = PrinterSimulator().start()
    try:
        dlg = DeviceSettingsDialog(ctx.store, actor=Actor(4, "admin", "admin"))
        qtbot.addWidget(dlg)
        assert dlg.table.rowCount() == 0
        qtbot.mouseClick(dlg.add_btn, Qt.MouseButton.LeftButton)
        kind = dlg.table.cellWidget(0, 0)
        kind.setCurrentIndex(kind.findData("ticket_printer"))
        assert dlg.table.cellWidget(0, 3).currentText() == "9600"
        dlg.table.cellWidget(0, 2).setCurrentText(sim.port)
        qtbot.mouseClick(dlg.table.cellWidget(0, 5), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.result_label.text().startswith(("✔", "✘")), timeout=10000)
        assert dlg.result_label.text().startswith("✔"), dlg.result_label.text()
        assert sim.cut_event.wait(5)
        dlg.show()
        dlg.grab().save(str(tmp_path / "dlg.png"))
        dlg.save()
        qtbot.waitUntil(lambda: dlg.result() == QDialog.DialogCode.Accepted, timeout=10_000)
        with ctx.store.read() as s:
            rows = s.query(DeviceConfig).all()
            assert [(r.kind, r.port, r.baud) for r in rows] == [("ticket_printer", sim.port, 9600)]
    finally:
        sim.close()


# -- 设备 ▸ 演示设备 -------------------------------------------------------------------------------
@pytest.fixture
def demo_window(qtbot, ctx, tmp_path):
    from devices.demo import start_demo_devices
    from ui.main_window import MainWindow

    ctx.services["demo_devices"] = demo = start_demo_devices(str(tmp_path / "dev"), card="", realistic=False)
    mw = MainWindow(ctx, _session())
    qtbot.addWidget(mw)
    yield mw, demo
    mw.devices.stop()


def _act(mw, name):
    from PySide6.QtGui import QAction

    act = mw.findChild(QAction, name)
    assert act is not None, name
    return act


def _ready(qtbot, hub, name):
    qtbot.waitUntil(lambda: hub.states.get(name, ("", ""))[1] == "ready", timeout=10000)


def test_demo_menu_places_and_removes_cards(qtbot, demo_window):
    mw, demo = demo_window
    hub = mw.devices
    menu = mw.findChild(QMenu, "demo_cards_menu")
    assert [a.objectName() for a in menu.actions()] == [f"demo_place_{k}" for k in sorted(CARDS)]
    assert "王𠀀䶮（居民身份证）" in [a.text() for a in menu.actions()]
    with qtbot.waitSignal(hub.card_read, timeout=10000) as b:
        _act(mw, "demo_place_foreign_2023").trigger()
    assert b.args[0] == CARDS["foreign_2023"]
    with qtbot.waitSignal(hub.reader_rearmed, timeout=10000):
        _act(mw, "demo_remove_card").trigger()
    assert demo.simulators["id_reader"].card is None


@pytest.mark.parametrize("level,reasons", [(5, ()), (2, ("01",)), (1, ("01",))])
def test_demo_menu_rating_keys(qtbot, demo_window, level, reasons):
    mw, demo = demo_window
    hub = mw.devices
    _ready(qtbot, hub, "rating_pad#demo")
    with qtbot.waitSignal(hub.rating_given, timeout=10000) as b:
        _act(mw, f"demo_rate_{level}").trigger()
    assert (b.args[0].level, b.args[0].reasons) == (level, reasons)


def test_demo_menu_scan_asks_for_the_text(qtbot, demo_window):
    from PySide6.QtWidgets import QInputDialog

    mw, demo = demo_window
    hub = mw.devices
    _ready(qtbot, hub, "scanner#demo")
    _act(mw, "demo_scan").trigger()
    dlg = mw.findChild(QInputDialog, "demo_scan_dialog")
    assert dlg is not None and dlg.isVisible()
    dlg.setTextValue("SZ2024-000888")
    with qtbot.waitSignal(hub.scanned, timeout=10000) as b:
        dlg.accept()
    assert b.args == ["SZ2024-000888"]
