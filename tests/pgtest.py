"""Fresh PostgreSQL databases for the server tests (sync and queue), on the cluster named by
HALLCLIENT_TEST_PG_URL (`.ci/run` starts one when it can)."""

from __future__ import annotations

import uuid

PG_ENV = "HALLCLIENT_TEST_PG_URL"


def _connect(u, dbname: str):
    import psycopg

    return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                           dbname=dbname, autocommit=True)


def pg_database(base_url: str, prefix: str = "hc_test") -> str:
    """A fresh database on the test cluster for one test (dropped by `pg_drop`)."""
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    u = make_url(base_url)
    with _connect(u, u.database or "postgres") as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def pg_drop(url: str) -> None:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    try:
        with _connect(u, "postgres") as c:
            c.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    except Exception:  # noqa: BLE001 - cleanup only
        pass
