"""Device simulators that speak the real protocols over pseudo-terminals.

Each simulator holds the master side of a pty; drivers open the slave side as an ordinary
serial port. With `link=PATH` the simulator keeps a stable symlink to the current slave, like
/dev/serial/by-id/ does for USB adapters, so `vanish()` / `reappear()` model an unplug/replug:
the driver sees its port fail, the path disappear, then come back.
"""

from devices.simulators.base import PtySimulator  # noqa: F401

KINDS = ("id_reader", "ticket_printer", "led", "rating_pad", "scanner")


def create(kind: str, **kw):
    """A started simulator of `kind` (see KINDS)."""
    if kind == "id_reader":
        from devices.simulators.idreader import IdReaderSimulator as cls
    elif kind == "ticket_printer":
        from devices.simulators.printer import PrinterSimulator as cls
    elif kind == "led":
        from devices.simulators.led import LedSimulator as cls
    elif kind == "rating_pad":
        from devices.simulators.rating import RatingPadSimulator as cls
    elif kind == "scanner":
        from devices.simulators.scanner import ScannerSimulator as cls
    else:
        raise ValueError(f"未知的设备类型：{kind}（可选：{'、'.join(KINDS)}）")
    return cls(**kw).start()
