"""Single-instance lock on a data directory.

Two clients writing one SQLite file would interleave case numbers and outbox rows, so a second
instance is refused. An OS advisory lock (not the file's existence) is the source of truth: it
is released by the kernel when the process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from hallclient.errors import AlreadyRunning

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl


class InstanceLock:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._fh = None

    def acquire(self) -> "InstanceLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        # "a+" opens at the end of the file, and msvcrt.locking locks from the current
        # position: every instance must lock the same byte (0), or a second one gets a lock
        # on a different byte once a PID has been written.
        fh.seek(0)
        try:
            if os.name == "nt":  # pragma: no cover
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            try:
                holder = fh.read().strip() or "?"
            except OSError:  # Windows refuses reads of a locked range
                holder = "?"
            fh.close()
            raise AlreadyRunning(
                f"该数据目录已被另一个窗口客户端使用（进程 {holder}）：{self.path.parent}\n"
                "请先关闭另一个客户端，或用 --data-dir 指定其他数据目录。"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            try:
                if os.name != "nt":
                    fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
