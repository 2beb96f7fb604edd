"""Storage of the reference server: engine by URL, sessions, the stream sequence."""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from hallclient.models import utcnow
from sync.server.models import Counter, ServerBase, StreamRow

STREAM_COUNTER = "stream"
SCHEMA_LOCK = 0x68616C6C  # PostgreSQL advisory lock key of schema creation ("hall")
READ_ONLY = "hallclient_read_only"  # execution option of the engine read-only sessions use


def normalise_url(url: str) -> str:
    """A database URL for SQLAlchemy: a bare path means SQLite; PostgreSQL uses psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_server_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # an acknowledged record survives power loss
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # noqa: ANN001
            # Writers serialise at BEGIN rather than deadlocking on a lock upgrade. Readers
            # (authentication, pull) take a deferred BEGIN: under WAL they read a snapshot
            # and never queue behind a writer.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class ServerDB:
    """The opened server database; the schema is created on first use."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_server_engine(self.url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        if self.engine.dialect.name == "postgresql":
            # Several server processes start together on one database (`--workers`, or one per
            # host behind a balancer): one at a time creates the schema, the others find it.
            with self.engine.connect() as c:
                c.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
                try:
                    ServerBase.metadata.create_all(c)
                    c.commit()
                    self._init_counter()
                finally:
                    c.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
                    c.commit()
        else:
            ServerBase.metadata.create_all(self.engine)
            self._init_counter()

    def _init_counter(self) -> None:
        with self.session() as s:
            if s.get(Counter, STREAM_COUNTER) is None:
                s.add(Counter(name=STREAM_COUNTER, value=0))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, read_only: bool = False) -> Iterator[Session]:
        """A transaction, committed on success. `read_only` sessions must not write: on SQLite
        they begin deferred, so they do not wait for writers (and writers not for them)."""
        with (self.read_sessionmaker if read_only else self.sessionmaker)() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def take_seqs(s: Session, n: int) -> range:
    """Reserve `n` consecutive stream seqs in the caller's transaction (locks the counter)."""
    top = s.execute(
        update(Counter).where(Counter.name == STREAM_COUNTER).values(value=Counter.value + n).returning(Counter.value)
    ).scalar_one()
    return range(top - n + 1, top + 1)


def publish(s: Session, stream: str, rows: list[tuple[str, str, dict[str, Any] | None]], now: datetime | None = None) -> int:
    """Upsert rows (scope, key, data) of a stream, each with a new seq, in the caller's
    transaction; `data` None publishes a tombstone. Returns the last seq."""
    if not rows:
        return 0
    now = now or utcnow()
    seqs = iter(take_seqs(s, len(rows)))
    last = 0
    # Look up existing rows in chunks (parameter limits), then update or insert.
    existing: dict[tuple[str, str], StreamRow] = {}
    keys = list({(scope, key) for scope, key, _ in rows})
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        scopes = {c[0] for c in chunk}
        names = [c[1] for c in chunk]
        for r in s.scalars(
            select(StreamRow).where(StreamRow.stream == stream, StreamRow.scope.in_(scopes), StreamRow.key.in_(names))
        ):
            existing[(r.scope, r.key)] = r
    for scope, key, data in rows:
        last = next(seqs)
        row = existing.get((scope, key))
        if row is None:
            row = StreamRow(stream=stream, scope=scope, key=key)
            s.add(row)
            existing[(scope, key)] = row
        row.seq, row.data, row.changed_at = last, data, now
    s.flush()
    return last
