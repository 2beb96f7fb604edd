"""The one place that reaches the counter devices for queue calling.

The devices hub (`main_window.devices`, from the devices package) is optional: every function
here degrades to "not present" so the queue keeps working without any device.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def hub_of(widget) -> object | None:
    w = widget
    while w is not None:
        hub = getattr(w, "devices", None)
        if hub is not None:
            return hub
        w = w.parent() if hasattr(w, "parent") else None
    return None


def led_show(hub, text: str) -> bool:
    """Show `text` on the window's LED strip; False when there is none or it failed."""
    led = getattr(hub, "led", None) if hub is not None else None
    if led is None:
        return False
    try:
        led.show(text)
        return True
    except Exception:  # noqa: BLE001 - a broken strip must not stop the window
        log.exception("LED strip failed")
        return False


def printer_of(hub):
    p = getattr(hub, "printer", None) if hub is not None else None
    return p if p is not None and hasattr(p, "print_bytes") else None


def rating_pad_of(hub):
    pad = getattr(hub, "rating_pad", None) if hub is not None else None
    return pad if pad is not None and hasattr(pad, "request") else None
