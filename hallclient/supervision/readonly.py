"""Read-only transactions for the supervisor's page: the store's own read sessions
(`Store.read()`: a plain deferred `BEGIN` on a read-only connection under WAL), so the page
and the report never wait behind the sync worker applying a pull."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session


@contextmanager
def reading(store) -> Iterator[Session]:
    """A read-only session on the store."""
    with store.read() as s:
        yield s
