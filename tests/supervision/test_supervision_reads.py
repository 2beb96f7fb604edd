"""The page's reads do not wait for the write lock the sync worker holds while applying a pull."""

from __future__ import annotations

import threading
from datetime import date

from hallclient.supervision.overview import load_day, reading

from day_script import accepted_case, apply, supervisor

DAY = date(2026, 12, 2)


def test_a_read_completes_while_a_write_transaction_holds_the_lock(store):
    _cid, rows = accepted_case(DAY, 9)
    apply(store, rows)
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer():
        _c2, more = accepted_case(DAY, 10)
        with store.session() as s:  # BEGIN IMMEDIATE: the write lock, held until release
            from hallclient.supervision.mirror import apply_hall_records

            apply_hall_records(s, more)
            s.flush()
            holding.set()
            release.wait(30)
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(30)
        with reading(store) as s:  # would wait (and fail after the busy timeout) if it needed the lock
            day = load_day(s, supervisor(), DAY, today=DAY)
        assert not done.is_set()  # the writer was still holding its transaction
        assert len(day.cases) == 1  # a consistent snapshot: the uncommitted case is not seen
    finally:
        release.set()
        t.join(30)
    with reading(store) as s:
        assert len(load_day(s, supervisor(), DAY, today=DAY).cases) == 2
