"""Follows the hall queue's event stream on a worker thread, resuming from its cursor."""

from __future__ import annotations

import logging

from PySide6.QtCore import QThread, Signal

from sync.hallqueue.client import QueueClient, QueueOffline, QueueRefused

log = logging.getLogger(__name__)


class EventFollower(QThread):
    """Emits batches of plain event dicts in order; after a network drop it reconnects with the
    last cursor, so nothing is missed and nothing is delivered twice."""

    received = Signal(list)
    online = Signal(bool)

    def __init__(self, url: str, cursor: int = 0, poll_s: float = 1.0, parent=None, token: str = ""):
        super().__init__(parent)
        self.url, self.cursor, self.poll_s, self.token = url, cursor, poll_s, token
        self._stop = False

    def stop(self) -> None:
        self._stop = True
        self.wait(5000)

    def run(self) -> None:
        client = QueueClient(self.url, timeout=5, token=self.token)
        was_online = None
        while not self._stop:
            try:
                batch = client.events(self.cursor, timeout=self.poll_s)
            except (QueueOffline, QueueRefused):  # refused: a revoked token may be replaced
                if was_online is not False:
                    self.online.emit(False)
                    was_online = False
                self.msleep(1000)
                continue
            except Exception:  # noqa: BLE001 - keep following whatever happens
                log.exception("event stream failed")
                self.msleep(1000)
                continue
            if was_online is not True:
                self.online.emit(True)
                was_online = True
            if batch["events"]:
                self.cursor = batch["cursor"]
                self.received.emit(batch["events"])
        client.close()
