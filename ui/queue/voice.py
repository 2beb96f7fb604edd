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
    """say(text, repeat): queued; the next utterance starts only when the engine is ready.

    `engine` replaces the QtTextToSpeech engine (anything with `say(text)`, a `stateChanged`
    signal and a `State` enum with `Ready` and `Error`, as QTextToSpeech has). An engine that
    never reports Ready again (a hung speech service) would silence the hall for the rest of
    the day; the watchdog gives up on an utterance after `watchdog_s` and goes on.
    """

    spoken = Signal(str)  # each utterance as it starts (also when silent): for the log and tests

    def __init__(self, parent=None, enable_speech: bool = True, engine=None, watchdog_s: float = 15.0):
        super().__init__(parent)
        self.pending: deque[str] = deque()
        self.history: list[str] = []
        if engine is not None:
            self.tts, self._cls = engine, type(engine)
        else:
            self.tts, self._cls = _load_engine(self) if enable_speech else (None, None)
        self.available = self.tts is not None
        self._busy = False
        self.timeouts = 0  # utterances given up by the watchdog (for the log and tests)
        self._watchdog = QTimer(self, singleShot=True, interval=int(watchdog_s * 1000))
        self._watchdog.timeout.connect(self._gave_up)
        if self.tts is not None:
            self.tts.stateChanged.connect(self._state_changed)

    def say(self, text: str, repeat: int = 1) -> None:
        """Queue `text` `repeat` times; 0 (or less) means the hall turned the voice off: silent."""
        for _ in range(max(0, repeat)):
            self.pending.append(text)
        if not self._busy and self.pending:
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
        self._watchdog.start()
        self.tts.say(text)

    def _done(self, pause_ms: int) -> None:
        self._watchdog.stop()
        self._busy = False
        QTimer.singleShot(pause_ms, self._next)

    def _gave_up(self) -> None:
        if self._busy:
            self.timeouts += 1
            log.warning("speech engine did not finish an announcement; going on with the next")
            self._done(0)

    def _state_changed(self, state) -> None:
        if self._cls is not None and state == self._cls.State.Ready and self._busy:
            self._done(300)  # a short pause between two calls
        elif self._cls is not None and state == self._cls.State.Error:
            self._done(0)
