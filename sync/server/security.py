"""The server's side of the window's security records: audit records checked on arrival and
per device (`verify_audit`), password changes made at a window published to every window.

Audit records arrive in the device's chain order (the outbox drains in order). On arrival each
one's SM3 hash must match its content (the same `hallclient.audit.record_hash` the window
used), otherwise it is refused; `verify_audit` walks every device's stored chain and names the
first broken link, so a record deleted or altered on the window before it was sent, or on the
server afterwards, is found.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.audit import GENESIS, record_hash, verify_chain
from sync.server.models import Device, Record, StreamRow
from sync.server.store import ServerDB, publish

AUDIT = "audit"
PASSWORD = "user.password"
KINDS = frozenset({AUDIT, PASSWORD})
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def validate(kind: str, p: dict[str, Any]) -> str | None:
    """Why a security record cannot be accepted (Chinese), or None."""
    if kind == AUDIT:
        for k in ("uuid", "at", "actor", "action", "detail"):
            if not isinstance(p.get(k), str) or len(p[k]) > (20000 if k == "detail" else 60):
                return f"审计记录字段 {k} 缺失或无效"
        if p.get("actor_id") is not None and not isinstance(p.get("actor_id"), int):
            return "审计记录字段 actor_id 无效"
        if not all(isinstance(p.get(k), str) and _HEX64.match(p[k]) for k in ("prev_hash", "hash")):
            return "审计记录的哈希字段无效"
        try:
            datetime.fromisoformat(p["at"])
        except ValueError:
            return "审计记录的时间无效"
        if record_hash(p["uuid"], p["at"], p.get("actor_id"), p["actor"], p["action"], p["detail"], p["prev_hash"]) != p["hash"]:
            return "审计记录的 SM3 哈希与内容不符（记录被改动）"
        return None
    if kind == PASSWORD:
        for k in ("username", "password_hash", "previous_hash"):
            if not isinstance(p.get(k), str) or not p[k] or len(p[k]) > 200:
                return f"字段 {k} 缺失或无效"
        if not p["password_hash"].startswith("$argon2"):
            return "密码哈希格式无效"
    return None


def after_push(s: Session, items: list[dict[str, Any]]) -> None:
    """Effects of newly accepted security records, in the push's transaction."""
    for it in items:
        if it["kind"] == PASSWORD:
            _password_changed(s, it["payload"])


def _password_changed(s: Session, p: dict[str, Any]) -> None:
    """Publish the new hash, if it replaces the hash the server holds now (a change made on a
    stale hash, e.g. after an administrator reset, is kept as a record but not applied)."""
    row = s.scalars(select(StreamRow).where(StreamRow.stream == "users", StreamRow.scope == "",
                                            StreamRow.key == p["username"])).first()
    if row is None or row.data is None or row.data.get("password_hash") != p["previous_hash"]:
        return
    data = dict(row.data, password_hash=p["password_hash"], must_change_password=False)
    publish(s, "users", [("", p["username"], data)])


def verify_audit(db: ServerDB) -> list[dict[str, Any]]:
    """Every device's audit chain as stored here: ok, count, first broken link."""
    out = []
    with db.session(read_only=True) as s:
        for dev in s.scalars(select(Device).order_by(Device.id)):
            rows = [r.payload for r in s.scalars(select(Record).where(Record.device_id == dev.id, Record.kind == AUDIT)
                                                  .order_by(Record.id))]
            start = rows[0]["prev_hash"] if rows else GENESIS
            res = verify_chain(rows, start)
            out.append({"device_id": dev.device_id, "name": dev.name, "hall_code": dev.hall_code, "ok": res.ok,
                        "records": len(rows), "from_genesis": start == GENESIS,
                        "first_broken_uuid": res.first_broken_uuid, "reason": res.reason})
    return out
