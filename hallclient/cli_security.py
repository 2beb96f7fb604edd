"""Security commands: `hallclient audit verify|prune|list`, `hallclient user add|passwd`."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="审计记录：校验哈希链、清理过期记录、查看")
    a = p.add_subparsers(dest="what", required=True)
    q = a.add_parser("verify", help="校验审计记录哈希链，指出第一处断裂")
    q.set_defaults(func=cmd_audit_verify)
    q = a.add_parser("prune", help="删除超过保存期限的审计记录（至少保存 183 天）")
    q.add_argument("--days", type=int, default=None, help="保存天数（默认取设置“审计记录保存天数”）")
    q.set_defaults(func=cmd_audit_prune)
    q = a.add_parser("list", help="最近的审计记录（JSON）")
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=cmd_audit_list)

    q = sub.add_parser("backup-decrypt", help="用本数据目录的密钥解密一个加密的备份文件（.sm4），再用 restore 恢复")
    q.add_argument("file")
    q.add_argument("out")
    q.set_defaults(func=cmd_backup_decrypt)

    p = sub.add_parser("key", help="个人信息加密密钥：导出备份、在新电脑上导入")
    k = p.add_subparsers(dest="what", required=True)
    q = k.add_parser("export", help="把密钥写到标准输出（与备份文件分开保管）")
    q.set_defaults(func=cmd_key_export)
    q = k.add_parser("import", help="从标准输入读入导出的密钥（恢复备份到新电脑之前）")
    q.set_defaults(func=cmd_key_import)


def cmd_audit_verify(args) -> int:
    from hallclient import audit
    from hallclient.context import open_context

    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        with ctx.store.session() as s:
            result = audit.verify(s)
    print(json.dumps(result.as_dict(), ensure_ascii=False))
    if not result.ok:
        print(f"审计记录哈希链断裂：{result.reason}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_audit_prune(args) -> int:
    from hallclient import audit, settings
    from hallclient.context import open_context

    with open_context(args.data_dir, exclusive=True, seed=False) as ctx:
        with ctx.store.session() as s:
            days = args.days if args.days is not None else settings.get(s, settings.AUDIT_RETENTION_DAYS)
            removed = audit.prune(s, days)
    print(json.dumps({"removed": removed}, ensure_ascii=False))
    return 0


def cmd_audit_list(args) -> int:
    from hallclient import audit
    from hallclient.context import open_context

    with open_context(args.data_dir, exclusive=False, seed=False) as ctx:
        with ctx.store.session() as s:
            rows = [dict(audit.to_wire(r), seq=r.seq) for r in audit.recent(s, args.limit)]
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def cmd_backup_decrypt(args) -> int:
    from pathlib import Path

    from hallclient import keystore
    from hallclient.backupcrypt import decrypt_file
    from hallclient.paths import DataDir

    out = Path(args.out)
    if out.exists():
        print(f"{out} 已存在，请指定一个新文件名", file=sys.stderr)
        return 2
    keys = keystore.load_keys(DataDir(args.data_dir).root, may_create=False)
    decrypt_file(keys.data, Path(args.file), out)
    print(json.dumps({"decrypted": str(out)}, ensure_ascii=False))
    return 0


def cmd_key_export(args) -> int:
    from hallclient import keystore
    from hallclient.paths import DataDir

    from hallclient.audit import AuditAction

    key = keystore.export_key(DataDir(args.data_dir).root)
    audit_command(args.data_dir, AuditAction.EXPORT, {"what": "store key"})
    print(key)
    return 0


def cmd_key_import(args) -> int:
    from hallclient import keystore
    from hallclient.paths import DataDir

    root = DataDir(args.data_dir).ensure().root
    if (root / keystore.INFO_FILE).exists():
        print("本数据目录已有密钥，不能覆盖（覆盖会使现有数据无法解密）。请在新的数据目录中导入。", file=sys.stderr)
        return 2
    keys = keystore.import_key(root, sys.stdin.readline())
    print(json.dumps({"imported": True, "source": keys.source}, ensure_ascii=False))
    return 0


def audit_command(data_dir, action, detail: dict) -> None:
    """An audit record for a command run at the PC (no client login: the OS account acts).
    Best effort: a store that cannot be opened (that is why support is called) is not a reason
    to refuse the command; the log says so."""
    import getpass
    import logging

    from hallclient import audit
    from hallclient.context import open_context

    try:
        who = f"os:{getpass.getuser()}"[:40]
    except (KeyError, OSError):
        who = "os:unknown"
    from hallclient.db import needs_migration
    from hallclient.paths import DataDir

    try:
        if not DataDir(data_dir).database.exists() or needs_migration(DataDir(data_dir).database):
            return  # never create or migrate a store just to note a command
        with open_context(data_dir, exclusive=False, seed=False) as ctx, ctx.store.session() as s:
            audit.record(s, who, action, detail)
    except Exception as e:  # noqa: BLE001
        logging.getLogger(__name__).warning("command not audited (%s): %s", action, type(e).__name__)
