"""Fixtures of the sync tests: the reference server on a loopback port (SQLite, and
PostgreSQL when HALLCLIENT_TEST_PG_URL names one), registered client stores, the fault proxy."""

from __future__ import annotations

import os

import pytest

from tests.pgtest import PG_ENV, pg_database as _pg_database, pg_drop as _pg_drop


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db_url(request, tmp_path):
    """A database URL for the reference server, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (CI's .ci/run starts one when it can)")
    url = _pg_database(base)
    yield url
    _pg_drop(url)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'central.sqlite3'}"


@pytest.fixture
def server(server_db_url):
    from sync.server.run import ServerThread

    st = ServerThread(server_db_url).start()
    yield st
    st.stop()


@pytest.fixture
def sqlite_server(sqlite_url):
    from sync.server.run import ServerThread

    st = ServerThread(sqlite_url).start()
    yield st
    st.stop()


def new_device(db, name="3号窗口", hall="440300001", supervisor=False) -> str:
    from sync.server.admin import register_device

    return register_device(db, name, hall, supervisor=supervisor)["token"]


def registered_store(ctx, url: str, token: str):
    from sync.engine import register

    register(ctx.store, url, token)
    return ctx.store


@pytest.fixture
def proxy_factory():
    from sync.faultproxy import FaultProxy

    made = []

    def make(server):
        p = FaultProxy(server.host, server.port).start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


def server_records(db) -> dict:
    """uuid -> how many times the server holds it."""
    from sqlalchemy import func, select

    from sync.server.models import Record

    with db.session() as s:
        return dict(s.execute(select(Record.uuid, func.count()).group_by(Record.uuid)).all())


def local_outbox(store) -> dict:
    from sqlalchemy import select

    from hallclient.models import OutboxEntry

    with store.session() as s:
        return {r.uuid: r.status for r in s.scalars(select(OutboxEntry))}


@pytest.fixture
def sx():
    """Helpers of the sync tests (conftest functions cannot be imported by test modules)."""
    from types import SimpleNamespace

    return SimpleNamespace(new_device=new_device, registered_store=registered_store, server_records=server_records, local_outbox=local_outbox)


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database (skips without HALLCLIENT_TEST_PG_URL)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV}")
    url = _pg_database(base)
    yield url
    _pg_drop(url)
