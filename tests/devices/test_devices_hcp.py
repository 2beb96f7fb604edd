"""HCP/1 (our LED strip and rating pad protocol), the plug-in registry, serial scanners."""

from __future__ import annotations

import time

import pytest

from devices import hcp
from devices.events import DeviceState, DeviceStatusChanged, RatingGiven, Scanned
from devices.led import HcpLedDriver, LedDriver, LedWorker
from devices.rating import LEVELS, REASONS, RatingPadWorker
from devices.registry import driver_class, drivers, register_driver
from devices.scanner import ScannerWorker
from devices.simulators import create
from devices.worker import DeviceSpec

FAST = {"backoff_initial": 0.05, "backoff_max": 0.2}


def test_frame_layout_and_checksum():
    assert hcp.encode(hcp.CLEAR) == bytes([0x02, 0x01, 0x43, 0x00, 0x01 ^ 0x43, 0x03])
    frames = hcp.HcpDecoder().feed(b"\xff\x02\x01\x43\x00\x00\x03" + hcp.encode(hcp.PING, b"x"))
    assert frames == [hcp.HcpFrame(1, hcp.PING, b"x")]  # bad-checksum frame skipped


def test_rating_data_round_trip_and_validation():
    assert hcp.parse_rating(hcp.rating_data(1, ("02", "99"), "A001", seq=7)) == (7, 1, ("02", "99"), "A001")
    assert hcp.rating_data(5, (), "A", seq=3) == b"\x03\x05\x00A"  # seq, level, n, token
    for bad in (bytes([1, 7, 0]), bytes([0, 5, 0]), bytes([1, 2, 1, 0x30])):
        with pytest.raises(hcp.HcpError):
            hcp.parse_rating(bad)
    assert hcp.next_seq(255) == 1 and hcp.next_seq(1) == 2
    assert sorted(LEVELS) == [1, 2, 3, 4, 5] and "01" in REASONS


def test_led_worker_shows_text_and_reshows_after_replug(tmp_path, bus, events):
    link = str(tmp_path / "led")
    sim = create("led", link=link)
    w = LedWorker(DeviceSpec("led", link, 9600, name="led", options={**FAST, "ping_interval": 0.05}), bus).start()
    try:
        w.show("请 A001 号到 3 号窗口 𠀀", scroll=True).result(5)
        assert sim.shown == "请 A001 号到 3 号窗口 𠀀" and sim.scroll
        w.clear().result(5)
        assert sim.shown == ""
        w.show("暂停服务").result(5)
        sim.vanish()
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.DISCONNECTED)
        sim.reappear()
        sim.changed.clear()
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        assert sim.changed.wait(5) and sim.shown == "暂停服务"
    finally:
        w.stop()
        sim.close()


def test_led_nak_becomes_a_clerk_message():
    sim = create("led")
    from devices.transport import open_transport

    t = open_transport(sim.port)
    try:
        d = HcpLedDriver(t, {})
        assert d.hello().startswith("HCP-LED-SIM")
        with pytest.raises(hcp.HcpError, match="参数错误"):
            d.hcp.call(hcp.BRIGHTNESS, bytes([99]))
    finally:
        t.close()
        sim.close()


def test_rating_pad_request_and_bad_rating_with_reasons(bus, events):
    sim = create("rating_pad")
    w = RatingPadWorker(DeviceSpec("rating_pad", sim.port, 9600, name="pad", options=FAST), bus).start()
    try:
        w.request("A001").result(5)
        assert sim.requested.wait(5) and sim.token == "A001"
        sim.press(1, ("02", "05"))
        ev = events.wait_for(RatingGiven)
        assert (ev.level, ev.reasons, ev.token) == (1, ("02", "05"), "A001")
        assert sim.acked.wait(5)
        sim.press(5, token="A002")
        assert events.wait_for(RatingGiven, lambda e: e.token == "A002").level == 5
    finally:
        w.stop()
        sim.close()


def test_serial_scanner(bus, events):
    sim = create("scanner")
    w = ScannerWorker(DeviceSpec("scanner", sim.port, 9600, name="sc"), bus).start()
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        sim.scan("SZ2024-000123")
        sim.scan("受理号0001", suffix=b"\r")
        assert events.wait_for(Scanned).text == "SZ2024-000123"
        assert events.wait_for(Scanned).text == "受理号0001"
    finally:
        w.stop()
        sim.close()


def test_vendor_plugin_is_used_by_name(bus, events):
    shown = []

    @register_driver("led", "test_vendor")
    class VendorLed(LedDriver):
        def hello(self):
            return "vendor"

        def show(self, text, scroll=False):
            self.t.write(b"V" + text.encode("gb18030") + b"\r")
            shown.append(text)

        def clear(self):
            pass

    assert "test_vendor" in drivers("led") and driver_class("led", "test_vendor") is VendorLed
    sim = create("led")
    w = LedWorker(DeviceSpec("led", sim.port, 9600, driver="test_vendor", name="v"), bus).start()
    try:
        w.show("你好").result(5)
        assert shown == ["你好"]
    finally:
        w.stop()
        sim.close()
    with pytest.raises(LookupError, match="没有"):
        driver_class("led", "missing")


def test_decoder_resyncs_past_a_stray_stx():
    ack = hcp.encode(hcp.ACK, bytes([hcp.SHOW]))
    d = hcp.HcpDecoder()
    # The stray STX makes the decoder read LEN from the ACK's CMD byte (06): it would wait for
    # 12 bytes that never come.
    assert d.feed(b"\x02" + ack) == [hcp.HcpFrame(1, hcp.ACK, bytes([hcp.SHOW]))]
    assert d.errors == 1 and d.buf == b""
    # A frame that is merely still arriving is waited for, not skipped.
    assert d.feed(ack[:3]) == [] and d.feed(ack[3:]) == [hcp.HcpFrame(1, hcp.ACK, bytes([hcp.SHOW]))]


def test_reply_behind_a_stray_stx_is_read_over_a_pty():
    from devices.transport import open_transport

    sim = create("led")
    t = open_transport(sim.port, 9600)
    try:
        d = HcpLedDriver(t, {})
        sim.stray_stx = 3
        d.show("请 A001 号到 3 号窗口")  # raised "设备无应答" before the resync
        d.clear()
        assert d.hello().startswith("HCP-LED-SIM")
        assert sim.stray_stx == 0 and sim.shown == ""
    finally:
        t.close()
        sim.close()


@pytest.fixture
def resending_pad(bus, events):
    """A rating pad simulator that resends every 0.5 s until acknowledged (slow enough that a
    late ACK on a loaded machine does not look like a lost one), and its worker, READY."""
    from devices.simulators.rating import RatingPadSimulator

    sim = RatingPadSimulator(resend_interval=0.5).start()
    w = RatingPadWorker(DeviceSpec("rating_pad", sim.port, 9600, name="pad", options=FAST), bus).start()
    try:
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        yield sim, w
    finally:
        w.stop()
        sim.close()


def test_a_rating_resent_after_a_lost_ack_is_counted_once(resending_pad, events):
    sim, w = resending_pad
    sim.lose_acks = 2  # the host's ACK is lost twice: the pad sends the rating 3 times
    sim.press(2, ("01",), token="A007")
    assert sim.acked.wait(10) and sim.resends >= 2
    sim.press(2, ("01",), token="A007")  # the same person rates again: a new number, counted
    assert sim.acked.wait(10)
    time.sleep(0.6)  # resends still in flight would show up as extra events
    got = events.of(RatingGiven)
    assert [(e.level, e.reasons, e.token) for e in got] == [(2, ("01",), "A007")] * 2
    assert w.driver.duplicates == sim.resends  # every resend seen, none counted


def test_two_unacknowledged_ratings_resent_in_turn_are_each_counted_once(resending_pad, events):
    sim, _ = resending_pad
    sim.lose_acks = 4  # both ratings go unacknowledged for a while: their resends alternate
    sim.press(5, token="A001")
    sim.press(1, ("02",), token="A002")
    assert sim.acked.wait(15) and sim.resends >= 2
    time.sleep(0.6)
    got = sorted((e.level, e.reasons, e.token) for e in events.of(RatingGiven))
    assert got == [(1, ("02",), "A002"), (5, (), "A001")]
