"""Running the reference server: in the foreground (`hallclient server`) or on a thread
(tests, benchmarks, fault drills). We bind the socket ourselves so port 0 works and the
actual port is known before the first request."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

import uvicorn

from sync.server.app import create_app

DB_ENV = "HALLCLIENT_SERVER_DB"


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _config(app, log_level: str = "warning") -> uvicorn.Config:
    # The server's access log would hold nothing secret (tokens travel in headers), but it is
    # noise in drills; warnings and errors are kept.
    return uvicorn.Config(app, log_level=log_level, access_log=False, timeout_keep_alive=30)


def app_from_env():
    """The application of one worker process of `serve_workers` (uvicorn imports it by name).
    The URL comes from the environment, never from a command line `ps` would show."""
    import logging
    import os

    # Workers share the parent's stderr (as uvicorn's own lines do); one rotating log file
    # written by several processes would lose lines at rotation.
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    return create_app(os.environ[DB_ENV])


def serve_workers(db_url: str, host: str, port: int, workers: int) -> int:
    """The reference server as `workers` processes on one socket and one (PostgreSQL)
    database, as a province deploys it: every rule that must hold across requests (exactly
    once per UUID, the stream sequence, case locks) lives in the database, not in a process."""
    import os

    from uvicorn.supervisors import Multiprocess

    os.environ[DB_ENV] = db_url  # inherited by the workers; not on any command line
    sock = bind(host, port)
    print(json.dumps({"listening": f"http://{host}:{sock.getsockname()[1]}", "workers": workers}), flush=True)
    config = uvicorn.Config("sync.server.run:app_from_env", factory=True, workers=workers, log_level="info",
                            access_log=False, timeout_keep_alive=30)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def serve(db_url, host: str, port: int, queue_db_url: str | None = None) -> int:
    """The reference server; with `queue_db_url` the hall queue service too, under /queue (a
    hall can run one process on its own LAN for both)."""
    app = create_app(db_url)
    queue_service = None
    if queue_db_url:
        from sync.hallqueue.app import create_queue_app

        queue_app = create_queue_app(queue_db_url)
        queue_service = queue_app.state.queue_service
        app.mount("/queue", queue_app)
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    base = f"http://{host}:{real_port}"
    print(json.dumps({"listening": base, "queue": base + "/queue" if queue_service else None,
                      "db": app.state.db.engine.url.render_as_string(hide_password=True)}), flush=True)
    server = uvicorn.Server(_config(app, "info"))
    server.run(sockets=[sock])
    app.state.db.close()
    if queue_service is not None:
        queue_service.close()
    return 0


class ServerThread:
    """The reference server on a loopback port, in this process."""

    def __init__(self, db_url: str, host: str = "127.0.0.1", port: int = 0, app=None):
        self.app = app or create_app(db_url)
        self.db = self.app.state.db
        self.sock = bind(host, port)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = uvicorn.Server(_config(self.app))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, name="sync-server", daemon=True)

    def start(self) -> "ServerThread":
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("reference server did not start")
            time.sleep(0.01)
        return self

    def stop(self, close_db: bool = True) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        try:
            self.sock.close()
        except OSError:
            pass
        if close_db:
            self.db.close()


if __name__ == "__main__":  # pragma: no cover - `hallclient server` is the supported way
    sys.exit(serve(sys.argv[1], "127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 8765))
