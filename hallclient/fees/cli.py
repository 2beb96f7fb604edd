"""Fee commands: `hallclient fees register-stock` (paper receipt ranges). Imports stay inside
the handlers."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fees", help="收费（纸质票据登记）")
    fs = p.add_subparsers(dest="what", required=True)
    q = fs.add_parser("register-stock", help="为窗口人员登记一段纸质票据号码（须值班长账号，密码从标准输入读取）")
    q.add_argument("--clerk", required=True, help="领用票据的窗口人员账号")
    q.add_argument("--code", required=True, help="8 位票据代码")
    q.add_argument("--first", type=int, required=True, help="起始号")
    q.add_argument("--last", type=int, required=True, help="终止号")
    q.add_argument("--by", required=True, help="登记人（值班长或管理员）账号")
    q.set_defaults(func=cmd_register_stock)


def cmd_register_stock(args) -> int:
    import json
    import sys

    from hallclient import accounts
    from hallclient.context import open_context
    from hallclient.errors import LoginFailed
    from hallclient.fees.stock import register_stock
    from hallclient.permissions import Actor

    password = sys.stdin.readline().rstrip("\n")
    with open_context(args.data_dir, seed=False) as ctx:
        with ctx.store.sessionmaker() as s:
            try:
                user = accounts.login(s, args.by, password)
            except LoginFailed as e:
                s.commit()  # the failed attempt counts towards the lockout
                print(e.message, file=sys.stderr)
                return 3
            info = register_stock(s, Actor(user.id, user.username, user.role, user.display_name), args.clerk, args.code,
                                  args.first, args.last)
            s.commit()
    print(json.dumps({"stock_id": info.id, "code": info.code, "first": info.label(info.first_no), "last": info.label(info.last_no),
                      "remaining": info.remaining}, ensure_ascii=False))
    return 0
