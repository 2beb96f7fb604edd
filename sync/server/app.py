"""The HTTP face of the reference server (FastAPI; OpenAPI at /openapi.json, docs at /docs).

    app = create_app("sqlite:///central.sqlite3")
    app.mount("/queue", create_queue_app(...))   # other services mount beside /v1

Endpoints live in routers, one module per concern, under sync/server/routes/ (ROUTERS below);
their shared plumbing (body reading, errors, the device dependency) is sync.server.web.
Authentication is a dependency of the device routes, not a middleware, so sub-applications
mounted on the app keep their own rules.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from hallclient import __version__
from sync.server import licences, web
from sync.server.routes import sync_v1
from sync.server.store import ServerDB

# Add a concern's router here (fees, certificates, the supervisor's day...).
ROUTERS: list[APIRouter] = [sync_v1.router, licences.router]

# Kept for callers of the former single module.
read_json = web.read_json


def create_app(db_url: str | ServerDB, body_idle_s: float = web.BODY_IDLE_TIMEOUT_S) -> FastAPI:
    """The reference server on a database URL (or an opened ServerDB). `body_idle_s`: how long
    a request body may stall before the request is dropped (408)."""
    db = db_url if isinstance(db_url, ServerDB) else ServerDB(db_url)
    app = FastAPI(
        title="政务服务窗口客户端 · 中心同步参考服务器",
        version=__version__,
        description="Reference central server of the hall window client; protocol in docs/sync-protocol.md.",
    )
    app.state.db = db
    web.install(app, body_idle_s=body_idle_s)
    for r in ROUTERS:
        app.include_router(r)
    return app
