"""DeviceWorker keeps its thread alive through set-up failures that are not port errors, and
port errors reach people in Chinese."""

from __future__ import annotations

import errno
import threading

import pytest
import serial

from devices.events import DeviceError, DeviceState, DeviceStatusChanged
from devices.handler import RecordingHandler
from devices.led import LedDriver, LedWorker
from devices.registry import register_driver
from devices.simulators import create
from devices.transport import GENERIC_PORT_ERROR, open_transport, port_error_text
from devices.worker import DeviceSpec

FAST = {"backoff_initial": 0.05, "backoff_max": 0.2}


def test_unknown_driver_is_an_error_with_a_clear_message_and_no_retries(bus, events):
    sim = create("led")
    w = LedWorker(DeviceSpec("led", sim.port, 9600, driver="acme_missing", name="led", options=FAST), bus).start()
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        assert "没有窗口屏驱动“acme_missing”" in down.detail and "设备设置" in down.detail
        err = events.wait_for(DeviceError)
        assert err.code == "driver_unknown" and err.message == down.detail
        w._thread.join(10)
        assert not w.running and w.connects == 1  # gave up: retrying cannot fix a name
        assert w.state == DeviceState.ERROR
        with pytest.raises(ConnectionError, match="acme_missing"):
            w.show("x").result(0)  # refused at once, not after a timeout
    finally:
        w.stop()
        sim.close()


def test_a_plugin_failing_at_set_up_is_retried_and_said_once(bus, events):
    calls = []

    @register_driver("led", "test_flaky_boot")
    class FlakyBoot(LedDriver):
        def hello(self):
            calls.append(1)
            if len(calls) <= 3:
                raise RuntimeError("firmware not ready")  # a plug-in bug, not an OSError
            return "flaky"

        def show(self, text, scroll=False):
            pass

        def clear(self):
            pass

    sim = create("led")
    w = LedWorker(DeviceSpec("led", sim.port, 9600, driver="test_flaky_boot", name="led", options=FAST), bus).start()
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        assert "初始化失败" in down.detail and "RuntimeError" in down.detail and "重试" in down.detail
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
        assert w.running and w.connects == 4
        assert [e.code for e in events.of(DeviceError)] == ["connect"]  # not one per retry
        w.show("你好").result(5)
    finally:
        w.stop()
        sim.close()


def test_led_busy_at_reshow_after_replug_keeps_the_worker_and_shows_later(tmp_path, bus, events):
    link = str(tmp_path / "led")
    sim = create("led", link=link)
    w = LedWorker(DeviceSpec("led", link, 9600, name="led", options={**FAST, "ping_interval": 0.05}), bus).start()
    try:
        w.show("请 A001 号到 3 号窗口").result(5)
        sim.vanish()
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.DISCONNECTED)
        sim.shown = ""  # the power cut wiped the strip
        sim.busy_shows = 1  # and it is still booting when the worker re-shows
        sim.reappear()
        err = events.wait_for(DeviceError, lambda e: e.code == "reshow")
        assert "设备忙" in err.message and "重试" in err.message
        # The next ping shows it again: the worker thread survived the refusal.
        while sim.shown != "请 A001 号到 3 号窗口":
            assert sim.changed.wait(10)
            sim.changed.clear()
        assert w.running and w.state == DeviceState.READY
    finally:
        w.stop()
        sim.close()


# -- port errors in Chinese ------------------------------------------------------------------------
def _open_error(port: str) -> OSError:
    with pytest.raises(OSError) as e:
        open_transport(port).close()
    return e.value


def test_missing_port_says_it_does_not_exist(tmp_path):
    assert port_error_text(_open_error(str(tmp_path / "ttyNONE"))) == "端口不存在"


def test_port_without_permission_says_dialout(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root may open any file")
    p = tmp_path / "ttyLOCKED"
    p.write_bytes(b"")
    p.chmod(0)
    assert "dialout" in port_error_text(_open_error(str(p)))


def test_a_file_that_is_not_a_serial_port(tmp_path):
    p = tmp_path / "plain.txt"
    p.write_text("x")
    assert port_error_text(_open_error(str(p))) == "该路径不是串口设备"


@pytest.mark.parametrize("code,says", [(errno.EBUSY, "占用"), (errno.EACCES, "dialout"), (errno.ENOENT, "不存在")])
def test_errno_mapping_through_pyserial_exceptions(code, says):
    # pyserial re-raises an OSError as SerialException(errno, English text).
    assert says in port_error_text(serial.SerialException(code, "could not open port /dev/ttyUSB0: [Errno]"))


def test_unknown_errors_are_said_generically_in_chinese():
    exc = serial.SerialException("device reports readiness to read but returned no data")
    assert port_error_text(exc) == GENERIC_PORT_ERROR


def test_worker_status_detail_is_chinese(tmp_path, bus, events):
    handler = RecordingHandler()
    w = LedWorker(DeviceSpec("led", str(tmp_path / "ttyGONE"), 9600, name="led", options=FAST), bus, handler).start()
    try:
        down = events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.DISCONNECTED)
        assert down.detail == f"无法打开 {tmp_path / 'ttyGONE'}：端口不存在"
        assert handler.calls.count(("device_unplugged", ("led",))) == 1
    finally:
        w.stop()


def test_tcp_refused_is_chinese():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    assert "连接被拒绝" in port_error_text(_open_error(f"tcp://127.0.0.1:{port}"))


def test_threading_timer_of_submit_does_not_outlive_the_command(bus):
    sim = create("led")
    w = LedWorker(DeviceSpec("led", sim.port, 9600, name="led", options=FAST), bus).start()
    try:
        before = threading.active_count()
        for _ in range(5):
            w.show("x", timeout=600).result(5)
        # Cancelled timers end; none waits out its 600 s.
        for t in threading.enumerate():
            if isinstance(t, threading.Timer):
                t.join(5)
                assert not t.is_alive()
        assert threading.active_count() <= before
    finally:
        w.stop()
        sim.close()
