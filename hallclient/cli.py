"""The `hallclient` command: the composition root.

This is the single module of the core allowed to import ui/, printing/, devices/ and sync/
(see the import-linter contracts in pyproject.toml): it parses the command line and hands each
subcommand to the package that implements it. Each package's `cli.register(subparsers)` adds
its commands; those modules import nothing heavy at top level so `hallclient validate` starts
fast. A handler takes the parsed args and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys

from hallclient import __version__
from hallclient.paths import default_data_dir


def build_parser() -> argparse.ArgumentParser:
    from devices import cli as devices_cli
    from hallclient import cli_core, cli_ops, cli_security
    from hallclient.fees import cli as fees_cli
    from hallclient.intake import cli as intake_cli
    from printing import cli as printing_cli
    from printing import report_cli
    from sync import cli as sync_cli
    from sync.hallqueue import cli as queue_cli
    from ui import cli as ui_cli

    parser = argparse.ArgumentParser(prog="hallclient", description="政务服务大厅窗口客户端")
    parser.add_argument("--version", action="version", version=f"hallclient {__version__}")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="数据目录（默认：$HALLCLIENT_DATA_DIR 或系统的用户数据目录）",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (ui_cli, cli_core, cli_security, printing_cli, sync_cli, intake_cli, queue_cli, report_cli, fees_cli):
        module.register(sub)
    devices_cli.register(sub, make_test_ticket=_test_ticket)
    cli_ops.register(sub, devices_status=_devices_status)
    return parser


def _test_ticket() -> bytes:
    """The test ticket of `hallclient devices print-test`: laid out by printing/, sent by
    devices/ (which must not import printing/, hence the wiring here)."""
    from printing.ticket import test_ticket_bytes

    return test_ticket_bytes()


def _devices_status(dd) -> list[dict]:
    """The configured devices and whether their ports answer, for the support bundle."""
    from devices.check import probe_port
    from devices.manager import load_specs
    from hallclient.context import open_context

    with open_context(dd.root, exclusive=False) as ctx:
        specs = load_specs(ctx.store)
    return [{"kind": s.kind, "driver": s.driver, "port": s.port, "baud": s.baud, "enabled": s.enabled,
             "status": probe_port(s)[1] if s.enabled else "未启用"} for s in specs]


def main(argv: list[str] | None = None) -> int:
    # The console may not be UTF-8 (Windows, some kiosks); the JSON we print is.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):  # no command: start the window client
        args = parser.parse_args([*argv, "app"])
    if args.data_dir is None:
        # The demo keeps its data (and its published demo passwords) in a directory of its
        # own, so trying the demo never seeds the installation's real store.
        args.data_dir = str(default_data_dir() / "demo" if args.command == "demo" else default_data_dir())
    from hallclient.errors import HallError

    try:
        return int(args.func(args) or 0)
    except HallError as e:
        print(e.message, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
