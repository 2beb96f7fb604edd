"""Background operations: long work never runs on the UI thread.

    Op(parent, fn, *args).success(on_done).failure(on_error).run()

`fn` runs on a worker thread; `on_done(result)` / `on_error(exc)` run on the UI thread, and
not at all if `parent` was destroyed meanwhile. Database writes go through one serialized
writer (`Op(..., writer=True)`), so writes never contend; reads, network, PDF rendering and
device I/O use the shared pool. Only plain data crosses threads: return dataclasses, never live
ORM objects or widgets.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_writer: QThreadPool | None = None
_running: set["Op"] = set()


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)
    return _pool


def writer() -> QThreadPool:
    global _writer
    if _writer is None:
        _writer = QThreadPool()
        _writer.setMaxThreadCount(1)  # the single database writer
    return _writer


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, relay: _Relay):
        super().__init__()
        self.fn, self.args, self.kwargs, self.relay = fn, args, kwargs, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the UI
            from hallclient.errors import HallError

            if isinstance(e, HallError):
                # An expected failure, already in words for people (validation, a service that
                # is down): the caller tells the clerk and logs changes of state, so a poll
                # every few seconds does not write a traceback every few seconds.
                log.debug("background operation: %s", e)
            else:
                log.error("background operation failed: %s", "".join(traceback.format_exception(e)))
            self.relay.failed.emit(e)
        else:
            self.relay.done.emit(result)


class Op:
    def __init__(self, parent: QObject | None, fn: Callable[..., Any], *args: Any, writer: bool = False, **kwargs: Any):
        self.parent = parent
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.is_write = writer
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._relay = _Relay()  # lives on the UI thread: its signals are delivered there

    def success(self, cb: Callable[[Any], None]) -> "Op":
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> "Op":
        self._failure = cb
        return self

    def run(self) -> "Op":
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)
        _running.add(self)
        (writer() if self.is_write else pool()).start(_Task(self.fn, self.args, self.kwargs, self._relay))
        return self

    def _alive(self) -> bool:
        if self.parent is None:
            return True
        try:
            import shiboken6

            return shiboken6.isValid(self.parent)
        except Exception:  # noqa: BLE001
            return True

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        _running.discard(self)
        if self._success and self._alive():
            self._success(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        _running.discard(self)
        if self._alive():
            if self._failure:
                self._failure(exc)
            else:
                show_error(self.parent, exc)


def error_text(exc: BaseException) -> str:
    """What to tell the clerk about a failure: our own message, or a generic one (details in
    the log file, never a traceback on screen)."""
    from hallclient.errors import HallError

    if isinstance(exc, HallError):
        return exc.message
    if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
        return "磁盘空间不足，操作未完成，数据未丢失。请清理磁盘后重试，或联系信息技术人员。"
    return "操作没有完成，已保存的数据未丢失。请重试；如仍不行请联系信息技术人员（详情已记录在日志中）。"


def show_error(parent, exc: BaseException) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(parent, "操作失败", error_text(exc))


def wait_all(timeout_ms: int = 10_000) -> bool:
    """Wait for background work to finish (shutdown and tests)."""
    ok = pool().waitForDone(timeout_ms)
    return writer().waitForDone(timeout_ms) and ok
