"""Keep Python's full garbage collections short in a window that runs all day.

A full (generation 2) collection walks every object the collector tracks. After start-up the
client holds several hundred thousand of them (SQLAlchemy mappers, reportlab fonts and the
CJK glyph tables, Qt wrappers), so a full collection took 50-150 ms, and it fell wherever the
allocation count happened to run out: in the middle of a key press (issue 11 measured Ctrl+P
at 200-260 ms when one did). Start-up objects live as long as the process, so once the window
is built they are moved out of the collector's sight (`gc.freeze`); later full collections
walk only what the day has created since.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


def settle_heap() -> None:
    """Collect what start-up left behind, then freeze the survivors (call once the main window
    is built; calling again freezes what was created since, which is harmless)."""
    t0 = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info("heap settled: %d objects frozen in %.0f ms", gc.get_freeze_count(), (time.perf_counter() - t0) * 1000)
