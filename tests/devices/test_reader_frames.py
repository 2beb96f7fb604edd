"""Broken reply frames through a real pty: a plausible-but-wrong LEN, a dropped byte and a bad
frame followed by a good one are each told apart from a dead reader."""

from __future__ import annotations

import time

import pytest

from devices import sam
from devices.events import DeviceError, DeviceState, DeviceStatusChanged
from devices.reader import IdReaderWorker, ReaderError, SamReader
from devices.simulators.idreader import IdReaderSimulator, sample_cards
from devices.transport import open_transport
from devices.worker import DeviceSpec

CARDS = sample_cards()


@pytest.fixture
def sim():
    s = IdReaderSimulator(CARDS["resident"]).start()
    yield s
    s.close()


def _reader(sim, **kw):
    t = open_transport(sim.port, 115200)
    return SamReader(t, reply_timeout=kw.pop("reply_timeout", 0.6), **kw)


@pytest.mark.parametrize("on", ["find", "select", "read"])
def test_plausible_wrong_len_is_a_length_error_not_a_dead_reader(sim, on):
    r = _reader(sim)
    try:
        sim.inject("badlen", on=on)
        with pytest.raises(ReaderError) as e:
            r.read_card()
        # A read reply's LEN disagrees with its own length fields: refused at once. Find and
        # select replies have no length fields: the frame is left incomplete.
        assert e.value.code == "length"
        assert ("长度错误" if on == "read" else "数据不完整") in e.value.message
        assert "无应答" not in e.value.message
        assert r.read_card() == CARDS["resident"]  # resynced: the next read works
    finally:
        r.t.close()


def test_a_read_reply_of_the_wrong_variant_is_a_length_error(sim):
    # A 30 10 reply whose LEN is that of a 30 01 reply (0508) while its three length fields
    # announce 256 + 1024 + 1024 bytes: refused as soon as the fields have arrived.
    d = sam.FrameDecoder(reply_to=sam.READ_TEXT_PHOTO_FP)
    out = d.feed(bytes(sam.PREAMBLE) + b"\x05\x08\x00\x00\x90\x01\x00\x04\x00\x04\x00")
    assert out == [sam.FrameError("length", "LEN=1288, its length fields say 2314")]


def test_a_dropped_byte_is_an_incomplete_frame_not_no_reply(sim):
    r = _reader(sim)
    try:
        sim.inject("drop", on="read")
        with pytest.raises(ReaderError) as e:
            r.read_card()
        assert e.value.code == "length"
        assert "数据不完整" in e.value.message and "1294 字节" in e.value.message
        assert "无应答" not in e.value.message
    finally:
        r.t.close()


@pytest.mark.parametrize("on", ["find", "read"])
def test_a_bad_frame_followed_by_a_good_one_is_not_an_error(sim, on):
    r = _reader(sim, reply_timeout=2.0)
    try:
        sim.inject("doubled", on=on)
        t0 = time.monotonic()
        assert r.read_card() == CARDS["resident"]
        assert time.monotonic() - t0 < 1.5  # the good frame was taken, not waited past
    finally:
        r.t.close()


def test_only_noise_on_the_line_is_not_no_reply(tmp_path):
    import os
    import threading
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def wrong_baud():  # what a reader at another baud rate looks like: bytes, never a frame
        while not stop.is_set():
            try:
                if os.read(master, 100):
                    os.write(master, bytes([0x55, 0xF0, 0x0F] * 5))
            except OSError:
                return

    th = threading.Thread(target=wrong_baud, daemon=True)
    th.start()
    t = open_transport(os.ttyname(slave), 115200)
    try:
        with pytest.raises(ReaderError) as e:
            SamReader(t, reply_timeout=0.3).find()
        assert e.value.code == "noise" and "波特率" in e.value.message
    finally:
        stop.set()
        t.close()
        os.close(slave)
        os.close(master)


def test_worker_counts_a_wrong_len_as_garbled_not_no_reply(sim, bus, events):
    sim.remove()
    for _ in range(3):
        sim.inject("badlen", on="find")
    w = IdReaderWorker(DeviceSpec("id_reader", sim.port, name="reader",
                                  options={"poll_interval": 0.05, "reply_timeout": 0.2}), bus).start()
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        assert "数据连续出错" in down.detail
        assert [e.code for e in events.of(DeviceError)] == ["garbled"]
    finally:
        w.stop()
