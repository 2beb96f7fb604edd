"""One serialized worker per port: a thread, a command queue, timeouts, cancel, reconnect.

A `DeviceWorker` owns its transport. Commands (`submit(fn)`) run one at a time on the worker's
thread with the open transport and return a `concurrent.futures.Future`; when the queue is idle
the driver's `idle()` runs (the ID reader polls there). Any OSError (serial.SerialException is
one) means the port is gone: the worker closes it, reports DISCONNECTED, and reopens with
exponential backoff until the port returns (USB unplug / replug) or the worker is stopped.
Any other failure while connecting (the device refuses the handshake, a plug-in bug) is
retried the same way, reported as ERROR; only an unknown driver name stops the worker for
good (ERROR, with a message saying to fix the configuration).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from devices.events import DeviceError, DeviceEvent, DeviceState, DeviceStatusChanged, EventBus
from devices.handler import DeviceUserHandler
from devices.registry import UnknownDriver
from devices.transport import port_error_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceSpec:
    """Plain-data copy of a DeviceConfig row (no ORM object crosses into worker threads)."""

    kind: str  # id_reader | ticket_printer | led | rating_pad | scanner
    port: str
    baud: int = 115200
    driver: str = "default"
    name: str = ""
    options: dict = field(default_factory=dict)
    enabled: bool = True

    @property
    def label(self) -> str:
        return self.name or self.kind

    @classmethod
    def from_config(cls, row) -> "DeviceSpec":
        return cls(kind=row.kind, port=row.port, baud=row.baud or 115200, driver=row.driver or "default",
                   name=f"{row.kind}#{row.id}", options=dict(row.options or {}), enabled=bool(row.enabled))


class Cancelled(Exception):
    pass


class CancelToken:
    def __init__(self):
        self._ev = threading.Event()

    def cancel(self) -> None:
        self._ev.set()

    @property
    def cancelled(self) -> bool:
        return self._ev.is_set()

    def check(self) -> None:
        if self._ev.is_set():
            raise Cancelled()


class DeviceWorker:
    """Base worker. Subclasses implement `open()`, and may override `on_connected()`, `idle()`."""

    #: how long the queue waits before calling idle() again (the ID reader's poll period)
    idle_interval = 1.0
    backoff_initial = 0.2
    backoff_max = 5.0

    def __init__(self, spec: DeviceSpec, bus: EventBus | None = None, handler: DeviceUserHandler | None = None):
        self.spec = spec
        self.name = spec.label
        self.bus = bus or EventBus()
        self.handler = handler or DeviceUserHandler()
        self.transport = None
        self.state = DeviceState.CONNECTING
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._current: CancelToken | None = None
        self._fatal: str | None = None  # set when the worker gave up (unknown driver)
        self.connects = 0  # successful opens (diagnostics and tests)
        self.backoff_initial = float(spec.options.get("backoff_initial", self.backoff_initial))
        self.backoff_max = float(spec.options.get("backoff_max", self.backoff_max))

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> "DeviceWorker":
        self._thread = threading.Thread(target=self._run, name=f"device-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._current:
            self._current.cancel()
        self._queue.put(None)
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    close = stop

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    # -- commands -----------------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args, timeout: float | None = None) -> Future:
        """Queue `fn(transport, token, *args)` to run on the worker thread. The future fails
        with TimeoutError when `timeout` passes before it finishes (the command is cancelled)."""
        fut: Future = Future()
        if self._fatal is not None:
            _fail(fut, ConnectionError(self._fatal))
            return fut
        token = CancelToken()
        deadline = time.monotonic() + timeout if timeout else None
        self._queue.put((fn, args, fut, token, deadline))
        if timeout:
            timer = threading.Timer(timeout, _expire, (fut, token))
            timer.daemon = True  # a pending timer must not keep the process alive
            fut.add_done_callback(lambda _f: timer.cancel())
            timer.start()
        return fut

    def cancel_current(self) -> None:
        if self._current:
            self._current.cancel()

    # -- hooks for drivers --------------------------------------------------------------------
    def open(self):
        from devices.transport import open_transport

        return open_transport(self.spec.port, self.spec.baud)

    def on_connected(self) -> None:
        """Runs once after each (re)connect, e.g. a handshake. May raise OSError."""

    def idle(self) -> None:
        """Runs when no command came within `idle_interval`."""

    def publish(self, event: DeviceEvent) -> None:
        self.bus.publish(event)

    def set_state(self, state: DeviceState, detail: str = "") -> None:
        if state != self.state:
            self.state = state
            self.publish(DeviceStatusChanged(self.name, kind=self.spec.kind, state=state, detail=detail))

    def error(self, message: str, code: str = "") -> None:
        self.publish(DeviceError(self.name, message=message, code=code))

    # -- the loop -----------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = self.backoff_initial
        told = ""  # what the clerk already heard about this run of failures: "" | "gone" | "error"
        self.publish(DeviceStatusChanged(self.name, kind=self.spec.kind, state=self.state))
        while not self._stop.is_set():
            try:
                self._connect()
            except UnknownDriver as e:
                self._give_up(e.message)
                return
            except Exception as e:  # noqa: BLE001 - a failed handshake or a driver bug must not kill the thread
                self._close_transport()
                told = self._connect_failed(e, told)
                self._fail_pending("设备未连接")
                self._wake.wait(backoff)
                self._wake.clear()
                backoff = min(backoff * 2, self.backoff_max)
                continue
            backoff = self.backoff_initial
            told = ""
            self.set_state(DeviceState.READY)
            try:
                self._serve()
            except OSError as e:
                log.warning("%s: port lost: %s", self.name, e)
                self.set_state(DeviceState.DISCONNECTED, f"设备连接中断：{port_error_text(e)}")
                self.handler.device_unplugged(self.name)
                told = "gone"
            except Exception:  # noqa: BLE001 - a driver bug must not kill the worker
                log.exception("%s: driver failed", self.name)
                self.error("设备驱动出错，正在重新连接", "driver")
            finally:
                self._close_transport()
        self._close_transport()
        self._fail_pending("设备已停止")
        self.set_state(DeviceState.DISABLED)

    def _connect(self) -> None:
        self.transport = self.open()
        self.connects += 1
        self.on_connected()

    def _connect_failed(self, e: Exception, told: str) -> str:
        """Report a failed open/handshake; the person is told once per kind of failure, not at
        every retry. Returns the kind now told ("gone" or "error")."""
        if isinstance(e, OSError):
            log.info("%s: cannot open %s: %s", self.name, self.spec.port, e)
            self.set_state(DeviceState.DISCONNECTED, f"无法打开 {self.spec.port}：{port_error_text(e)}")
            if told != "gone":
                self.handler.device_unplugged(self.name)
            return "gone"
        # Not a port problem: the device refused the set-up (e.g. answered "busy") or the
        # driver failed. Retry with backoff like a missing port, but say so.
        log.warning("%s: set-up after connect failed", self.name, exc_info=e)
        reason = getattr(e, "message", "") or f"驱动出错（{type(e).__name__}）"
        message = f"设备连接后初始化失败（{reason}），正在自动重试"
        self.set_state(DeviceState.ERROR, message)
        if told != "error":
            self.error(message, "connect")
        return "error"

    def _give_up(self, message: str) -> None:
        """A configuration mistake (unknown driver): retrying cannot help; stay in ERROR until
        the configuration is changed (the hub restarts the workers then)."""
        log.error("%s: %s", self.name, message)
        self._close_transport()
        self._fatal = message
        self.set_state(DeviceState.ERROR, message)
        self.error(message, "driver_unknown")
        self._fail_pending(message)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=self.idle_interval)
            except queue.Empty:
                self.idle()
                continue
            if item is None:
                return
            fn, args, fut, token, deadline = item
            if fut.done() or not fut.set_running_or_notify_cancel():
                continue
            self._current = token
            try:
                result = fn(self.transport, token, *args)
            except OSError as e:
                _fail(fut, e)
                raise
            except BaseException as e:  # noqa: BLE001 - goes to the caller through the future
                _fail(fut, e)
            else:
                if not fut.done():
                    fut.set_result(result)
            finally:
                self._current = None

    def _fail_pending(self, message: str) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None and not item[2].done():
                _fail(item[2], ConnectionError(message))

    def _close_transport(self) -> None:
        if self.transport is not None:
            try:
                self.transport.close()
            except Exception:  # noqa: BLE001
                pass
            self.transport = None


def _expire(fut: Future, token: CancelToken) -> None:
    """A command's timeout passed: stop it (drivers check the token) and fail its future."""
    token.cancel()
    _fail(fut, TimeoutError("设备操作超时"))


def _fail(fut: Future, exc: BaseException) -> None:
    try:
        if not fut.done():
            if not fut.running():
                fut.set_running_or_notify_cancel()
            fut.set_exception(exc)
    except Exception:  # noqa: BLE001 - raced with the worker finishing it
        pass
