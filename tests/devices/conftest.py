"""Helpers for device tests: an event collector that waits for typed events."""

from __future__ import annotations

import queue

import pytest

from devices.events import EventBus


class Collector:
    def __init__(self, bus: EventBus):
        self.q: queue.Queue = queue.Queue()
        self.seen: list = []
        bus.subscribe(self.q.put)

    def wait_for(self, cls, pred=lambda e: True, timeout: float = 10.0):
        """The next event of type `cls` satisfying `pred` (earlier ones are kept in .seen)."""
        import time

        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {cls.__name__} event; seen: {[type(e).__name__ for e in self.seen]}")
            try:
                e = self.q.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(e)
            if isinstance(e, cls) and pred(e):
                return e

    def of(self, cls):
        while not self.q.empty():
            self.seen.append(self.q.get_nowait())
        return [e for e in self.seen if isinstance(e, cls)]


@pytest.fixture
def bus():
    return EventBus()


@pytest.fixture
def events(bus):
    return Collector(bus)
