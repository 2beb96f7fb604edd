"""Run the queue app with uvicorn on loopback in a background thread (tests, bench, demo)."""

from __future__ import annotations

import threading
import time

from sync.hallqueue.client import QueueClient


class RunningServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        import uvicorn

        self.config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                     timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="queue-service", daemon=True)

    def start(self, timeout: float = 20) -> "RunningServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("叫号服务未能启动")
            time.sleep(0.01)
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service(self):
        return self.config.app.state.queue_service

    def token(self, kind: str, window: str = "", label: str = "local") -> str:
        """A fresh token of `kind` on this service (tests and the demo wire their own callers;
        a hall issues them with `hallclient queue token issue`)."""
        return self.service.tokens.issue(kind, window, label)["token"]

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        svc = getattr(self.config.app.state, "queue_service", None) if hasattr(self.config.app, "state") else None
        if svc is not None:
            svc.close()


# Which kind of caller makes each client call (LocalHall).
_KIOSK = {"issue", "check_in", "requeue"}
_ADMIN = {"set_window", "set_rules", "stats", "add_appointment", "_do"}
_WINDOW = {"call_next", "call", "recall", "no_show", "transfer", "park", "call_back", "pause", "resume", "end"}


class LocalHall:
    """A QueueClient look-alike for a service running in this process (tests, the demo): it
    speaks for the whole hall, each call with the token its real caller would have (the kiosk
    issues, window 03's token calls for window 03, admin sets rules …)."""

    def __init__(self, srv: RunningServer, timeout: float = 5.0, label: str = "local"):
        self._srv, self._label, self._clients = srv, label, {}
        self._make = lambda token: QueueClient(srv.url, timeout=timeout, token=token)

    def as_(self, kind: str, window: str = ""):
        key = (kind, window)
        if key not in self._clients:
            self._clients[key] = self._make(self._srv.token(kind, window, label=self._label))
        return self._clients[key]

    def __getattr__(self, name):
        if name in _WINDOW:
            return lambda window, *a, **kw: getattr(self.as_("window", window), name)(window, *a, **kw)
        kind = "kiosk" if name in _KIOSK else "admin" if name in _ADMIN else "display"
        return getattr(self.as_(kind), name)

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def serve_in_background(db_url: str, **kw) -> RunningServer:
    from sync.hallqueue.app import create_queue_app

    return RunningServer(create_queue_app(db_url, **kw)).start()
