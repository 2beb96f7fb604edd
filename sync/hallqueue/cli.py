"""`hallclient queue …` commands: run the hall queue service, benchmark it.

Registered by the composition root (hallclient.cli); imports stay inside the handlers.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="大厅排队叫号服务")
    qs = p.add_subparsers(dest="queue_command", required=True)
    q = qs.add_parser("serve", help="运行叫号服务（HTTP JSON，OpenAPI 在 /docs）")
    q.add_argument("--db", default="", help="数据库地址，默认为数据目录下的 queue.sqlite3；可用 postgresql+psycopg://…")
    q.add_argument("--host", default="127.0.0.1", help="监听地址；大厅局域网内服务时用 0.0.0.0")
    q.add_argument("--port", type=int, default=8700, help="端口；0 表示自动选择")
    q.set_defaults(func=cmd_serve)
    q = qs.add_parser("bench", help="压力测试：多个窗口同时叫号，一个大屏跟随事件流")
    q.add_argument("--windows", type=int, default=50)
    q.add_argument("--seconds", type=float, default=20)
    q.add_argument("--think-ms", type=int, default=1000, help="每次叫号后模拟办理的平均时长（毫秒；真实窗口约 10 分钟）")
    q.add_argument("--db", default="", help="数据库地址（默认：临时 SQLite 文件）")
    q.set_defaults(func=cmd_bench)


def cmd_serve(args) -> int:
    import json
    import sys
    from pathlib import Path

    import uvicorn

    from sync.hallqueue.app import create_queue_app

    db = args.db
    if not db:
        root = Path(args.data_dir)
        root.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{root / 'queue.sqlite3'}"
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

    result = run_bench(windows=args.windows, seconds=args.seconds, think_ms=args.think_ms, db_url=args.db)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["double_calls"] == 0 and result["display_missed"] == 0 else 1
