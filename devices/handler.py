"""What a device needs from the person at the counter: an interface declared here, implemented
in ui/ (ui/devices_ui.py). Methods are called on the device's worker thread and must not block
for long; the UI implementation hops to the UI thread and shows a non-modal notice.
"""

from __future__ import annotations


class DeviceUserHandler:
    """Default implementation: log and carry on (command line, tests, headless)."""

    def card_removed_too_early(self, device: str) -> None:
        """The ID card left the field before the read finished: ask to place it again."""

    def card_unreadable(self, device: str, message: str) -> None:
        """The reader reported an error for this card (message in Chinese)."""

    def printer_paper_out(self, device: str) -> None:
        """The ticket printer is out of paper: ask to load a new roll."""

    def printer_cover_open(self, device: str) -> None:
        """The printer cover is open: ask to close it."""

    def device_unplugged(self, device: str) -> None:
        """The port vanished (USB unplugged); the worker reconnects by itself."""


class RecordingHandler(DeviceUserHandler):
    """Remembers every call: for the command line's messages and for tests."""

    def __init__(self):
        self.calls: list[tuple[str, tuple]] = []

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        if name.startswith("_") or name == "calls" or not callable(attr):
            return attr
        calls = object.__getattribute__(self, "calls")
        return lambda *a: calls.append((name, a))
