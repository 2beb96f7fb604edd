"""Intake commands: `hallclient training generate`. Imports stay inside the handlers."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("training", help="演练（培训）数据")
    ts = p.add_subparsers(dest="what", required=True)
    q = ts.add_parser("generate", help="生成 N 件已受理的演练办件（标记为演练数据，不上传）")
    q.add_argument("--cases", type=int, required=True, help="办件数量")
    q.add_argument("--seed", type=int, default=1, help="随机种子（相同种子生成相同数据）")
    q.add_argument("--with-outbox", action="store_true",
                   help="同时写入与真实办件相同格式的待上传记录（供同步性能测试；记录中带 training=true）")
    q.add_argument("--batch", type=int, default=500, help="每个事务的办件数")
    q.set_defaults(func=cmd_generate)


def cmd_generate(args) -> int:
    import json
    import sys
    import time

    from hallclient.context import open_context
    from hallclient.intake.training import generate, training_prerequisites

    if args.cases < 1:
        print("办件数量应为正整数", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    with open_context(args.data_dir) as ctx:
        with ctx.store.read() as s:
            missing = training_prerequisites(s)
        if missing:
            print(missing, file=sys.stderr)
            return 2
        r = generate(ctx.store.write, args.cases, seed=args.seed, with_outbox=args.with_outbox,
                     batch=max(1, args.batch))
    print(json.dumps({"cases": r.cases, "first_case_no": r.first_case_no, "last_case_no": r.last_case_no,
                      "outbox_rows": r.outbox_rows, "days": r.days, "seconds": round(time.perf_counter() - t0, 2)},
                     ensure_ascii=False))
    return 0
