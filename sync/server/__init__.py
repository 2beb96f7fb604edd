"""The reference central server: what the window client synchronises with.

It stands in for the provincial approval platform in development, fault drills and tests:
`create_app(db_url)` builds the FastAPI application, `ServerDB` is its storage (SQLite by
default, PostgreSQL by URL), `sync.server.admin` holds the back-office commands.
"""

from sync.server.app import create_app
from sync.server.store import ServerDB

__all__ = ["create_app", "ServerDB"]
