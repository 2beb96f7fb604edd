"""Commands of this package, registered by the composition root (hallclient.cli).

    hallclient sync                      one full cycle, prints JSON counts
    hallclient sync status               the same counts, no network
    hallclient sync register --server URL --token T   (T "-" reads the token from stdin)
    hallclient sync rejected             parked items with the server's reasons
    hallclient server [--db URL | --db-file F] [--host H] [--port P] [--workers N]
    hallclient server admin register-device|list-devices|revoke-device|load-catalogue|
                            add-user|load-calendar|load-appointments|decide|stats  [--db URL | --db-file F]

Keep top-level imports light: import what a command needs inside its handler.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _print(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `sub`."""
    p = sub.add_parser("sync", help="与中心服务器同步（一次完整的推送和拉取）")
    p.add_argument("--attempts", type=int, default=3, help="网络失败时的尝试次数（默认 3）")
    p.add_argument("--batch", type=int, default=500, help="每批推送的记录数")
    p.set_defaults(func=cmd_sync)
    ss = p.add_subparsers(dest="sync_command", metavar="SUBCOMMAND")
    s = ss.add_parser("status", help="显示待同步、被拒收的记录数（不联网）")
    s.set_defaults(func=cmd_status)
    s = ss.add_parser("register", help="用管理员签发的设备令牌注册本机")
    s.add_argument("--server", required=True, help="中心服务器地址，如 http://10.0.0.5:8765")
    s.add_argument("--token", default="-", help="设备令牌只从标准输入读取（“-”，默认）：写在命令行上会留在命令历史和进程列表中")
    s.set_defaults(func=cmd_register)
    s = ss.add_parser("rejected", help="列出被中心服务器拒收的记录及原因")
    s.set_defaults(func=cmd_rejected)

    p = sub.add_parser("server", help="运行中心同步参考服务器")
    _db_options(p, "db")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=1, help="服务进程数（多进程须使用 PostgreSQL，且不提供 /queue）")
    p.add_argument("--queue-db", default=None, help="叫号服务数据库 URL（默认：与中心数据库同目录的 hall-queue.sqlite3，或同一 PostgreSQL 库）")
    p.add_argument("--no-queue", action="store_true", help="不在 /queue 下提供大厅排队叫号服务")
    p.set_defaults(func=cmd_server)
    ps = p.add_subparsers(dest="server_command", metavar="SUBCOMMAND")
    admin = ps.add_parser("admin", help="中心服务器管理命令")
    _db_options(admin, "admin_db")
    a = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    x = a.add_parser("register-device", help="登记一台窗口电脑并签发设备令牌")
    x.add_argument("--name", required=True, help="设备名称，如“3号窗口”")
    x.add_argument("--hall", default="440300001", help="大厅编码")
    x.add_argument("--supervisor", action="store_true", help="值班长电脑：同时下发全大厅当日办件（hall_day）")
    x.set_defaults(func=cmd_admin, action="register-device")
    x = a.add_parser("supervisor-device", help="登记（或用 --remove 取消）值班长电脑：只有值班长电脑接收全大厅办件数据")
    x.add_argument("device_id", help="设备 ID（见 list-devices）")
    x.add_argument("--remove", action="store_true", help="取消值班长电脑登记")
    x.set_defaults(func=cmd_admin, action="supervisor-device")
    x = a.add_parser("load-catalogue", help="发布事项目录（JSON）")
    x.add_argument("file")
    x.set_defaults(func=cmd_admin, action="load-catalogue")
    x = a.add_parser("add-user", help="发布用户（窗口可离线登录）")
    x.add_argument("username")
    x.add_argument("--name", required=True)
    x.add_argument("--role", default="clerk", choices=("clerk", "supervisor", "admin"))
    x.add_argument("--password", default="-",
                   help="密码只从标准输入读取（“-”，默认）：写在命令行上会出现在进程列表和命令历史中")
    x.add_argument("--initial", action="store_true",
                   help="初始密码：用户首次登录时必须修改（管理员代设的密码应加此项）")
    x.set_defaults(func=cmd_admin, action="add-user")
    x = a.add_parser("audit-verify", help="校验各设备上传的审计记录哈希链")
    x.set_defaults(func=cmd_admin, action="audit-verify")
    x = a.add_parser("load-calendar", help='发布某年的放假调休安排（JSON：{"year":…, "days":{…}}）')
    x.add_argument("file")
    x.set_defaults(func=cmd_admin, action="load-calendar")
    x = a.add_parser("load-appointments", help="发布大厅的预约（JSON 列表）")
    x.add_argument("file")
    x.add_argument("--hall", default="440300001")
    x.set_defaults(func=cmd_admin, action="load-appointments")
    x = a.add_parser("decide", help="对办件作出审批决定（代替后台审批）")
    x.add_argument("case", help="办件 ID 或办件编号")
    x.add_argument("--hall", default=None, help="大厅编码（办件编号被多个大厅使用时）")
    g = x.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--deny", action="store_true")
    x.add_argument("--reason", default="")
    x.add_argument("--field", action="append", default=[], metavar="名称=内容",
                   help="证照字段（可多次），如 business_scope=软件开发；字段名见 docs/certificates.md")
    x.set_defaults(func=cmd_admin, action="decide")
    x = a.add_parser("revoke-licence", help="注销电子证照库中的一张证照")
    x.add_argument("licence_id")
    x.set_defaults(func=cmd_admin, action="revoke-licence")
    x = a.add_parser("list-devices", help="列出已登记的设备（JSON）")
    x.add_argument("--hall", default=None, help="只列出该大厅的设备")
    x.set_defaults(func=cmd_admin, action="list-devices")
    x = a.add_parser("revoke-device", help="吊销设备令牌（立即生效）")
    x.add_argument("device_id", help="设备 ID（见 list-devices）")
    x.set_defaults(func=cmd_admin, action="revoke-device")
    x = a.add_parser("confirm-payment", help="确认缴款通知书已缴款（代替统一公共支付平台），并开具财政电子票据")
    x.add_argument("payment_code", help="20 位缴款码")
    x.add_argument("--amount", required=True, help="实缴金额（元），须与缴款通知书一致，如 80 或 80.00")
    x.add_argument("--channel", default="wechat", choices=("wechat", "alipay", "unionpay", "pos", "bank"))
    x.add_argument("--transaction", default=None, help="支付平台的交易流水号")
    x.set_defaults(func=cmd_admin, action="confirm-payment")
    x = a.add_parser("stats", help="以 JSON 输出设备、办件、事件等数量")
    x.set_defaults(func=cmd_admin, action="stats")


# -- client ----------------------------------------------------------------------------------


def cmd_sync(args) -> int:
    import time

    from hallclient.context import open_context
    from sync.engine import SyncEngine
    from sync.transport import SyncFailure, Unauthorized
    from sync.worker import backoff_delay

    with open_context(args.data_dir, seed=False) as ctx:
        engine = SyncEngine.from_store(ctx.store, batch=max(1, min(args.batch, 1000)))
        try:
            for attempt in range(1, max(1, args.attempts) + 1):
                try:
                    _print(engine.cycle().as_dict())
                    return 0
                except Unauthorized as e:
                    report = e.report
                    break
                except SyncFailure as e:
                    report = e.report
                    if attempt < args.attempts:
                        time.sleep(backoff_delay(attempt, base=1.0, cap=10.0))
        finally:
            engine.close()
    _print(report.as_dict())
    print(report.error, file=sys.stderr)
    return 4


def cmd_status(args) -> int:
    from hallclient.context import open_context
    from sync.engine import counts, load_state, server_url

    # Read-only: works while the window client holds the data directory.
    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        c, st = counts(ctx.store), load_state(ctx.store)
        _print(
            {
                "pushed": 0,
                "pulled": 0,
                "rejected": c.rejected,  # parked now, the meaning `hallclient sync` has too
                "pending": c.pending,
                "rejected_now": 0,
                "server": server_url(ctx.store) or None,
                "registered": bool(st.token),
                "device_id": st.device_id,
                "last_success": st.last_success_at,
                "last_error": st.last_error,
                "clock_offset_ms": st.clock_offset_ms,
            }
        )
    return 0


def cmd_register(args) -> int:
    from hallclient.context import open_context
    from sync.engine import register as do_register

    if args.token != "-":
        print("为安全起见，设备令牌不能写在命令行上（会留在命令历史和进程列表中）。"
              "请用 --token - 运行，再把令牌粘贴到标准输入。", file=sys.stderr)
        return 2
    token = _secret_from_stdin("设备令牌")
    with open_context(args.data_dir, seed=False) as ctx:
        _print(do_register(ctx.store, args.server, token, actor=_os_account()))
    return 0


def _os_account() -> str:
    """Who ran the command, for the audit record (the OS account: no client login here)."""
    import getpass

    try:
        return f"os:{getpass.getuser()}"[:40]
    except (KeyError, OSError):  # no name for the uid (containers)
        return "os:unknown"


def _secret_from_stdin(what: str) -> str:
    """A secret read from standard input (a pipe, or typed without echo at a terminal)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{what}：").strip()
    return sys.stdin.readline().strip()


def cmd_rejected(args) -> int:
    from dataclasses import asdict

    from hallclient.context import open_context
    from sync.engine import rejected_items

    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        _print([asdict(r) for r in rejected_items(ctx.store)])
    return 0


# -- server ----------------------------------------------------------------------------------


DB_ENV = "HALLCLIENT_SERVER_DB"  # the central database URL, when not on the command line


def _db_options(p: argparse.ArgumentParser, dest: str) -> None:
    p.add_argument("--db", default=None, dest=dest,
                   help=f"数据库 URL（默认：环境变量 {DB_ENV}，否则数据目录下的 SQLite 文件）。含密码的 URL 请用 --db-file 或环境变量")
    p.add_argument("--db-file", default=None, dest=dest + "_file",
                   help="从文件读取数据库 URL（第一行），密码不会出现在进程列表中；PostgreSQL 密码也可用 PGPASSWORD / ~/.pgpass")


def _db_url(args, value: str | None, file: str | None = None) -> str:
    """The database URL: --db, else --db-file, else $HALLCLIENT_SERVER_DB, else the SQLite file
    of the data directory. A password given with --db is visible to every user of the machine
    (ps, /proc): said on stderr, once."""
    from sqlalchemy.engine import make_url

    if value:
        if "://" in value and make_url(value).password:
            print("注意：命令行中的数据库密码可被本机其他用户看到（ps），请改用 --db-file 或环境变量 "
                  f"{DB_ENV}。", file=sys.stderr)
        return value
    if file:
        from sync.server.admin import AdminError

        try:
            lines = [ln.strip() for ln in Path(file).read_text("utf-8").splitlines() if ln.strip()]
        except (OSError, UnicodeDecodeError) as e:
            raise AdminError(f"无法读取数据库 URL 文件 {file}：{getattr(e, 'strerror', None) or e}") from None
        if not lines:
            raise AdminError(f"数据库 URL 文件 {file} 是空的")
        return lines[0]
    if os.environ.get(DB_ENV, "").strip():
        return os.environ[DB_ENV].strip()
    root = Path(args.data_dir).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root.resolve() / 'central-server.sqlite3'}"


def open_server_db(url: str):
    """ServerDB on `url`, or an AdminError naming the database (password hidden) and why."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from sync.server.admin import AdminError
    from sync.server.store import ServerDB

    try:
        return ServerDB(url)
    except (SQLAlchemyError, ArgumentError, ValueError) as e:
        try:
            shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
        except ArgumentError:
            shown = "（无法解析的 URL）"
        detail = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
        password = make_url(url).password if "://" in url else None
        if password:
            detail = detail.replace(str(password), "***")
        raise AdminError(f"无法打开数据库 {shown}：{detail}。请检查地址、用户名和密码，以及数据库服务是否在运行") from None


def cmd_server(args) -> int:
    from hallclient.logging_setup import setup_logging
    from sync.server.admin import AdminError
    from sync.server.run import serve, serve_workers

    setup_logging(Path(args.data_dir).expanduser() / "logs")
    db = _db_url(args, args.db, args.db_file)
    if args.workers > 1:
        if db.startswith("sqlite") or "://" not in db:
            raise AdminError("多进程运行（--workers）须使用 PostgreSQL 数据库")
        if not args.no_queue:
            raise AdminError("多进程运行时不能同时提供叫号服务：请加 --no-queue，叫号服务单独运行（hallclient queue serve）")
        open_server_db(db).close()  # creates the schema once, and says so when the database is unreachable
        return serve_workers(db, args.host, args.port, args.workers)
    queue_db = None if args.no_queue else (args.queue_db or _queue_db_url(db))
    return serve(open_server_db(db), args.host, args.port, queue_db)


def _queue_db_url(db: str) -> str:
    """The hall queue's tables: beside the central database. A SQLite file gets a sibling file
    (two busy writers on one SQLite file would wait for each other); PostgreSQL shares the
    database (tables q_*)."""
    if db.startswith("sqlite:///"):
        return "sqlite:///" + str(Path(db[len("sqlite:///"):]).with_name("hall-queue.sqlite3"))
    return db


def cmd_admin(args) -> int:
    from sync.server import admin
    from sync.server.store import ServerDB

    db = open_server_db(_db_url(args, args.admin_db or args.db, args.admin_db_file or args.db_file))
    try:
        if args.action == "register-device":
            _print(admin.register_device(db, args.name, args.hall, supervisor=args.supervisor))
        elif args.action == "supervisor-device":
            _print(admin.set_supervisor_device(db, args.device_id, not args.remove))
        elif args.action == "load-catalogue":
            _print(admin.load_catalogue(db, _read_json(args.file)))
        elif args.action == "add-user":
            # The password comes from standard input only: on the command line it would show
            # in `ps` and the shell history.
            if args.password != "-":
                print("为安全起见，密码不能写在命令行上（会出现在进程列表和命令历史中）。"
                      "请用 --password - 运行，再从标准输入输入密码。", file=sys.stderr)
                return 2
            _print(admin.add_user(db, args.username, args.name, args.role, _secret_from_stdin("密码"),
                                  must_change_password=args.initial))
        elif args.action == "audit-verify":
            from sync.server.security import verify_audit

            chains = verify_audit(db)
            _print(chains)
            return 0 if all(c["ok"] for c in chains) else 1
        elif args.action == "load-calendar":
            _print({"days": admin.load_calendar(db, _read_json(args.file))})
        elif args.action == "load-appointments":
            _print({"appointments": admin.load_appointments(db, args.hall, _read_json(args.file))})
        elif args.action == "decide":
            fields = dict(f.split("=", 1) for f in args.field if "=" in f)
            if len(fields) != len(args.field):
                raise admin.AdminError("--field 应写成 名称=内容")
            _print(admin.decide(db, args.case, approve=args.approve, reason=args.reason, hall_code=args.hall,
                                fields=fields or None))
        elif args.action == "revoke-licence":
            from sync.server import licences

            _print(licences.revoke(db, args.licence_id))
        elif args.action == "list-devices":
            _print(admin.list_devices(db, args.hall))
        elif args.action == "revoke-device":
            _print(admin.revoke_device(db, args.device_id))
        elif args.action == "confirm-payment":
            from hallclient.fees.money import parse_yuan
            from sync.server.fees import confirm_payment

            _print(confirm_payment(db, args.payment_code, parse_yuan(args.amount, what="实缴金额"), args.channel, args.transaction))
        elif args.action == "stats":
            _print(admin.stats(db))
    finally:
        db.close()
    return 0


def _read_json(path: str):
    from sync.server.admin import AdminError

    try:
        return json.loads(Path(path).read_text("utf-8"))
    except OSError as e:
        raise AdminError(f"无法读取文件 {path}：{e.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AdminError(f"文件 {path} 不是有效的 UTF-8 JSON：{e}") from None
