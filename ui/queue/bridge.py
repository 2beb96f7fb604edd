"""The one place that reaches the counter devices for queue calling.

The devices hub (`main_window.devices`, a `ui.devices.DeviceHub`) is optional: every function
here degrades to "not present" so the queue keeps working without any device. Device commands
return `concurrent.futures.Future`s; failures are logged (and shown by the hub's own
`device_error` notice), never raised into the queue panel.
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


def _worker(hub, kind: str):
    return hub.worker(kind) if hub is not None else None


def _log_failure(what: str):
    def done(fut) -> None:
        exc = fut.exception()
        if exc is not None:
            log.warning("%s failed: %s", what, exc)

    return done


def led_show(hub, text: str) -> bool:
    """Show `text` on the window's LED strip; False when there is none."""
    led = _worker(hub, "led")
    if led is None:
        return False
    led.show(text).add_done_callback(_log_failure("LED strip"))
    return True


def printer_of(hub):
    """The ticket printer worker (`print_bytes(data) -> Future`), or None."""
    return _worker(hub, "ticket_printer")


def rating_pad_of(hub):
    """The rating pad worker (`request(token, prompt) -> Future`), or None."""
    return _worker(hub, "rating_pad")
