"""Spoken calls through an offline text-to-speech engine, queued so none cuts another off.

QtTextToSpeech may be missing or fail to load (no speech engine, missing audio libraries such as
libpulse): the announcer then stays silent and the display goes on working.
"""

from __future__ import annotations

import logging
from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


def _load_engine(parent):
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech  # may fail: no engine / no libpulse
    except Exception as e:  # noqa: BLE001 - any failure here means "no speech"
        log.info("no text-to-speech: %s", e)
        return None, None
    try:
        if not QTextToSpeech.availableEngines():
            return None, None
        tts = QTextToSpeech(parent)
        from PySide6.QtCore import QLocale

        tts.setLocale(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        return tts, QTextToSpeech
    except Exception as e:  # noqa: BLE001
        log.info("text-to-speech unusable: %s", e)
        return None, None


class Announcer(QObject):
    """say(text, repeat): queued; the next utterance starts only when the engine is ready."""

    spoken = Signal(str)  # each utterance as it starts (also when silent): for the log and tests

    def __init__(self, parent=None, enable_speech: bool = True):
        super().__init__(parent)
        self.pending: deque[str] = deque()
        self.history: list[str] = []
        self.tts, self._cls = _load_engine(self) if enable_speech else (None, None)
        self.available = self.tts is not None
        self._busy = False
        if self.tts is not None:
            self.tts.stateChanged.connect(self._state_changed)

    def say(self, text: str, repeat: int = 1) -> None:
        for _ in range(max(1, repeat)):
            self.pending.append(text)
        if not self._busy:
            QTimer.singleShot(0, self._next)

    def _next(self) -> None:
        if self._busy or not self.pending:
            return
        text = self.pending.popleft()
        self.history.append(text)
        self.spoken.emit(text)
        if self.tts is None:
            QTimer.singleShot(0, self._next)  # silent: keep the order, nothing to wait for
            return
        self._busy = True
        self.tts.say(text)

    def _state_changed(self, state) -> None:
        if self._cls is not None and state == self._cls.State.Ready and self._busy:
            self._busy = False
            QTimer.singleShot(300, self._next)  # a short pause between two calls
        elif self._cls is not None and state == self._cls.State.Error:
            self._busy = False
            QTimer.singleShot(0, self._next)
