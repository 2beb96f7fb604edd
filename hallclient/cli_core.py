"""Core commands: validation and the working-day calendar."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="校验证件号码、统一社会信用代码、电话号码")
    vs = p.add_subparsers(dest="what", required=True)
    for name, helptext in (("id", "身份证/居住证/永居证号码"), ("uscc", "统一社会信用代码"), ("phone", "手机或座机号码")):
        q = vs.add_parser(name, help=helptext)
        q.add_argument("value")
        q.set_defaults(func=cmd_validate)

    p = sub.add_parser("calendar", help="工作日日历")
    cs = p.add_subparsers(dest="what", required=True)
    q = cs.add_parser("due", help="计算 N 个工作日后的日期（从次日起算）")
    q.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    q.add_argument("--days", type=int, required=True)
    q.set_defaults(func=cmd_calendar_due)


def cmd_validate(args) -> int:
    from hallclient import validation

    fn = {"id": validation.validate_id, "uscc": validation.validate_uscc, "phone": validation.validate_phone}[args.what]
    result = fn(args.value)
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0 if result.valid else 1


def cmd_calendar_due(args) -> int:
    from datetime import date

    from hallclient.context import open_context
    from hallclient.workcalendar import WorkCalendar

    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        print(f"日期格式错误：{args.start}，应为 YYYY-MM-DD", file=sys.stderr)
        return 2
    if args.days < 0:
        print("工作日数不能为负数", file=sys.stderr)
        return 2
    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        with ctx.store.read() as s:
            cal = WorkCalendar.from_session(s)
    print(cal.add_working_days(start, args.days).isoformat())
    return 0
