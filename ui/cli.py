"""Commands that open windows: the window client (`app`, `demo`)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="启动窗口客户端")
    p.set_defaults(func=cmd_app, demo=False)
    p = sub.add_parser("demo", help="用演示数据和模拟设备启动窗口客户端")
    p.set_defaults(func=cmd_app, demo=True)
    p = sub.add_parser("display", help="大厅叫号大屏（全屏）")
    p.add_argument("--url", default="", help="叫号服务地址（默认取设置 queue.service_url）")
    p.add_argument("--windowed", action="store_true", help="不全屏（调试用）")
    p.add_argument("--no-voice", action="store_true", help="不语音播报")
    p.set_defaults(func=cmd_display)
    p = sub.add_parser("kiosk", help="自助取号机")
    p.add_argument("--url", default="", help="叫号服务地址（默认取设置 queue.service_url）")
    p.add_argument("--windowed", action="store_true", help="不全屏（调试用）")
    p.set_defaults(func=cmd_kiosk)
    p = sub.add_parser("selftest", help="自检：数据库迁移、文书、设备模拟器、主窗口、中心服务器（输出 JSON）")
    p.set_defaults(func=cmd_selftest)
    # Not for people: the window client starts it to print off its own process (ui.print_spooler).
    p = sub.add_parser("print-spooler")
    p.set_defaults(func=cmd_print_spooler)


def cmd_print_spooler(args) -> int:
    from ui.print_spooler import serve

    return serve()


def cmd_selftest(args) -> int:
    import json

    from ui.selftest import run_selftest

    result = run_selftest(args.data_dir)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["ok"] else 1


def cmd_app(args) -> int:
    from ui.launcher import run_client

    return run_client(args.data_dir, demo=args.demo)


def _queue_settings(args) -> tuple[str, str, int, str]:
    """URL, hall name, voice repeat and the token (setting 叫号服务凭据, else the environment
    variable HALLCLIENT_QUEUE_TOKEN; never a command-line argument, which `ps` would show)."""
    import os

    from hallclient import settings
    from hallclient.context import open_context

    with open_context(args.data_dir, exclusive=False) as ctx:
        with ctx.store.read() as s:
            url = args.url or settings.get(s, settings.QUEUE_SERVICE_URL)
            token = settings.get(s, settings.QUEUE_TOKEN) or os.environ.get("HALLCLIENT_QUEUE_TOKEN", "")
            return url, settings.get(s, settings.HALL_NAME), settings.get(s, settings.VOICE_REPEAT), token


def _hall_windows(args) -> list[tuple[str, str]]:
    """The hall's windows from the local store: the display shows them before (or without)
    the queue service."""
    from sqlalchemy import select

    from hallclient.context import open_context
    from hallclient.models import Window

    with open_context(args.data_dir, exclusive=False) as ctx:
        with ctx.store.read() as s:
            return [(w.code, w.name) for w in s.scalars(select(Window).where(Window.active.is_(True)))]


def cmd_display(args) -> int:
    from ui.app import ensure_app
    from ui.queue.display import HallDisplay

    url, hall, repeat, token = _queue_settings(args)
    if not url:
        print("未配置叫号服务地址：用 --url 指定，或在设置中填写“叫号服务地址”", file=__import__("sys").stderr)
        return 2
    app = ensure_app()
    w = HallDisplay(url, hall, voice_repeat=repeat, enable_speech=not args.no_voice,
                    known_windows=_hall_windows(args), token=token)
    w.show() if args.windowed else w.showFullScreen()
    return app.exec()


def cmd_kiosk(args) -> int:
    """The kiosk: its own ID card reader (green channel) and ticket printer, configured in the
    device settings of this machine's data directory."""
    from devices.manager import load_specs
    from hallclient import settings
    from hallclient.context import open_context
    from ui.app import ensure_app
    from ui.devices import DeviceHub
    from ui.queue.kiosk import KioskWindow

    url, hall, _, token = _queue_settings(args)
    if not url:
        print("未配置叫号服务地址：用 --url 指定，或在设置中填写“叫号服务地址”", file=__import__("sys").stderr)
        return 2
    with open_context(args.data_dir, exclusive=False) as ctx:
        specs = [s for s in load_specs(ctx.store) if s.kind in ("id_reader", "ticket_printer")]
        with ctx.store.read() as s:
            progress_url = settings.get(s, settings.PROGRESS_URL)
    app = ensure_app()
    hub = DeviceHub(None, lambda: specs)
    hub.start()
    app.aboutToQuit.connect(hub.stop)
    w = KioskWindow(url, hall, hub=hub, progress_url=progress_url, token=token)
    w.show() if args.windowed else w.showFullScreen()
    return app.exec()
