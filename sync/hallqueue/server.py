"""Run the queue app with uvicorn on loopback in a background thread (tests, bench, demo)."""

from __future__ import annotations

import threading
import time


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

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        svc = getattr(self.config.app.state, "queue_service", None) if hasattr(self.config.app, "state") else None
        if svc is not None:
            svc.close()


def serve_in_background(db_url: str, **kw) -> RunningServer:
    from sync.hallqueue.app import create_queue_app

    return RunningServer(create_queue_app(db_url, **kw)).start()
