"""Shared fixtures of the queue UI tests: a real hall queue service on loopback, and a stand-in
for the main window's intake hook."""

from __future__ import annotations

import os
import uuid

import pytest

from sync.hallqueue.server import LocalHall, serve_in_background


PG_ENV = "HALLCLIENT_TEST_PG_URL"


def pg_database(base_url: str) -> str:
    """A fresh database on the test cluster for one test (dropped by `pg_drop`)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"hq_test_{uuid.uuid4().hex[:12]}"
    u = make_url(base_url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                         dbname=u.database or "postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def pg_drop(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    try:
        with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                             dbname="postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - cleanup only
        pass


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
    url = pg_database(base)
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
