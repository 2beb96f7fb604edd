"""Simulated counter devices for `hallclient demo` and for trying the client without hardware.

`start_demo_devices(dir)` starts a simulator of every kind on a pty (stable symlinks in `dir`)
and returns a handle with `.specs` (DeviceSpecs for a DeviceManager), `.simulators` and
`.close()`. The ID reader holds a sample card after `card_delay` seconds, so a card "arrives"
a moment after the window opens, as it would at a real counter.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field

from devices.worker import DeviceSpec


@dataclass
class DemoDevices:
    dir: str
    simulators: dict = field(default_factory=dict)
    specs: list[DeviceSpec] = field(default_factory=list)
    _timers: list = field(default_factory=list)

    def close(self) -> None:
        for t in self._timers:
            t.cancel()
        for sim in self.simulators.values():
            sim.close()
        self.simulators.clear()

    def configs(self) -> list[dict]:
        """Rows for the DeviceConfig table (kind, driver, port, baud, options)."""
        return [dict(kind=s.kind, driver=s.driver, port=s.port, baud=s.baud, options=dict(s.options)) for s in self.specs]


def start_demo_devices(dir: str | None = None, card: str = "resident", card_delay: float = 3.0,
                       realistic: bool = True) -> DemoDevices:
    from devices.simulators import create
    from devices.simulators.idreader import IdReaderSimulator, load_card

    d = dir or tempfile.mkdtemp(prefix="hallclient-devices-")
    os.makedirs(d, exist_ok=True)
    demo = DemoDevices(d)
    try:
        reader = (IdReaderSimulator.realistic if realistic else IdReaderSimulator)(None, link=os.path.join(d, "id_reader"))
        demo.simulators["id_reader"] = reader.start()
        tickets = os.path.join(d, "tickets")
        os.makedirs(tickets, exist_ok=True)
        demo.simulators["ticket_printer"] = create("ticket_printer", link=os.path.join(d, "ticket_printer"), out_dir=tickets)
        for kind in ("led", "rating_pad", "scanner"):
            demo.simulators[kind] = create(kind, link=os.path.join(d, kind))
    except BaseException:
        demo.close()
        raise
    bauds = {"id_reader": 115200}
    for kind, sim in demo.simulators.items():
        demo.specs.append(DeviceSpec(kind, sim.port, bauds.get(kind, 9600), name=f"{kind}#demo"))
    demo.specs.append(DeviceSpec("scanner", "keyboard", 0, name="scanner#wedge"))
    if card:
        t = threading.Timer(card_delay, lambda: reader.place(load_card(card)))
        t.daemon = True
        t.start()
        demo._timers.append(t)
    return demo
