"""One writer, free readers: reads never take SQLite's write lock nor wait for the writer;
every write of the process holds the one `Store.writer`. No timing: threads meet at barriers
and events, and a serialised reader would time them out."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hallclient import db
from hallclient.models import Department

WAIT = 10  # seconds before a test calls a blocked thread a failure


def _count(s) -> int:
    return s.scalar(select(func.count()).select_from(Department))


def test_a_read_completes_while_a_write_holds_the_writer(store):
    with store.read() as s:
        before = _count(s)
    holding, release = threading.Event(), threading.Event()

    def writer():
        with store.write() as s:
            s.add(Department(code="X99", name="测试部门"))
            s.flush()  # the write lock of SQLite is held from BEGIN IMMEDIATE on
            holding.set()
            release.wait(WAIT)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(WAIT)
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(_count_read(store)))
        reader.start()
        reader.join(WAIT)
        assert not reader.is_alive() and seen == [before]  # done, and saw no uncommitted row
        assert not release.is_set()  # ... while the writer still held on
    finally:
        release.set()
        t.join(WAIT)
    assert _count_read(store) == before + 1


def _count_read(store) -> int:
    with store.read() as s:
        return _count(s)


def test_three_reads_run_at_the_same_time(store):
    inside = threading.Barrier(3, timeout=WAIT)  # each read waits INSIDE its transaction
    done: list[int] = []
    errors: list[BaseException] = []

    def read():
        try:
            with store.read() as s:
                n = _count(s)  # the transaction has started and read
                inside.wait()  # a serialised reader would never get here: BrokenBarrierError
                done.append(n)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 2)
    assert errors == [] and len(done) == 3


def test_writes_of_two_threads_take_turns_on_the_one_writer(store):
    holding, release = threading.Event(), threading.Event()
    second_saw: list[int] = []

    def first():
        with store.write() as s:
            s.add(Department(code="X98", name="先写"))
            holding.set()
            release.wait(WAIT)

    def second():
        with store.write() as s:  # waits on Store.writer, not on SQLite's busy timeout
            second_saw.append(s.scalar(select(func.count()).where(Department.code == "X98")))

    a = threading.Thread(target=first)
    a.start()
    assert holding.wait(WAIT)
    b = threading.Thread(target=second)
    b.start()
    b.join(0.2)
    assert b.is_alive() and second_saw == []  # queued behind the first writer
    release.set()
    a.join(WAIT)
    b.join(WAIT)
    assert second_saw == [1]  # began after the first committed


def test_a_read_session_cannot_write(store):
    with pytest.raises(OperationalError, match="readonly"):
        with store.read() as s:
            s.add(Department(code="X97", name="不应写入"))
            s.flush()
    assert _count_read(store) == _count_read(store)  # the store is still usable


def test_session_is_the_writer_for_code_written_before_the_split(store):
    holding, release = threading.Event(), threading.Event()

    def hold():
        with store.write():
            holding.set()
            release.wait(WAIT)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(WAIT)
    assert not store.writer.lock.acquire(timeout=0.05)  # held by the write above
    release.set()
    t.join(WAIT)
    with store.session() as s:
        s.add(Department(code="X96", name="旧接口"))
    assert _count_read(store) >= 1


def test_a_write_on_the_ui_thread_is_refused_in_strict_mode_and_reads_are_fine(store, caplog):
    store.writer.forbid_thread(threading.current_thread(), strict=True)
    try:
        with pytest.raises(db.WriteOnUiThread):
            with store.write():
                pass
        assert _count_read(store) >= 0
        ok: list[bool] = []

        def elsewhere():  # a worker thread writes as usual
            with store.write() as s:
                s.add(Department(code="X95", name="后台写入"))
            ok.append(True)

        t = threading.Thread(target=elsewhere)
        t.start()
        t.join(WAIT)
        assert ok == [True]
        store.writer.forbid_thread(threading.current_thread(), strict=False)
        with store.write():  # in the field: logged with its stack, not refused
            pass
        assert "database write on the UI thread" in caplog.text
    finally:
        store.writer.forbid_thread(None)
