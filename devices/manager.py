"""The set of devices of one window client: workers built from DeviceConfig rows, one bus.

`DeviceManager.from_store(store)` reads the enabled DeviceConfig rows into plain DeviceSpecs
(no ORM object crosses into worker threads) and starts one worker per port.
"""

from __future__ import annotations

import logging

from devices.events import DeviceState, EventBus
from devices.handler import DeviceUserHandler
from devices.worker import DeviceSpec, DeviceWorker

log = logging.getLogger(__name__)

KIND_LABELS = {
    "id_reader": "身份证阅读器",
    "ticket_printer": "小票打印机",
    "led": "窗口屏",
    "rating_pad": "评价器",
    "scanner": "扫码枪",
}
#: The port of a keyboard-wedge scanner: no serial port, the UI's key filter recognises its bursts.
WEDGE_PORT = "keyboard"
DEFAULT_BAUD = {"id_reader": 115200, "ticket_printer": 9600, "led": 9600, "rating_pad": 9600, "scanner": 9600}


def worker_class(kind: str) -> type[DeviceWorker]:
    if kind == "id_reader":
        from devices.reader import IdReaderWorker as cls
    elif kind == "ticket_printer":
        from devices.printer import PrinterWorker as cls
    elif kind == "led":
        from devices.led import LedWorker as cls
    elif kind == "rating_pad":
        from devices.rating import RatingPadWorker as cls
    elif kind == "scanner":
        from devices.scanner import ScannerWorker as cls
    else:
        raise LookupError(f"未知的设备类型：{kind}")
    return cls


def load_specs(store) -> list[DeviceSpec]:
    from sqlalchemy import select

    from hallclient.models import DeviceConfig

    with store.read() as s:
        return [DeviceSpec.from_config(r) for r in s.scalars(select(DeviceConfig).order_by(DeviceConfig.id))]


class DeviceManager:
    def __init__(self, specs: list[DeviceSpec], handler: DeviceUserHandler | None = None, bus: EventBus | None = None):
        self.bus = bus or EventBus()
        self.handler = handler or DeviceUserHandler()
        self.specs = list(specs)
        self.workers: dict[str, DeviceWorker] = {}

    @classmethod
    def from_store(cls, store, handler=None) -> "DeviceManager":
        return cls(load_specs(store), handler)

    def start(self) -> "DeviceManager":
        for spec in self.specs:
            if not spec.enabled or spec.port == WEDGE_PORT:
                continue  # keyboard-wedge scanners are read by the UI's key filter
            try:
                w = worker_class(spec.kind)(spec, self.bus, self.handler)
            except LookupError as e:
                log.warning("device %s skipped: %s", spec.label, e)
                continue
            self.workers[spec.label] = w.start()
        return self

    def first(self, kind: str) -> DeviceWorker | None:
        return next((w for w in self.workers.values() if w.spec.kind == kind), None)

    def states(self) -> dict[str, DeviceState]:
        return {name: w.state for name, w in self.workers.items()}

    def close(self) -> None:
        for w in self.workers.values():
            w._stop.set()
            w._wake.set()
        for w in self.workers.values():
            w.stop()
        self.workers.clear()
