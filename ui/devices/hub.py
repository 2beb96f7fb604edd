"""DeviceHub: runs the device workers of this window and re-emits their events as Qt signals.

Workers publish on their own threads; `_relay` is emitted there and, being connected to a
QObject living on the UI thread, is delivered queued: slots of `card_read` etc. run on the UI
thread with plain dataclasses only.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal, Slot

from devices.events import (
    CardRead,
    DeviceError,
    DeviceEvent,
    DeviceStatusChanged,
    PrinterStatus,
    RatingGiven,
    Scanned,
)
from devices.handler import DeviceUserHandler
from devices.manager import KIND_LABELS, WEDGE_PORT, DeviceManager, load_specs

log = logging.getLogger(__name__)


class QtDeviceHandler(QObject, DeviceUserHandler):
    """The handler interface of devices/, shown to the clerk as status bar notices. Devices are
    named by their kind (身份证阅读器), never by internal names like "id_reader#3"."""

    notice = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        # name -> kind; replaced as a whole when the hub (re)starts, read on worker threads
        self.kinds: dict[str, str] = {}

    def label(self, device: str) -> str:
        kind = self.kinds.get(device, device.partition("#")[0])
        return KIND_LABELS.get(kind, "设备")

    def card_removed_too_early(self, device):
        self.notice.emit("身份证移开过早，请重新放置并保持到读卡完成")

    def card_unreadable(self, device, message):
        self.notice.emit(message)

    def printer_paper_out(self, device):
        self.notice.emit("小票打印机缺纸，请装入新的纸卷")

    def printer_cover_open(self, device):
        self.notice.emit("小票打印机上盖未合上，请合上")

    def device_unplugged(self, device):
        self.notice.emit(f"{self.label(device)}未连接，正在自动重连")


class DeviceHub(QObject):
    card_read = Signal(object)  # IdentityDocument
    reader_rearmed = Signal(str)  # ready for the next card (not: the card was taken away)
    scanned = Signal(str)
    status_changed = Signal(str, str, str)  # device name, kind, DeviceState value
    rating_given = Signal(object)  # devices.events.RatingGiven
    device_error = Signal(str, str)  # device name, message (Chinese)
    printer_status = Signal(object)  # devices.events.PrinterStatus
    notice = Signal(str)
    _relay = Signal(object)

    def __init__(self, parent=None, specs_source=None):
        super().__init__(parent)
        self.handler = QtDeviceHandler(self)
        self.handler.notice.connect(self.notice)
        self._relay.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        self.specs_source = specs_source or (lambda: [])
        self.manager: DeviceManager | None = None
        self.states: dict[str, tuple[str, str, str]] = {}  # name -> (kind, state, detail)
        self.wedge_enabled = False  # a keyboard-wedge scanner is configured (opt-in: it eats fast keys)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self, specs=None) -> None:
        self.stop()
        specs = list(self.specs_source() if specs is None else specs)
        self.handler.kinds = {s.label: s.kind for s in specs}
        self.manager = DeviceManager(specs, self.handler)
        self.manager.bus.subscribe(self._relay.emit)
        self.manager.start()
        self.wedge_enabled = any(s.kind == "scanner" and s.port == WEDGE_PORT and s.enabled for s in specs)

    def stop(self) -> None:
        self.wedge_enabled = False
        if self.manager is not None:
            self.manager.close()
            self.manager = None

    close = stop

    @property
    def specs(self):
        return self.manager.specs if self.manager else []

    def worker(self, kind: str):
        return self.manager.first(kind) if self.manager else None

    # -- commands (return concurrent Futures, or None when the device is not configured) -------
    def print_ticket(self, data: bytes):
        w = self.worker("ticket_printer")
        return w.print_bytes(data) if w else None

    def show_on_led(self, text: str, scroll: bool = False):
        w = self.worker("led")
        return w.show(text, scroll) if w else None

    def request_rating(self, token: str):
        w = self.worker("rating_pad")
        return w.request(token) if w else None

    # -- events -------------------------------------------------------------------------------
    @Slot(object)
    def _dispatch(self, e: DeviceEvent) -> None:
        if isinstance(e, CardRead):
            self.card_read.emit(e.document)
        elif isinstance(e, Scanned):
            self.scanned.emit(e.text)
        elif isinstance(e, DeviceStatusChanged):
            self.states[e.device] = (e.kind, e.state.value, e.detail)
            self.status_changed.emit(e.device, e.kind, e.state.value)
        elif isinstance(e, RatingGiven):
            self.rating_given.emit(e)
        elif isinstance(e, DeviceError):
            self.device_error.emit(e.device, e.message)
        elif isinstance(e, PrinterStatus):
            self.printer_status.emit(e)
        elif type(e).__name__ == "ReaderRearmed":
            self.reader_rearmed.emit(e.device)


def install_devices(mw) -> DeviceHub:
    """Give the main window its devices: `mw.devices` (DeviceHub), status lights, the wedge
    scanner filter, and the 设备 menu. Works with zero devices configured."""
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication

    from ui.devices.lights import DeviceLights
    from ui.devices.wedge import WedgeFilter

    demo = mw.ctx.services.get("demo_devices")

    def specs():
        return list(demo.specs) if demo is not None else load_specs(mw.store)

    hub = DeviceHub(mw, specs)
    mw.devices = hub
    mw.device_lights = DeviceLights(hub)
    mw.statusBar().addPermanentWidget(mw.device_lights)
    hub.notice.connect(lambda m: mw.statusBar().showMessage(m, 8000))
    hub.device_error.connect(lambda d, m: mw.statusBar().showMessage(m, 8000))
    mw.wedge_filter = WedgeFilter(hub)
    QApplication.instance().installEventFilter(mw.wedge_filter)

    act = QAction("设备设置…", mw, objectName="open_device_settings")
    act.triggered.connect(lambda: open_device_settings(mw))
    mw.devices_menu.addAction(act)
    again = QAction("重新连接设备", mw, objectName="reconnect_devices")
    again.triggered.connect(lambda: hub.start())
    mw.devices_menu.addAction(again)

    if demo is not None:
        install_demo_menu(mw, demo)

    manager_of = hub  # plain Python state survives the C++ objects: stopping workers is safe late

    def cleanup(*_):
        manager_of.stop()
        try:
            QApplication.instance().removeEventFilter(mw.wedge_filter)
        except RuntimeError:  # already deleted with the window
            pass

    QApplication.instance().aboutToQuit.connect(cleanup)
    mw.destroyed.connect(lambda *_: manager_of.stop())
    hub.start()
    return hub


def install_demo_menu(mw, demo) -> None:
    """设备 ▸ 演示设备: drive the simulators of `hallclient demo` by hand (place a card, press
    a rating key, scan a code), so the demo can be shown without scripts."""
    from PySide6.QtWidgets import QInputDialog

    from devices.rating import LEVELS
    from devices.simulators.idreader import sample_cards
    from hallclient.identity import CARD_TYPES

    sims = demo.simulators
    menu = mw.devices_menu.addMenu("演示设备")
    menu.setObjectName("demo_devices_menu")
    reader, pad, scanner = sims.get("id_reader"), sims.get("rating_pad"), sims.get("scanner")

    def action(parent, text, name, fn, enabled=True):
        act = parent.addAction(text)
        act.setObjectName(name)
        act.triggered.connect(lambda *_: fn())
        act.setEnabled(enabled)
        return act

    cards = menu.addMenu("放置身份证")
    cards.setObjectName("demo_cards_menu")
    for key, doc in sample_cards().items():
        action(cards, f"{doc.name}（{CARD_TYPES.get(doc.card_type, '证件')}）", f"demo_place_{key}",
               lambda d=doc: reader.place(d), reader is not None)
    action(menu, "取走身份证", "demo_remove_card", lambda: reader.remove(), reader is not None)

    keys = menu.addMenu("评价器按键")
    keys.setObjectName("demo_rating_menu")
    for level in sorted(LEVELS, reverse=True):
        # A bad rating must carry a reason: the demo picks 01 办事效率低.
        reasons = ("01",) if level <= 2 else ()
        action(keys, f"{level} {LEVELS[level]}" + ("（原因：办事效率低）" if reasons else ""), f"demo_rate_{level}",
               lambda lv=level, rs=reasons: pad.press(lv, rs), pad is not None)

    def ask_scan():
        dlg = QInputDialog(mw, objectName="demo_scan_dialog")
        dlg.setWindowTitle("演示扫码")
        dlg.setLabelText("扫码枪扫到的内容（如办件编号）：")
        dlg.setOkButtonText("扫码")
        dlg.setCancelButtonText("取消")
        dlg.textValueSelected.connect(lambda text: text.strip() and scanner.scan(text.strip()))
        dlg.finished.connect(dlg.deleteLater)
        dlg.open()  # not exec(): the window keeps running while the dialog is up

    action(menu, "扫码…", "demo_scan", ask_scan, scanner is not None)


def open_device_settings(mw) -> None:
    from ui.devices.settings import DeviceSettingsDialog

    mw.devices.stop()  # the dialog's 测试 opens ports itself
    try:
        DeviceSettingsDialog(mw.store, mw, demo=mw.ctx.services.get("demo_devices") is not None, actor=mw.session.actor).exec()
    finally:
        mw.devices.start()
