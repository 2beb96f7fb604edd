"""The `hallclient devices ...` commands, run as real subprocesses against the simulators."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from devices.simulators.idreader import IdReaderSimulator, sample_cards

ROOT = Path(__file__).resolve().parents[2]


def test_read_id_prints_the_issue_json(cli, data_dir):
    sim = IdReaderSimulator(sample_cards()["resident_rare_name"]).start()
    try:
        r = cli("devices", "read-id", "--port", sim.port, "--timeout", "5", data_dir=data_dir)
    finally:
        sim.close()
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["card_type"] == "resident" and d["name"] == "王𠀀䶮" and d["valid_to"] == "长期"
    assert d["gender"] == "女" and d["nation"] == "基诺" and d["birth_date"] == "1960-11-02"
    assert set(d) - {"extra"} == {"card_type", "name", "name_en", "gender", "gender_code", "nation", "nation_code",
                                  "birth_date", "address", "id_number", "authority", "valid_from", "valid_to",
                                  "photo_wlt_base64"}
    import base64

    assert len(base64.b64decode(d["photo_wlt_base64"])) == 1024


def test_read_id_foreign_card_has_english_name(cli, data_dir):
    sim = IdReaderSimulator(sample_cards()["foreign_2023"]).start()
    try:
        r = cli("devices", "read-id", "--port", sim.port, data_dir=data_dir)
    finally:
        sim.close()
    d = json.loads(r.stdout)
    assert d["card_type"] == "foreign_2023" and d["name_en"].startswith("GARCIA")


def test_read_id_without_card_exits_nonzero_with_message(cli, data_dir):
    sim = IdReaderSimulator().start()
    try:
        r = cli("devices", "read-id", "--port", sim.port, "--timeout", "0.5", data_dir=data_dir)
    finally:
        sim.close()
    assert r.returncode == 1 and "未读到身份证" in r.stderr and r.stdout == ""


def test_read_id_reader_error_exits_nonzero(cli, data_dir):
    sim = IdReaderSimulator(sample_cards()["resident"]).start()
    sim.inject("status:41", on="read")
    try:
        r = cli("devices", "read-id", "--port", sim.port, data_dir=data_dir)
    finally:
        sim.close()
    assert r.returncode == 2 and "读卡失败" in r.stderr


def test_read_id_missing_port(cli, data_dir, tmp_path):
    r = cli("devices", "read-id", "--port", str(tmp_path / "ttyNONE"), data_dir=data_dir)
    assert r.returncode == 3 and "无法打开端口" in r.stderr


def test_print_test_sends_the_injected_ticket(tmp_path):
    from devices import cli as devices_cli
    from devices.simulators.printer import PrinterSimulator
    import argparse

    sim = PrinterSimulator().start()
    try:
        args = argparse.Namespace(port=sim.port, baud=9600, make_test_ticket=lambda: b"\x1b@\x1c&" + "测试".encode("gb18030") + b"\n\x1dVA\x00")
        assert devices_cli.cmd_print_test(args) == 0
        assert sim.cut_event.wait(5)
        assert sim.text().splitlines()[0] == "测试"
        sim.paper_out = True
        assert devices_cli.cmd_print_test(args) == 2
    finally:
        sim.close()


def test_simulate_prints_port_and_serves_until_terminated(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    link = tmp_path / "idr"
    p = subprocess.Popen([sys.executable, "-m", "hallclient", "--data-dir", str(tmp_path / "d"), "devices", "simulate",
                          "id_reader", "--card", "gat_permit", "--link", str(link)],
                         stdout=subprocess.PIPE, text=True, env=env)
    try:
        port = p.stdout.readline().strip()
        assert port == str(link)
        from devices.reader import SamReader
        from devices.transport import open_transport

        t = open_transport(port)
        try:
            assert SamReader(t).read_card().pass_number == "H60123456"
        finally:
            t.close()
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(10) == 0
    assert not link.exists()


def test_devices_list_shows_configured_devices(cli, ctx, data_dir):
    from hallclient.models import DeviceConfig

    with ctx.store.session() as s:
        s.add(DeviceConfig(kind="ticket_printer", port="/dev/does-not-exist", baud=9600, options={}))
    ctx.close()
    r = cli("devices", "list", "--json", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["devices"][0]["kind_label"] == "小票打印机" and d["devices"][0]["status"].startswith("无法打开")


def test_devices_list_status_is_chinese_and_knows_wedge_and_files(cli, ctx, data_dir, tmp_path):
    from hallclient.models import DeviceConfig

    sink = tmp_path / "tickets.bin"
    with ctx.store.session() as s:
        s.add(DeviceConfig(kind="ticket_printer", port="/dev/does-not-exist", baud=9600, options={}))
        s.add(DeviceConfig(kind="scanner", port="keyboard", baud=0, options={}))
        s.add(DeviceConfig(kind="ticket_printer", port=f"file:{sink}", baud=9600, options={}))
        s.add(DeviceConfig(kind="ticket_printer", port=f"file:{tmp_path / 'no' / 'dir.bin'}", baud=9600, options={}))
    ctx.close()
    r = cli("devices", "list", "--json", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    status = [d["status"] for d in json.loads(r.stdout)["devices"]]
    assert status == ["无法打开：端口不存在", "键盘式扫码枪（无需端口）", "可写入（文件将在首次打印时创建）",
                      "无法写入：所在目录不存在"]
    assert not sink.exists()  # listing must not create the printer's file
    r = cli("devices", "list", data_dir=data_dir)
    assert "could not" not in r.stdout and "No such file" not in r.stdout


def test_check_device_on_wedge_scanner_and_missing_port(tmp_path):
    from devices.check import check_device
    from devices.worker import DeviceSpec

    ok, msg = check_device(DeviceSpec("scanner", "keyboard", 0))
    assert ok and "键盘式扫码枪" in msg and "输入框" in msg
    ok, msg = check_device(DeviceSpec("id_reader", str(tmp_path / "ttyNONE")))
    assert not ok and msg == f"无法打开 {tmp_path / 'ttyNONE'}：端口不存在"
    ok, msg = check_device(DeviceSpec("led", "file:" + str(tmp_path / "led.bin"), driver="acme_missing"))
    assert not ok and "没有窗口屏驱动" in msg


def test_read_id_missing_port_says_why_in_chinese(cli, data_dir, tmp_path):
    r = cli("devices", "read-id", "--port", str(tmp_path / "ttyNONE"), data_dir=data_dir)
    assert r.returncode == 3 and "端口不存在" in r.stderr and "No such file" not in r.stderr


def test_read_id_does_not_overrun_its_timeout(capsys):
    import argparse
    import time

    from devices.cli import cmd_read_id

    sim = IdReaderSimulator().start()
    for _ in range(10):
        sim.inject("silence", on="find")  # a reader that never answers: each find waits
    try:
        t0 = time.monotonic()
        rc = cmd_read_id(argparse.Namespace(port=sim.port, baud=115200, timeout=3.5, fingerprint=False))
        took = time.monotonic() - t0
    finally:
        sim.close()
    assert rc == 2 and "无应答" in capsys.readouterr().err
    assert 3.3 < took < 3.5 + 1.5  # was up to 6.3 s: a second 3 s exchange started at 3.3 s (margin: a loaded machine)
