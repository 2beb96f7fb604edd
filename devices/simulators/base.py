"""The pty plumbing shared by all simulators."""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import tty

log = logging.getLogger(__name__)


class PtySimulator:
    """Owns a pty master; `on_data(bytes)` is called on the simulator's thread for every chunk
    the driver writes; `send(bytes)` answers. `pace_baud` > 0 makes writes take the wire time
    of that baud rate (10 bits per byte), so timings look like a real serial line."""

    kind = "device"

    def __init__(self, link: str | None = None, pace_baud: int = 0):
        self.link = link
        self.pace_baud = pace_baud
        self._master = self._slave = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wlock = threading.Lock()
        # Unplug and replug are serialised: the "vanish" fault unplugs from the simulator's own
        # thread, and a test that saw the driver notice may replug before that unplug finished
        # (it would then close the new pty or unlink the new symlink).
        self._plug = threading.Lock()
        self.received = bytearray()
        self._open_pty()

    # -- pty ------------------------------------------------------------------------------------
    def _open_pty(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline: bytes pass unchanged
        self.slave_path = os.ttyname(self._slave)
        if self.link:
            tmp = f"{self.link}.tmp{os.getpid()}"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(self.slave_path, tmp)
            os.replace(tmp, self.link)  # atomic: a reconnecting driver never sees a half state

    @property
    def port(self) -> str:
        """The path a driver opens."""
        return self.link or self.slave_path

    def start(self):
        # Each loop gets its own stop flag and its own fd: after vanish() from inside the loop
        # (the "vanish" fault) the old thread may still be unwinding when reappear() starts a
        # new one, and the new pty can reuse the old fd numbers; sharing either let both threads
        # read the new port and split the driver's frames between them.
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop, self._master), name=f"sim-{self.kind}", daemon=True
        )
        self._thread.start()
        return self

    def _loop(self, stop: threading.Event, fd: int) -> None:
        while not stop.is_set():
            try:
                r, _, _ = select.select([fd], [], [], 0.05)
                if not r:
                    self.tick()
                    continue
                data = os.read(fd, 4096)
            except (OSError, ValueError):
                return  # closed under us (vanish/close)
            if not data:
                continue
            self.received += data
            try:
                self.on_data(data)
            except OSError:
                return
            except Exception:  # noqa: BLE001 - a simulator bug shows in the log, not as a hang
                log.exception("%s simulator failed on %r", self.kind, data[:40])

    def on_data(self, data: bytes) -> None:  # pragma: no cover - overridden
        pass

    def tick(self) -> None:
        """Called about every 50 ms when the line is quiet (timers, unsolicited reports)."""

    def send(self, data: bytes, chunk: int = 0, gap: float = 0.0) -> None:
        """Write to the driver, optionally in chunks with a gap (split frames)."""
        with self._wlock:
            fd = self._master
            if fd is None:
                return
            # Paced: small pieces, each followed by its wire time, as a UART delivers them.
            step = chunk or (32 if self.pace_baud else len(data)) or 1
            for i in range(0, len(data), step):
                part = data[i : i + step]
                os.write(fd, part)
                if self.pace_baud:
                    time.sleep(len(part) * 10 / self.pace_baud)
                if gap and i + step < len(data):
                    time.sleep(gap)

    # -- unplug / replug --------------------------------------------------------------------------
    def vanish(self) -> None:
        """The device is unplugged: the driver's open port fails, the path disappears."""
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(2)
        with self._plug, self._wlock:
            for fd in (self._master, self._slave):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._master = self._slave = None
            if self.link and os.path.lexists(self.link):
                os.unlink(self.link)

    def reappear(self) -> None:
        """Plugged in again: a new pty behind the same link."""
        with self._plug:
            self._open_pty()
        self.start()

    def close(self) -> None:
        self.vanish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
