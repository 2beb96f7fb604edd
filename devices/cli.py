"""Commands of this package, registered by the composition root (hallclient.cli).

Keep top-level imports light: import what a command needs inside its handler.
"""

from __future__ import annotations

import argparse
import sys

KINDS = ("id_reader", "ticket_printer", "led", "rating_pad", "scanner")


def register(sub: argparse._SubParsersAction, make_test_ticket=None) -> None:
    """Add this package's subcommands to `sub`. `make_test_ticket() -> bytes` gives the ESC/POS
    bytes of the test ticket (laid out by printing/, injected by the composition root)."""
    p = sub.add_parser("devices", help="柜台设备：身份证阅读器、小票打印机、窗口屏、评价器、扫码枪")
    dsub = p.add_subparsers(dest="devices_command", metavar="SUBCOMMAND", required=True)

    q = dsub.add_parser("list", help="列出串口和已配置的设备及其状态")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(func=cmd_list)

    q = dsub.add_parser("read-id", help="读一张身份证，输出 JSON")
    q.add_argument("--port", required=True, help="串口，如 /dev/ttyUSB0、COM3")
    q.add_argument("--baud", type=int, default=115200)
    q.add_argument("--timeout", type=float, default=10.0, help="等待放卡的秒数（默认 10）")
    q.add_argument("--fingerprint", action="store_true", help="使用带指纹的读卡命令（30 10）")
    q.set_defaults(func=cmd_read_id)

    q = dsub.add_parser("print-test", help="在小票打印机上打印测试小票（中文、二维码、条码）")
    q.add_argument("--port", required=True, help="串口、tcp://主机:9100 或 file:路径")
    q.add_argument("--baud", type=int, default=9600)
    q.set_defaults(func=cmd_print_test, make_test_ticket=make_test_ticket)

    q = dsub.add_parser("simulate", help="运行设备模拟器（伪终端），打印端口路径，按 Ctrl+C 结束")
    q.add_argument("kind", choices=KINDS)
    q.add_argument("--card", help="身份证 JSON 文件，或示例卡名：resident、resident_rare_name、gat_permit、foreign_old、foreign_2023")
    q.add_argument("--link", help="在此路径创建指向伪终端的符号链接（固定的端口名）")
    q.add_argument("--realistic", action="store_true", help="模拟真实阅读器的找卡/选卡/读卡耗时")
    q.add_argument("--out", help="打印机模拟器：每次切纸后把小票写成 文本 和 PNG 到此目录")
    q.set_defaults(func=cmd_simulate)


def cmd_list(args) -> int:
    import json

    from serial.tools import list_ports

    from devices.check import probe_port
    from devices.manager import KIND_LABELS

    ports = [{"port": p.device, "description": p.description, "hwid": p.hwid} for p in list_ports.comports()]
    configured = []
    try:
        from hallclient.context import open_context
        from devices.manager import load_specs

        ctx = open_context(args.data_dir, exclusive=False, seed=False)
        try:
            specs = load_specs(ctx.store)
        finally:
            ctx.close()
    except Exception as e:  # noqa: BLE001 - listing ports must work without a data directory
        import logging

        logging.getLogger(__name__).warning("devices list: cannot read the configuration", exc_info=e)
        reason = getattr(e, "message", "") or type(e).__name__
        print(f"无法读取设备配置（{reason}），只列出串口", file=sys.stderr)
        specs = []
    for s in specs:
        status = probe_port(s)[1] if s.enabled else "未启用"
        configured.append({"name": s.label, "kind": s.kind, "kind_label": KIND_LABELS.get(s.kind, s.kind),
                           "driver": s.driver, "port": s.port, "baud": s.baud, "status": status})
    if args.json:
        print(json.dumps({"ports": ports, "devices": configured}, ensure_ascii=False, indent=2))
        return 0
    print("串口：")
    for p in ports:
        print(f"  {p['port']}  {p['description']}")
    if not ports:
        print("  （未发现串口）")
    print("已配置的设备：")
    for d in configured:
        print(f"  {d['kind_label']}  {d['port']}  {d['baud']}  驱动 {d['driver']}  {d['status']}")
    if not configured:
        print("  （尚未配置设备，可在客户端“设备”菜单中添加）")
    return 0


def cmd_read_id(args) -> int:
    import json
    import time

    from devices.reader import NoCard, ReaderError, SamReader
    from devices.transport import open_transport, port_error_text

    try:
        t = open_transport(args.port, args.baud)
    except OSError as e:
        print(f"无法打开端口 {args.port}：{port_error_text(e)}。请检查阅读器连接和端口名。", file=sys.stderr)
        return 3
    try:
        reader = SamReader(t, reply_timeout=min(3.0, max(args.timeout, 0.5)), fingerprint=args.fingerprint)
        deadline = time.monotonic() + args.timeout
        reader.deadline = deadline  # find + select + read together stay within --timeout
        last: ReaderError | None = None
        while True:
            try:
                doc = reader.read_card()
                print(json.dumps(doc.as_json(), ensure_ascii=False))
                return 0
            except NoCard as e:
                last = e
            except ReaderError as e:
                if e.code == "timeout" and last is not None and time.monotonic() >= deadline:
                    break  # cut short by --timeout itself: the reader's earlier answer stands
                last = e
                if e.code.startswith("sam_"):  # the reader said so: a person must act
                    print(e.message, file=sys.stderr)
                    return 2
            if time.monotonic() >= deadline:
                break
            time.sleep(max(0.0, min(0.3, deadline - time.monotonic())))
        if isinstance(last, NoCard):
            print(f"{args.timeout:g} 秒内未读到身份证，请将证件放在阅读器感应区后重试", file=sys.stderr)
            return 1
        print(last.message if last else "读卡失败", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"阅读器连接中断：{port_error_text(e)}", file=sys.stderr)
        return 3
    finally:
        t.close()


def cmd_print_test(args) -> int:
    from devices.printer import PrinterError, print_once

    if args.make_test_ticket is None:
        print("测试小票不可用（打印模块未接入）", file=sys.stderr)
        return 2
    try:
        data = args.make_test_ticket()
    except ImportError:
        print("测试小票不可用：打印模块未安装", file=sys.stderr)
        return 2
    try:
        st = print_once(args.port, args.baud, data)
    except PrinterError as e:
        print(e.message, file=sys.stderr)
        return 2
    except OSError as e:
        from devices.transport import port_error_text

        print(f"无法连接打印机 {args.port}：{port_error_text(e)}", file=sys.stderr)
        return 3
    note = "" if st.answered else "（打印机不回应状态查询）"
    print(f"已发送测试小票 {len(data)} 字节到 {args.port}{note}")
    return 0


def cmd_simulate(args) -> int:
    import signal
    import threading

    from devices.simulators import create

    kw = {}
    if args.link:
        kw["link"] = args.link
    if args.kind == "id_reader":
        from devices.simulators.idreader import IdReaderSimulator, load_card

        card = None
        if args.card:
            try:
                card = load_card(args.card)
            except (OSError, ValueError, KeyError) as e:
                print(f"无法读取身份证文件 {args.card}：{e}", file=sys.stderr)
                return 2
        cls = IdReaderSimulator.realistic if args.realistic else IdReaderSimulator
        sim = cls(card, **kw).start()
    else:
        if args.kind == "ticket_printer" and args.out:
            kw["out_dir"] = args.out
        sim = create(args.kind, **kw)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # also when started in the background
        signal.signal(sig, lambda *a: stop.set())
    print(sim.port, flush=True)
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if args.kind == "ticket_printer" and sim.captured:
            print(sim.text(), flush=True)
        sim.close()
    return 0
