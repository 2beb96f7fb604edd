"""Shared fixtures of the queue UI tests: a real hall queue service on loopback, and a stand-in
for the main window's intake hook."""

from __future__ import annotations

import os

import pytest

from sync.hallqueue.server import LocalHall, serve_in_background


from tests.pgtest import PG_ENV, pg_database, pg_drop


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_db_url(request, tmp_path):
    """The queue service's database, once per backend (PostgreSQL when HALLCLIENT_TEST_PG_URL
    names a cluster, else that run is skipped with the reason)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'queue.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (CI's .ci/run starts one when it can)")
    url = pg_database(base, prefix="hq_test")
    yield url
    pg_drop(url)


@pytest.fixture
def any_service(queue_db_url):
    """The queue service over HTTP on SQLite and on PostgreSQL."""
    srv = serve_in_background(queue_db_url)
    yield srv
    srv.close()


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
