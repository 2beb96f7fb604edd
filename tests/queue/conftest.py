"""Shared fixtures of the queue UI tests: a real hall queue service on loopback, and a stand-in
for the main window's intake hook."""

from __future__ import annotations

import pytest

from sync.hallqueue.server import LocalHall, serve_in_background


@pytest.fixture
def service(tmp_path):
    srv = serve_in_background(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield srv
    srv.close()


class FakeMain:
    """Stands in for the main window's intake hook: records the tickets it was asked to open."""

    def __init__(self):
        self.opened = []

    def open_intake_for_ticket(self, no):
        self.opened.append(no)


@pytest.fixture
def fake_main():
    return FakeMain()


@pytest.fixture
def hall(service):
    c = LocalHall(service)
    yield c
    c.close()
