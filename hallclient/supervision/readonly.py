"""Read-only transactions for the supervisor's page: a plain deferred `BEGIN` under WAL reads
a consistent snapshot and never waits for the write lock, so the page and the report never
wait behind the sync worker applying a pull.

The store's own sessions begin IMMEDIATE (they may write). When the store offers read-only
sessions itself (`store.session(read_only=True)`), `reading` uses those; until then it uses a
second engine on the same file whose connections are `query_only`.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

_lock = threading.Lock()
_engines: "weakref.WeakKeyDictionary[object, Engine]" = weakref.WeakKeyDictionary()


def _read_engine(store) -> Engine:
    with _lock:
        eng = _engines.get(store)
        if eng is not None:
            return eng
        eng = create_engine(f"sqlite:///{store.path}", connect_args={"timeout": 10, "check_same_thread": False})

        @event.listens_for(eng, "connect")
        def _connect(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):  # noqa: ANN001
            conn.exec_driver_sql("BEGIN")  # deferred: a snapshot, no lock taken

        _engines[store] = eng
        weakref.finalize(store, eng.dispose)
        return eng


@contextmanager
def reading(store) -> Iterator[Session]:
    """A read-only session on the store (rolled back at the end: it wrote nothing)."""
    session_fn = getattr(store, "session", None)
    if session_fn is not None and "read_only" in inspect.signature(session_fn).parameters:
        with session_fn(read_only=True) as s:
            yield s
        return
    with Session(_read_engine(store), expire_on_commit=False) as s:
        try:
            yield s
        finally:
            s.rollback()
