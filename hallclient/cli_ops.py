"""Field operations commands: backup, restore, support bundle."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable


def register(sub: argparse._SubParsersAction, devices_status: Callable[[object], list[dict]] | None = None) -> None:
    p = sub.add_parser("backup", help="备份本机数据库（客户端运行时也可安全执行）")
    p.add_argument("--out", required=True, help="备份文件路径")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="用备份文件恢复本机数据库（须先关闭客户端）")
    p.add_argument("file", help="备份文件路径")
    p.add_argument("--force", action="store_true", help="即使当前数据库还有未上传的记录也恢复（当前数据库会先另存）")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("support-bundle", help="收集日志、版本、设置、设备与同步状态（已去除个人信息和密钥）")
    p.add_argument("--out", required=True, help="zip 文件路径")
    p.set_defaults(func=cmd_support_bundle, devices_status=devices_status)


def cmd_backup(args) -> int:
    from dataclasses import asdict

    from hallclient.backup import backup_to
    from hallclient.paths import DataDir

    from hallclient.audit import AuditAction
    from hallclient.cli_security import audit_command

    info = backup_to(DataDir(args.data_dir).database, Path(args.out))
    audit_command(args.data_dir, AuditAction.EXPORT, {"what": "backup", "bytes": info.bytes})
    print(json.dumps(asdict(info), ensure_ascii=False))
    return 0


def cmd_restore(args) -> int:
    from dataclasses import asdict

    from hallclient.backup import restore
    from hallclient.paths import DataDir

    info = restore(DataDir(args.data_dir).ensure(), Path(args.file), force=args.force)
    print(json.dumps(asdict(info), ensure_ascii=False))
    return 0


def cmd_support_bundle(args) -> int:
    from hallclient.paths import DataDir
    from hallclient.support import make_bundle

    dd = DataDir(args.data_dir).ensure()
    status = None
    if args.devices_status is not None:
        try:
            status = args.devices_status(dd)
        except Exception as e:  # noqa: BLE001 - a bundle is most needed when things are broken
            status = [{"error": f"device status unavailable: {type(e).__name__}"}]
    summary = make_bundle(dd, Path(args.out), status)
    from hallclient.audit import AuditAction
    from hallclient.cli_security import audit_command

    audit_command(args.data_dir, AuditAction.EXPORT, {"what": "support bundle"})
    print(json.dumps(summary, ensure_ascii=False))
    return 0
