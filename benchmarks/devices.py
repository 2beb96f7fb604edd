"""Device benchmarks, printed as JSON.

card_read_overhead_ms: a full card read (find, select, read: 1 322 bytes on the wire) from
the simulator on a pty paced at 115200 baud with zero artificial delays, minus the wire time
of those bytes (10 bits per byte). Target <= 20 ms.
event_to_ui_ms: a CardRead event published on a device worker thread -> DeviceHub.card_read
-> the Qt slot that fills a form's line edit. Target <= 50 ms.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def card_read_overhead(n: int = 20, baud: int = 115200) -> dict:
    from devices.reader import SamReader
    from devices.simulators.idreader import IdReaderSimulator, sample_cards
    from devices.transport import open_transport

    card = sample_cards()["resident_rare_name"]
    sim = IdReaderSimulator(card, pace_baud=baud).start()
    t = open_transport(sim.port, baud)
    totals, wires = [], []
    try:
        for _ in range(n):
            sim.place(card)
            r = SamReader(t)
            t0 = time.perf_counter()
            r.read_card()
            totals.append(time.perf_counter() - t0)
            # Only the reader's replies are paced by the simulator (a pty delivers the host's
            # 30 command bytes at once), so the wire time subtracted is that of the replies.
            wires.append(r.received_bytes * 10 / baud)
    finally:
        t.close()
        sim.close()
    over = [(a - b) * 1000 for a, b in zip(totals, wires)]
    return {"baud": baud, "reply_bytes": int(round(wires[0] * baud / 10)), "wire_time_ms": round(wires[0] * 1000, 2),
            "total_ms_median": round(statistics.median(totals) * 1000, 2),
            "card_read_overhead_ms_median": round(statistics.median(over), 2),
            "card_read_overhead_ms_max": round(max(over), 2), "target_ms": 20, "runs": n}


def event_to_ui(n: int = 50) -> dict:
    from PySide6.QtWidgets import QLineEdit

    from devices.events import CardRead
    from devices.manager import DeviceManager
    from devices.simulators.idreader import sample_cards
    from ui.app import ensure_app
    from ui.devices.hub import DeviceHub

    app = ensure_app()
    hub = DeviceHub()
    hub.manager = DeviceManager([])
    hub.manager.bus.subscribe(hub._relay.emit)
    edit = QLineEdit()
    card = sample_cards()["resident"]
    lat = []
    sent = {}

    def fill(doc):
        edit.setText(doc.name)
        lat.append(time.perf_counter() - sent["t"])

    hub.card_read.connect(fill)
    for _ in range(n):
        done = len(lat)

        def fire():
            sent["t"] = time.perf_counter()
            hub.manager.bus.publish(CardRead("bench", document=card))

        threading.Thread(target=fire).start()
        while len(lat) == done:
            app.processEvents()
            time.sleep(0.0005)
    ms = [x * 1000 for x in lat]
    return {"event_to_ui_ms_median": round(statistics.median(ms), 3), "event_to_ui_ms_max": round(max(ms), 3),
            "target_ms": 50, "runs": n}


if __name__ == "__main__":
    print(json.dumps({"card_read": card_read_overhead(), "event_to_ui": event_to_ui()}, ensure_ascii=False, indent=2), flush=True)
    os._exit(0)  # skip Qt/Python finalisation order issues of a throwaway script
