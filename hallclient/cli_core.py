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
    q = cs.add_parser("load", help='导入某年的放假调休安排（JSON：{"year":…, "days":{…}}），并重新计算暂定的办结日期')
    q.add_argument("file")
    q.set_defaults(func=cmd_calendar_load)
    q = cs.add_parser("moved", help="列出节假日安排公布后变动了的暂定日期（JSON）")
    q.set_defaults(func=cmd_calendar_moved)


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


def cmd_calendar_load(args) -> int:
    from pathlib import Path

    from hallclient.calendar_file import load_schedule, parse_schedule
    from hallclient.context import open_context
    from hallclient.errors import HallError

    try:
        schedule = parse_schedule(Path(args.file).read_text(encoding="utf-8"))
    except OSError:
        print(f"无法读取文件：{args.file}", file=sys.stderr)
        return 2
    except HallError as e:
        print(e.message, file=sys.stderr)
        return 2
    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        with ctx.store.write() as s:
            settled = load_schedule(s, schedule)
    moved = [m for m in settled if m.provisional != m.final]
    print(f"已导入 {schedule.year} 年节假日安排（{len(schedule.days)} 天）；"
          f"{len(settled)} 个暂定日期已重新计算，其中 {len(moved)} 个办件的承诺办结日期已调整。")
    return 0


def cmd_calendar_moved(args) -> int:
    from hallclient.context import open_context
    from hallclient.provisional import moved_dates

    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        with ctx.store.read() as s:
            rows = moved_dates(s)
    print(json.dumps([{"case_id": m.case_id, "case_no": m.case_no, "field": m.field,
                       "provisional": m.provisional.isoformat(), "final": m.final.isoformat(),
                       "resolved_at": m.resolved_at.isoformat()} for m in rows], ensure_ascii=False, indent=1))
    return 0
