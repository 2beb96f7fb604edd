"""The ID card reader driver and its worker, through real pseudo-terminals to the simulator."""

from __future__ import annotations

import time

import pytest

from devices.events import CardRead, DeviceError, DeviceState, DeviceStatusChanged, ReaderRearmed
from devices.handler import RecordingHandler
from devices.reader import IdReaderWorker, NoCard, ReaderError, SamReader
from devices.simulators.idreader import IdReaderSimulator, sample_cards
from devices.transport import open_transport
from devices.worker import DeviceSpec

CARDS = sample_cards()


@pytest.fixture
def sim():
    s = IdReaderSimulator().start()
    yield s
    s.close()


@pytest.fixture
def reader(sim):
    t = open_transport(sim.port, 115200)
    yield SamReader(t, reply_timeout=1.0)
    t.close()


@pytest.mark.parametrize("name", sorted(CARDS))
def test_reads_every_card_type_over_a_pty(sim, reader, name):
    sim.place(CARDS[name])
    doc = reader.read_card()
    assert doc == CARDS[name]
    assert len(doc.photo_wlt) == 1024
    assert sim.commands == ["find", "select", "read"]


def test_fingerprint_variant_reads_text_and_photo(sim):
    sim.place(CARDS["foreign_2023"])
    t = open_transport(sim.port)
    try:
        doc = SamReader(t, fingerprint=True).read_card()
    finally:
        t.close()
    assert doc == CARDS["foreign_2023"]


def test_fingerprint_mode_reads_a_card_without_fingerprint_data(sim):
    sim.fingerprint = b""  # cards issued before 2013: the third length is 0, LEN = 0x050A
    sim.place(CARDS["resident"])
    t = open_transport(sim.port)
    try:
        doc = SamReader(t, fingerprint=True, reply_timeout=1.0).read_card()
    finally:
        t.close()
    assert doc == CARDS["resident"]


def test_no_card_raises_nocard_with_chinese_message(reader):
    with pytest.raises(NoCard) as e:
        reader.read_card()
    assert "未找到身份证" in e.value.message


def test_card_must_leave_the_field_before_it_is_found_again(sim, reader):
    sim.place(CARDS["resident"])
    reader.read_card()
    with pytest.raises(NoCard):
        reader.read_card()
    sim.remove()
    sim.place(CARDS["resident"])
    assert reader.read_card().id_number == CARDS["resident"].id_number


@pytest.mark.parametrize("fault", ["garbage", "split"])
def test_garbage_and_split_frames_still_read(sim, reader, fault):
    sim.place(CARDS["gat_permit"])
    sim.inject(fault, on="read")
    assert reader.read_card() == CARDS["gat_permit"]


@pytest.mark.parametrize("fault,code", [("checksum", "checksum"), ("length", "length"), ("status:41", "sam_41"),
                                        ("status:81", "sam_81"), ("status:60", "sam_60")])
def test_broken_replies_give_a_typed_error_then_the_next_read_works(sim, reader, fault, code):
    sim.place(CARDS["resident"])
    sim.inject(fault, on="select" if fault == "status:81" else "read")
    with pytest.raises(ReaderError) as e:
        reader.read_card()
    assert e.value.code == code and e.value.message
    assert reader.read_card() == CARDS["resident"]  # resynced: no leftover bytes


def test_status_80_on_find_is_no_card(sim, reader):
    sim.place(CARDS["resident"])
    sim.inject("status:80", on="find")
    with pytest.raises(NoCard):
        reader.read_card()


def test_silent_reader_times_out_with_a_message(sim, reader):
    sim.inject("silence", on="find")
    with pytest.raises(ReaderError) as e:
        reader.read_card()
    assert e.value.code == "timeout" and "无应答" in e.value.message


def _worker(port, bus, handler=None, **opts):
    opts = {"poll_interval": 0.05, "reply_timeout": 1.0, "backoff_initial": 0.05, "backoff_max": 0.2, **opts}
    return IdReaderWorker(DeviceSpec("id_reader", port, name="reader", options=opts), bus, handler).start()


def test_worker_publishes_one_card_read_per_placement(sim, bus, events):
    w = _worker(sim.port, bus)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.place(CARDS["resident_rare_name"])
        ev = events.wait_for(CardRead)
        assert ev.document.name == "王𠀀䶮" and ev.device == "reader"
        events.wait_for(ReaderRearmed)  # the reader no longer finds the read card...
        assert sim.card is not None  # ...which still lies on it: rearmed, not removed
        time.sleep(0.3)  # several more polls: rearmed is said once per read, not per poll
        assert len(events.of(ReaderRearmed)) == 1
        sim.remove()
        sim.place(CARDS["foreign_old"])
        assert events.wait_for(CardRead).document.card_type == "foreign_old"
        assert len(events.of(CardRead)) == 2
    finally:
        w.stop()


def test_worker_does_not_repeat_a_card_on_readers_that_find_it_again(bus, events):
    sim = IdReaderSimulator(refind=True).start()
    w = _worker(sim.port, bus)
    try:
        sim.place(CARDS["resident"])
        events.wait_for(CardRead)
        n = sim.reads
        sim.read_done.clear()
        # Many more polls with the card lying there: it is found, but not read again.
        import time

        while sim.commands.count("find") < 20:
            time.sleep(0.02)
        assert sim.reads == n and len(events.of(CardRead)) == 1
    finally:
        w.stop()
        sim.close()


def test_worker_reports_reader_error_and_keeps_polling(sim, bus, events):
    handler = RecordingHandler()
    w = _worker(sim.port, bus, handler)
    try:
        sim.inject("status:41", on="read")
        sim.place(CARDS["resident"])
        err = events.wait_for(DeviceError)
        assert err.code == "sam_41" and "读卡失败" in err.message
        assert ("card_removed_too_early", ("reader",)) in handler.calls
        assert events.wait_for(CardRead).document == CARDS["resident"]
    finally:
        w.stop()


def test_port_vanishing_mid_read_and_coming_back(tmp_path, bus, events):
    link = str(tmp_path / "ttyIDR")
    sim = IdReaderSimulator(link=link).start()
    handler = RecordingHandler()
    w = _worker(link, bus, handler)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.inject("vanish", on="read")
        sim.place(CARDS["gat_permit"])
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.DISCONNECTED)
        assert ("device_unplugged", ("reader",)) in handler.calls
        assert not events.of(CardRead)
        sim.reappear()  # plugged in again: a new pty behind the same path
        sim.place(CARDS["gat_permit"])
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        assert events.wait_for(CardRead).document == CARDS["gat_permit"]
        assert w.connects == 2
    finally:
        w.stop()
        sim.close()


def test_worker_waits_for_a_port_that_does_not_exist_yet(tmp_path, bus, events):
    link = str(tmp_path / "later")
    w = _worker(link, bus)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.DISCONNECTED)
        sim = IdReaderSimulator(CARDS["resident"], link=link).start()
        try:
            assert events.wait_for(CardRead).document == CARDS["resident"]
        finally:
            sim.close()
    finally:
        w.stop()
    assert not w.running


def test_read_now_command(sim, bus, events):
    w = _worker(sim.port, bus, poll=False)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.place(CARDS["foreign_2023"])
        assert w.read_now().result(10) == CARDS["foreign_2023"]
        sim.remove()
        with pytest.raises(NoCard):
            w.read_now().result(10)
    finally:
        w.stop()


# A silent reader with a long reply timeout: a command that is not really cancelled would
# occupy the worker for 30 s, far beyond every .result(10) below.
SLOW = {"reply_timeout": 30.0, "poll": False}


def _wait_for_command(sim, name):
    import time

    end = time.monotonic() + 10
    while name not in sim.commands:
        assert time.monotonic() < end, f"the reader never got {name}"
        time.sleep(0.01)


def test_submit_timeout_fails_the_future_and_stops_the_command(sim, bus, events):
    w = _worker(sim.port, bus, **SLOW)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.inject("silence", on="find")
        with pytest.raises(TimeoutError, match="超时"):
            w.read_now(timeout=0.3).result(10)
        sim.place(CARDS["resident"])
        assert w.read_now(timeout=10).result(10) == CARDS["resident"]  # the worker is free again
    finally:
        w.stop()


def test_cancel_current_aborts_the_running_read(sim, bus, events):
    w = _worker(sim.port, bus, **SLOW)
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.inject("silence", on="find")
        fut = w.read_now(timeout=60)
        _wait_for_command(sim, "find")
        w.cancel_current()
        with pytest.raises(ReaderError) as e:
            fut.result(10)
        assert e.value.code == "cancelled" and "取消" in e.value.message
        sim.place(CARDS["gat_permit"])
        assert w.read_now(timeout=10).result(10) == CARDS["gat_permit"]
    finally:
        w.stop()


def test_stop_cancels_the_running_read(sim, bus, events):
    w = _worker(sim.port, bus, **SLOW)
    events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
    sim.inject("silence", on="find")
    fut = w.read_now(timeout=60)
    _wait_for_command(sim, "find")
    w.stop(timeout=10)
    assert not w.running
    with pytest.raises(ReaderError) as e:
        fut.result(0)
    assert e.value.code == "cancelled"


# -- a dead, silent or garbling reader -------------------------------------------------------------
def test_one_silent_poll_is_a_glitch_not_an_error(sim, bus, events):
    sim.inject("silence", on="find")
    w = _worker(sim.port, bus, reply_timeout=0.2)
    try:
        sim.place(CARDS["resident"])
        assert events.wait_for(CardRead).document == CARDS["resident"]
        assert not events.of(DeviceError)
        assert not [e for e in events.of(DeviceStatusChanged) if e.state == DeviceState.ERROR]
    finally:
        w.stop()


@pytest.mark.parametrize("fault,code,says", [("silence", "no_reply", "无应答"), ("checksum", "garbled", "数据连续出错")])
def test_reader_failing_twice_goes_to_error_once_and_recovers(sim, bus, events, fault, code, says):
    for _ in range(4):  # four failed polls in a row, then the reader answers again
        sim.inject(fault, on="find")
    w = _worker(sim.port, bus, reply_timeout=0.2)
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        assert says in down.detail and "波特率" in down.detail
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        errors = events.of(DeviceError)
        assert [e.code for e in errors] == [code]  # said once, not at every poll
        assert says in errors[0].message
        sim.place(CARDS["foreign_old"])
        assert events.wait_for(CardRead).document == CARDS["foreign_old"]
        assert len(events.of(DeviceError)) == 1
    finally:
        w.stop()


def test_a_pty_that_never_answers_is_an_error_not_ready(bus, events):
    import os
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    w = _worker(os.ttyname(slave), bus, reply_timeout=0.1)
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        assert down.detail == "阅读器无应答，请检查连接线、电源和波特率"
        # Let it poll a few more times: each find command is one 10-byte frame on the line.
        seen = b""
        while seen.count(bytes.fromhex("AAAAAA9669000320 01 22".replace(" ", ""))) < 5:
            seen += os.read(master, 100)
        assert [e.code for e in events.of(DeviceError)] == ["no_reply"]
        assert w.state == DeviceState.ERROR
    finally:
        w.stop()
        os.close(master)
        os.close(slave)
