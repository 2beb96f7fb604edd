"""Python's cyclic garbage collector held off while a read builds many objects at once.

Reading a hall day makes some 40,000 rows, tuples and dataclasses, all of which stay alive.
The collector runs every few hundred new objects and now and then walks every object made
since start-up (ui/heap.py), so it walked those rows again and again: a fifth to a quarter of
the supervisor's read. Held off, it looks at them once, after the read. Nothing is lost: the
collector only frees reference cycles, and it runs as usual once the last read ends.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_holding = 0  # reads in progress (threads may read at once)
_was_enabled = False


@contextmanager
def held_off() -> Iterator[None]:
    """The collector is off inside (on again after the last of overlapping uses, if it was on
    before the first)."""
    global _holding, _was_enabled
    with _lock:
        if _holding == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holding += 1
    try:
        yield
    finally:
        with _lock:
            _holding -= 1
            if _holding == 0 and _was_enabled:
                gc.enable()
