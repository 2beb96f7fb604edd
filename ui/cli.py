"""Commands that open windows: the window client (`app`, `demo`)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help="启动窗口客户端")
    p.set_defaults(func=cmd_app, demo=False)
    p = sub.add_parser("demo", help="用演示数据和模拟设备启动窗口客户端")
    p.set_defaults(func=cmd_app, demo=True)


def cmd_app(args) -> int:
    from ui.launcher import run_client

    return run_client(args.data_dir, demo=args.demo)
