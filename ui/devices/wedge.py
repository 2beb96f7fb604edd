"""Keyboard-wedge scanners: an application event filter around devices.scanner.WedgeDetector.

Key presses go to the detector; keys of a burst in progress are swallowed, and a recognised
scan is emitted as `hub.scanned` instead of landing in whatever field has focus.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from devices.scanner import WedgeDetector


class WedgeFilter(QObject):
    def __init__(self, hub, detector: WedgeDetector | None = None, clock=time.monotonic):
        super().__init__(hub)
        self.hub = hub
        self.detector = detector or WedgeDetector()
        self.clock = clock
        self._first: str = ""  # the burst's first key reached the focused widget

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if not self.hub.wedge_enabled or event.type() != QEvent.Type.KeyPress or not obj.isWidgetType() or event.isAutoRepeat():
            return False
        # An ignored key event travels up to the parents and passes this filter again.
        stamp = (event.timestamp(), event.key(), event.text())
        if stamp == getattr(self, "_last", None) and event.timestamp():
            return False
        self._last = stamp
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if not enter and event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            self.detector.reset()
            return False
        text = "" if enter else event.text()
        before = len(self.detector.buf)
        scan, swallow = self.detector.key(text, self.clock(), enter=enter)
        if not enter and not swallow and text:
            self._first = text
        if not enter and swallow and before == 1:
            self._take_back_first(obj)
        if scan is not None:
            self.hub.scanned.emit(scan)
        return swallow

    def _take_back_first(self, receiver) -> None:
        # The first key of a burst cannot be told from typing; once the second arrives fast,
        # remove it again from the line edit it went into.
        w = receiver if isinstance(receiver, QLineEdit) else QApplication.focusWidget()
        if isinstance(w, QLineEdit) and self._first and w.text()[: w.cursorPosition()].endswith(self._first):
            w.backspace()
        self._first = ""
