"""`hallclient report day --date D [--to D2] --out DIR --user NAME`: the daily report files.

The report holds the whole hall's day, so the command asks for a supervisor's (or an
administrator's) password, like the page does by its login (read from the terminal, or from
standard input when piped).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="大厅日报（值班长）")
    rs = p.add_subparsers(dest="report_command", metavar="SUBCOMMAND", required=True)
    d = rs.add_parser("day", help="生成某日（或某段日期）的日报：PDF、XLSX 和办件 CSV")
    d.add_argument("--date", required=True, help="日期 YYYY-MM-DD（大厅当地日期）")
    d.add_argument("--to", default=None, help="结束日期 YYYY-MM-DD（可选，最多 31 天）")
    d.add_argument("--out", required=True, help="输出目录（不存在则创建）")
    d.add_argument("--user", required=True, help="值班长或管理员的用户名（随后输入密码）")
    d.set_defaults(func=cmd_day)


def _date(text: str, what: str):
    from datetime import date

    from hallclient.errors import ValidationFailed

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{what}“{text}”不是有效日期，请写成 YYYY-MM-DD，例如 2026-12-02") from None


def _password() -> str:
    import getpass
    import sys

    if sys.stdin.isatty():
        return getpass.getpass("密码：")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_day(args) -> int:
    import json
    import time

    from hallclient import accounts, settings
    from hallclient.context import open_context
    from hallclient.models import utcnow
    from hallclient.permissions import Actor
    from hallclient.supervision.overview import load_report, reading
    from printing.report import ReportMeta, write_report

    first = _date(args.date, "日期")
    last = _date(args.to, "结束日期") if args.to else first
    password = _password()
    t0 = time.perf_counter()
    with open_context(args.data_dir) as ctx:
        with ctx.store.session() as s:  # a failed password counts towards the lockout: committed
            user = accounts.login(s, args.user, password)
            actor = Actor(user.id, user.username, user.role, user.display_name)
            hall_name = settings.get(s, settings.HALL_NAME)
        with reading(ctx.store) as s:
            day = load_report(s, actor, first, last)
        paths = write_report(day, ReportMeta(hall_name, actor.display_name or actor.username, utcnow()), args.out)
    print(json.dumps({"period": day.period.label, "cases": len(day.cases), "warnings": len(day.warnings),
                      "empty": day.figures.empty, "message": day.empty_message,
                      "files": {k: str(v) for k, v in paths.items()}, "seconds": round(time.perf_counter() - t0, 2)},
                     ensure_ascii=False))
    return 0
