"""The client against a server that misbehaves or changes: a pull that never advances, data
that cannot be applied here, a device registered again elsewhere."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hallclient.models import SyncCursor, User
from hallclient.syncstate import MirrorRow
from sync.engine import CycleReport, SyncEngine
from sync.server import admin
from sync.server.run import ServerThread
from sync.server.store import publish
from sync.transport import SyncHTTP, Transient


class StuckPullServer:
    """A real HTTP server whose pull always claims more rows and never moves the cursor; after
    `limit` requests it answers 500, so a client that loops ends instead of hanging the test."""

    def __init__(self, limit: int = 5):
        self.pulls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.pulls += 1
                if outer.pulls > limit:
                    self._send(500, {"error": "stop", "server_time": "2026-01-01T00:00:00+00:00"})
                    return
                streams = {s: {"rows": [], "cursor": c, "more": True} for s, c in body["cursors"].items()}
                self._send(200, {"streams": streams, "server_time": "2026-01-01T00:00:00+00:00"})

            def _send(self, status, obj):
                raw = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_more_without_progress_is_transient_not_an_endless_loop(ctx):
    srv = StuckPullServer(limit=5)
    engine = SyncEngine(ctx.store, SyncHTTP(srv.url, "t"))
    try:
        with pytest.raises(Transient) as exc:
            engine.pull_all(CycleReport())
    finally:
        engine.close()
        srv.close()
    assert srv.pulls == 1 and "游标" in exc.value.message


def test_rows_that_cannot_be_applied_keep_the_cursor_and_say_so(ctx, sqlite_server, sx, cli):
    db = sqlite_server.db
    token = sx.new_device(db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    engine = SyncEngine(store, SyncHTTP(sqlite_server.url, token))
    engine.cycle()
    with store.session() as s:
        before = s.get(SyncCursor, "users").cursor if s.get(SyncCursor, "users") else ""
    # Two keys naming one username: the local unique index refuses the second (IntegrityError).
    user = {"username": "dup", "display_name": "重复", "role": "clerk", "password_hash": "x", "active": True}
    with db.session() as s:
        publish(s, "users", [("", "dup", user), ("", "dup-again", user)])
    with pytest.raises(Transient) as exc:
        engine.cycle()
    engine.close()
    assert "users" in exc.value.message and "无法在本机应用" in exc.value.message
    with store.session() as s:
        now = s.get(SyncCursor, "users").cursor if s.get(SyncCursor, "users") else ""
        assert now == before
        assert s.scalar(select(User).where(User.username == "dup")) is None  # the page rolled back whole
    ctx.close()  # the command line must get the data directory
    r = cli("sync", "--attempts", "1", data_dir=ctx.data_dir.root)
    assert r.returncode == 4 and "Traceback" not in r.stderr and "无法在本机应用" in r.stderr
    assert json.loads(r.stdout)["error"]


def test_registering_elsewhere_resets_cursors_and_mirrors(ctx, sqlite_server, sx, tmp_path):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    admin.load_appointments(sqlite_server.db, "440300001", [{"id": f"A{n}"} for n in range(10)])
    engine = SyncEngine.from_store(store)
    engine.cycle()
    engine.close()
    with store.session() as s:
        cursors = {c.stream: c.cursor for c in s.scalars(select(SyncCursor))}
    assert int(cursors["appointments"]) >= 10
    sx.registered_store(ctx, sqlite_server.url, token)  # the same server and device again: kept
    with store.session() as s:
        assert {c.stream: c.cursor for c in s.scalars(select(SyncCursor))} == cursors

    other = ServerThread(f"sqlite:///{tmp_path / 'other.sqlite3'}").start()  # a new central server
    try:
        admin.load_appointments(other.db, "440300001", [{"id": "B1"}, {"id": "B2"}])  # seqs 1 and 2
        sx.registered_store(ctx, other.url, sx.new_device(other.db))
        with store.session() as s:
            assert s.scalar(select(SyncCursor)) is None and s.scalar(select(MirrorRow)) is None
        engine = SyncEngine.from_store(store)
        engine.cycle()
        engine.close()
        with store.session() as s:
            keys = set(s.scalars(select(MirrorRow.key).where(MirrorRow.stream == "appointments")))
        assert keys == {"B1", "B2"}  # not skipped behind the old server's cursor
    finally:
        other.stop()


def test_registering_into_another_hall_resets_hall_streams(ctx, sqlite_server, sx):
    db = sqlite_server.db
    store = sx.registered_store(ctx, sqlite_server.url, sx.new_device(db, hall="440300001"))
    admin.load_appointments(db, "440300001", [{"id": "H1"}])
    engine = SyncEngine.from_store(store)
    engine.cycle()
    engine.close()
    sx.registered_store(ctx, sqlite_server.url, sx.new_device(db, name="别处", hall="440300002"))
    with store.session() as s:
        assert s.scalar(select(MirrorRow)) is None  # the old hall's appointments are not shown
        assert s.scalar(select(SyncCursor)) is None
        # new case numbers start with the new hall's code
        from hallclient import settings
        from hallclient.models import Hall

        assert s.scalars(select(Hall)).one().code == "440300002"
        assert settings.get(s, settings.HALL_CODE) == "440300002"
