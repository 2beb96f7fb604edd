"""Ticket printer transport: serial (pty simulator), TCP 9100, file; DLE EOT status."""

from __future__ import annotations

import socket
import threading

import pytest

from devices.events import DeviceError, DeviceState, DeviceStatusChanged, PrinterStatus
from devices.handler import RecordingHandler
from devices.printer import PrinterError, PrinterWorker, print_once
from devices.simulators.escpos_render import render_text
from devices.simulators.printer import PrinterSimulator
from devices.worker import DeviceSpec

QR = "https://zwfw.example.gov.cn/q/A001".encode()
# A Chinese ticket as printing/ lays it out: init, Chinese mode, centred double-size title,
# GB18030 text with ￥, CODE128, QR (model, size, store, print), raster, feed, cut.
TICKET = (
    b"\x1b@\x1c&"
    + b"\x1ba\x01\x1d!\x11" + "示例市政务服务中心".encode("gb18030") + b"\n"
    + b"\x1d!\x00\x1ba\x00" + "排队号：A001  费用：￥12.00".encode("gb18030") + b"\n"
    + b"\x1dh\x50\x1dw\x02\x1dk\x49\x0e{BA001-2024-01"
    + b"\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06" + b"\x1d(k" + bytes([len(QR) + 3, 0]) + b"1P0" + QR
    + b"\x1d(k\x03\x001Q0"
    + b"\x1dv0\x00\x02\x00\x02\x00\xff\x00\x10\x04"  # raster rows that happen to contain DLE EOT
    + b"\x1bd\x03\x1dVB\x00"
)


@pytest.fixture
def sim():
    s = PrinterSimulator().start()
    yield s
    s.close()


def test_ticket_bytes_arrive_byte_exact_and_decode(sim):
    st = print_once(sim.port, 9600, TICKET)
    assert st.answered and st.online
    assert sim.cut_event.wait(5)
    assert bytes(sim.captured) == TICKET  # status queries are answered, not captured
    assert sim.text().splitlines() == [
        "示例市政务服务中心",
        "排队号：A001  费用：￥12.00",
        "[CODE128 A001-2024-01]",
        "[QR https://zwfw.example.gov.cn/q/A001]",
        "[图像 16×2]",
        "", "", "",
        "--------8<--------",
    ]


def test_simulator_renders_a_png(sim, tmp_path):
    print_once(sim.port, 9600, TICKET)
    assert sim.cut_event.wait(5)
    sim.save(str(tmp_path / "t"))
    from PIL import Image

    img = Image.open(tmp_path / "t.png")
    assert img.width == 576 and img.height > 200
    assert img.convert("L").getextrema()[0] == 0  # something black was drawn


@pytest.mark.parametrize("flag,message,code", [("paper_out", "缺纸", "paper_out"), ("cover_open", "上盖", "cover_open")])
def test_paper_out_and_cover_open_refuse_to_print(sim, flag, message, code):
    setattr(sim, flag, True)
    with pytest.raises(PrinterError) as e:
        print_once(sim.port, 9600, TICKET)
    assert message in e.value.message and e.value.code == code
    assert bytes(sim.captured) == b""


def test_worker_reports_paper_out_through_handler_and_events(sim, bus, events):
    handler = RecordingHandler()
    w = PrinterWorker(DeviceSpec("ticket_printer", sim.port, 9600, name="p", options={"status_interval": 0.05}), bus, handler).start()
    try:
        events.wait_for(PrinterStatus, lambda e: e.online)
        assert w.print_bytes(TICKET).result(10).online
        sim.paper_out = True
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.ERROR)
        events.wait_for(DeviceError, lambda e: e.code == "paper_out")
        assert ("printer_paper_out", ("p",)) in handler.calls
        with pytest.raises(PrinterError):
            w.print_bytes(TICKET).result(10)
        sim.paper_out = False
        events.wait_for(DeviceStatusChanged, lambda e: e.state == DeviceState.READY)
    finally:
        w.stop()


def test_tcp_9100_transport():
    got = bytearray()
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    done = threading.Event()

    def serve():
        conn, _ = srv.accept()
        with conn:
            while chunk := conn.recv(4096):
                got.extend(chunk)
        done.set()

    threading.Thread(target=serve, daemon=True).start()
    st = print_once(f"tcp://127.0.0.1:{port}", 0, TICKET)
    assert done.wait(5)
    srv.close()
    assert not st.answered  # this "printer" never answers DLE EOT
    assert bytes(got).endswith(TICKET)
    assert "示例市政务服务中心" in render_text(bytes(got))


def test_file_transport(tmp_path):
    out = tmp_path / "ticket.bin"
    st = print_once(f"file:{out}", 0, TICKET)
    assert not st.answered and out.read_bytes() == TICKET


def test_unreachable_printer_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        print_once(str(tmp_path / "nope"), 9600, TICKET)


def test_printing_test_ticket_end_to_end_when_printing_is_merged(sim):
    ticket = pytest.importorskip("printing.ticket")
    data = ticket.test_ticket_bytes()
    print_once(sim.port, 9600, data)
    assert sim.cut_event.wait(5)
    assert bytes(sim.captured) == data
    text = sim.text()
    assert "[QR " in text and "[CODE128 " in text


@pytest.mark.parametrize("junk", [b"\x7f", b"\x00", b"\xff\x93", TICKET[:5]])
def test_bytes_that_are_no_status_are_not_taken_for_one(sim, junk):
    sim.answers_status = False
    sim.junk_status = junk  # 7F would read as paper end + cover open if taken for a status
    st = print_once(sim.port, 9600, TICKET)
    assert not st.answered and st.online and not st.paper_out and not st.cover_open
    assert sim.cut_event.wait(5) and bytes(sim.captured) == TICKET


def test_a_valid_status_behind_noise_is_used(sim):
    from devices.printer import is_status_byte, query_status
    from devices.transport import open_transport

    assert is_status_byte(0x12) and is_status_byte(0x12 | 0x04 | 0x20 | 0x60) and not is_status_byte(0x13)
    sim.paper_out = True
    sim.junk_status = b"\x7f\x00"
    t = open_transport(sim.port, 9600)
    try:
        st = query_status(t)
    finally:
        t.close()
    assert st.answered and st.paper_out


def test_a_printer_that_never_answers_status_is_not_asked_before_every_ticket(bus, events):
    import time

    sim = PrinterSimulator(answers_status=False).start()
    w = PrinterWorker(DeviceSpec("ticket_printer", sim.port, 9600, name="p", options={"status_interval": 3600}), bus).start()
    try:
        events.wait_for(PrinterStatus)  # the connect-time check: silent (1)
        w.print_bytes(TICKET).result(10)  # silent again (2): remembered
        asked = sim.status_queries
        t0 = time.monotonic()
        for _ in range(3):
            assert not w.print_bytes(TICKET).result(10).answered
        assert time.monotonic() - t0 < 0.5 * 3  # no 0.5 s status timeout per ticket
        assert sim.status_queries == asked and w.status_silent
        sim.answers_status = True
        sim.paper_out = True
        w.status().result(10)  # the periodic check still asks, and notices it answers now
        assert not w.status_silent
        with pytest.raises(PrinterError):
            w.print_bytes(TICKET).result(10)
    finally:
        w.stop()
        sim.close()
