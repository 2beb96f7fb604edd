"""Keyboard-wedge scanners: an application event filter around devices.scanner.WedgeDetector.

Printable key presses are held back (at most `max_gap`, 35 ms, after the last key) until the
detector knows what they are. A fast burst ending in Enter is emitted as `hub.scanned` and
nothing of it reaches the focused field; anything else (typing, a fast pair of keys, a burst
without Enter) is re-delivered, in order, to the widget it was typed into — so this works the
same in a QLineEdit, a QTextEdit or any other widget, and never eats a character.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from devices.scanner import WedgeDetector

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
# Events that mean the person moved on: deliver what is held first, so it lands where it was typed.
_FLUSH_ON = (QEvent.Type.MouseButtonPress, QEvent.Type.FocusOut, QEvent.Type.InputMethod)


class WedgeFilter(QObject):
    def __init__(self, hub, detector: WedgeDetector | None = None, clock=time.monotonic):
        super().__init__(hub)
        self.hub = hub
        self.detector = detector or WedgeDetector()
        self.clock = clock
        self._replaying = False
        self._last = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        # A little over the gap: the timer firing is the proof that the burst stopped.
        self._timer.setInterval(int(self.detector.max_gap * 1000) + 5)
        self._timer.timeout.connect(self.flush)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if self._replaying:
            return False
        kind = event.type()
        if kind in _FLUSH_ON and self.detector.held:
            self.flush()
            return False
        if kind == QEvent.Type.KeyRelease and self.detector.held:
            return self._hold_release(event)
        if kind != QEvent.Type.KeyPress or not obj.isWidgetType():
            return False
        # An ignored key event travels up to the parents and passes this filter again.
        stamp = (event.timestamp(), event.key(), event.text())
        if stamp == self._last and event.timestamp():
            return False
        self._last = stamp
        if not self.hub.wedge_enabled and not self.detector.held:
            return False
        now = self.clock()
        text = event.text()
        enter = event.key() in _ENTER
        plain = not (event.modifiers() & _CTRL_ALT) and not event.isAutoRepeat()
        if not self.hub.wedge_enabled or not plain or not (enter or (text and text.isprintable())):
            self.flush()  # not part of a scan: what is held was typing and goes first
            return False
        if enter:
            scan, release = self.detector.enter(now)
            self._timer.stop()
            self._deliver(release)
            if scan is not None:
                self.hub.scanned.emit(scan)
                return True
            return False
        self._deliver(self.detector.key(text, now, self._payload(obj, event)))
        self._timer.start()
        return True

    def flush(self) -> None:
        """Deliver every held key now (the burst ended without Enter: it was typing)."""
        self._timer.stop()
        self._deliver(self.detector.release())

    @staticmethod
    def _payload(obj, event) -> _HeldKey:
        return _HeldKey(obj, event.key(), event.modifiers(), event.text())

    def _hold_release(self, event) -> bool:
        # The release of a held press must follow it, or a button would see release before
        # press and stay pressed.
        for _, k in self.detector.held:
            if k.key == event.key() and not k.released:
                k.released = True
                return True
        return False

    def _deliver(self, held) -> None:
        self._replaying = True
        try:
            for k in held:
                if not shiboken6.isValid(k.target):  # the field may have closed meanwhile
                    continue
                QApplication.sendEvent(k.target, QKeyEvent(QEvent.Type.KeyPress, k.key, k.mods, k.text))
                if k.released and shiboken6.isValid(k.target):
                    QApplication.sendEvent(k.target, QKeyEvent(QEvent.Type.KeyRelease, k.key, k.mods, k.text))
        finally:
            self._replaying = False


@dataclass
class _HeldKey:
    target: object  # the widget the key was typed into
    key: int
    mods: object
    text: str
    released: bool = False  # its release came while it was held (re-sent after the press)
