"""`hallclient queue …` commands: run the hall queue service, benchmark it.

Registered by the composition root (hallclient.cli); imports stay inside the handlers.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="大厅排队叫号服务")
    qs = p.add_subparsers(dest="queue_command", required=True)
    q = qs.add_parser("serve", help="运行叫号服务（HTTP JSON，OpenAPI 在 /docs）")
    q.add_argument("--db", default="", help="数据库地址，默认为环境变量 HALLCLIENT_QUEUE_DB 或数据目录下的 queue.sqlite3；可用 postgresql+psycopg://…")
    q.add_argument("--host", default="127.0.0.1", help="监听地址；大厅局域网内服务时用 0.0.0.0")
    q.add_argument("--port", type=int, default=8700, help="端口；0 表示自动选择")
    q.set_defaults(func=cmd_serve)
    t = qs.add_parser("token", help="叫号服务凭据：发放、列出、收回")
    ts = t.add_subparsers(dest="token_command", required=True)
    q = ts.add_parser("issue", help="发放一个凭据（只显示这一次，服务只保存其摘要）")
    q.add_argument("--kind", required=True, choices=["window", "display", "kiosk", "admin"],
                   help="window 窗口（须加 --window）；display 叫号大屏；kiosk 取号机；admin 管理")
    q.add_argument("--window", default="", help="窗口编号，如 03（window 凭据必填）")
    q.add_argument("--queues", default="", help="窗口服务的队列，如 A,B：登记尚不存在的窗口时使用")
    q.add_argument("--label", default="", help="备注，如“3号窗口电脑”")
    q.add_argument("--db", default="", help="叫号服务的数据库地址（默认为数据目录下的 queue.sqlite3）")
    q.set_defaults(func=cmd_token_issue)
    q = ts.add_parser("list", help="列出凭据（不含凭据本身）")
    q.add_argument("--db", default="")
    q.set_defaults(func=cmd_token_list)
    q = ts.add_parser("revoke", help="收回凭据（运行中的服务在数秒内拒绝它）")
    q.add_argument("id", type=int)
    q.add_argument("--db", default="")
    q.set_defaults(func=cmd_token_revoke)
    q = qs.add_parser("bench", help="压力测试：多个窗口同时叫号，一个大屏跟随事件流")
    q.add_argument("--windows", type=int, default=50)
    q.add_argument("--seconds", type=float, default=20)
    q.add_argument("--think-ms", type=int, default=1000, help="每次叫号后模拟办理的平均时长（毫秒；真实窗口约 10 分钟）")
    q.add_argument("--db", default="", help="数据库地址（默认：临时 SQLite 文件）")
    q.add_argument("--processes", type=int, default=1, help="窗口分布在几个压测进程中")
    q.add_argument("--no-think", action="store_true", help="不模拟办理时间：叫号、结束、再叫号，不停顿（压力模式）")
    q.set_defaults(func=cmd_bench)


def _db_url(args) -> str:
    """`--db`, else $HALLCLIENT_QUEUE_DB (a PostgreSQL password stays out of `ps`), else the
    data directory's queue.sqlite3."""
    import os
    from pathlib import Path

    db = args.db or os.environ.get("HALLCLIENT_QUEUE_DB", "")
    if not db:
        root = Path(args.data_dir)
        root.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{root / 'queue.sqlite3'}"
    return db


def cmd_token_issue(args) -> int:
    import json
    import sys

    from sync.hallqueue.tokens import TokenError, TokenStore

    db = _db_url(args)
    try:
        if args.kind == "window":
            _register_window(db, args.window.strip(), [q.strip().upper() for q in args.queues.split(",") if q.strip()])
        store = TokenStore.open(db)
        try:
            out = store.issue(args.kind, args.window, args.label)
        finally:
            store.close()
    except (TokenError, ValueError) as e:
        print(str(e), file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False), flush=True)
    print("凭据只显示这一次：请填入该电脑的设置“叫号服务凭据”（或环境变量 HALLCLIENT_QUEUE_TOKEN）。", file=sys.stderr)
    return 0


def _register_window(db: str, code: str, queues: list[str]) -> None:
    """A window token registers its window when the service does not know it yet."""
    from hallclient.errors import ValidationFailed
    from sync.hallqueue.service import QueueService
    from sync.hallqueue.tokens import WINDOW_CODE, TokenError

    if not WINDOW_CODE.match(code):
        raise TokenError("窗口凭据要指定窗口编号（1–8 位字母或数字，如 03）")
    svc = QueueService(db)  # seeds the default queues, as `queue serve` would
    try:
        if not svc.window_exists(code) or queues:
            svc.set_window(code, profile={"queues": queues} if queues else None)
    except ValidationFailed as e:
        raise TokenError(e.message) from None
    finally:
        svc.close()


def cmd_token_list(args) -> int:
    import json

    from sync.hallqueue.tokens import TokenStore

    store = TokenStore.open(_db_url(args))
    try:
        print(json.dumps(store.list(), ensure_ascii=False, indent=1))
    finally:
        store.close()
    return 0


def cmd_token_revoke(args) -> int:
    import sys

    from sync.hallqueue.tokens import TokenStore

    store = TokenStore.open(_db_url(args))
    try:
        if not store.revoke(args.id):
            print(f"没有编号为 {args.id} 的有效凭据", file=sys.stderr)
            return 1
    finally:
        store.close()
    print(f"凭据 {args.id} 已收回", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    import json
    import sys

    import uvicorn

    from sync.hallqueue.app import create_queue_app

    db = _db_url(args)
    server = uvicorn.Server(uvicorn.Config(create_queue_app(db), host=args.host, port=args.port,
                                           log_level="warning", access_log=False))
    import threading
    import time

    def announce():
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        # One JSON line on stdout: scripts (and the bench) read the chosen port from it.
        print(json.dumps({"url": f"http://{args.host}:{port}", "port": port, "db": db.split("@")[-1]}), flush=True)
        print(f"叫号服务已启动：http://{args.host}:{port}（接口说明 /docs）", file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    return 0


def cmd_bench(args) -> int:
    import json

    from sync.hallqueue.bench import run_bench

    result = run_bench(windows=args.windows, seconds=args.seconds, think_ms=args.think_ms, db_url=args.db,
                       processes=args.processes, no_think=args.no_think)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["double_calls"] == 0 and result["display_missed"] == 0 else 1
