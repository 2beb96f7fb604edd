"""The audit trail: every sensitive action as a record chained by SM3 hashes. Qt-free.

Each record holds the hash of the record before it (`prev_hash`) and its own hash over its
content and that link, so changing, deleting or reordering any record breaks the chain at that
point, and `verify()` names the first broken link. The table is append-only in the database
(triggers, revision 0005): an UPDATE is refused always, a DELETE unless the record is older than
the retention period (`prune()` removes only those, and leaves an anchor holding the last pruned
record's hash, so the chain still verifies from there).

Callers (login, lock, printing, fees, certificates, exports, settings…) call

    audit.record(session, actor, AuditAction.X, {"case_no": ...}, now)

inside the transaction of the action itself, so the action and its record commit together.
`detail` must hold no personal data in the clear: pass masked values (`personal.mask_id`).
Every record is also queued in the outbox (kind "audit") and the central server checks the chain
again on arrival.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives import hashes
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallclient.models import Base, OutboxEntry, new_uuid, utcnow

GENESIS = "0" * 64
RETENTION_DAYS_MIN = 183  # 网络安全法 §21: at least six months
OUTBOX_KIND = "audit"


class AuditAction(str, enum.Enum):
    """What was done. The value is stable: it is stored, hashed and sent to the server."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOCK = "lock"
    UNLOCK = "unlock"
    TAKEOVER = "takeover"                  # a supervisor unlocked another user's window
    PASSWORD_CHANGE = "password_change"
    AUTHORISE = "authorise"                # an on-the-spot authorisation was given
    AUTHORISE_FAILED = "authorise_failed"
    VIEW_FULL_ID = "view_full_id"
    PRINT = "print"
    REPRINT = "reprint"
    REVERSAL = "reversal"
    EXPORT = "export"
    SETTINGS_CHANGE = "settings_change"
    DEVICE_TOKEN_CHANGE = "device_token_change"
    OVERRIDE_CHECKLIST = "override_checklist"
    EDIT_ACCEPTED_CASE = "edit_accepted_case"
    USER_CHANGE = "user_change"
    AUDIT_PRUNE = "audit_prune"

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value)


_LABELS = {
    AuditAction.LOGIN: "登录", AuditAction.LOGIN_FAILED: "登录失败", AuditAction.LOGOUT: "退出登录",
    AuditAction.LOCK: "锁屏", AuditAction.UNLOCK: "解锁", AuditAction.TAKEOVER: "值班长接管",
    AuditAction.PASSWORD_CHANGE: "修改密码", AuditAction.AUTHORISE: "现场授权",
    AuditAction.AUTHORISE_FAILED: "授权失败", AuditAction.VIEW_FULL_ID: "查看完整证件号码",
    AuditAction.PRINT: "打印", AuditAction.REPRINT: "补打", AuditAction.REVERSAL: "冲红/作废",
    AuditAction.EXPORT: "导出", AuditAction.SETTINGS_CHANGE: "修改设置",
    AuditAction.DEVICE_TOKEN_CHANGE: "更换设备令牌", AuditAction.OVERRIDE_CHECKLIST: "越过材料核验",
    AuditAction.EDIT_ACCEPTED_CASE: "修改已受理办件", AuditAction.USER_CHANGE: "用户变更",
    AuditAction.AUDIT_PRUNE: "清理过期审计记录",
}


class AuditRecord(Base):
    """One audit record. Append-only (triggers); `hash` = SM3 over the content and `prev_hash`."""

    __tablename__ = "audit_record"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor: Mapped[str] = mapped_column(String(40), default="")      # user name (or the name typed, for a failed login)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")         # canonical JSON, as hashed
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # AUTOINCREMENT: a deleted newest record's number is never handed out again.
    __table_args__ = ({"sqlite_autoincrement": True},)


class AuditAnchor(Base):
    """Where the chain continues after pruning: the hash of the last record removed.
    Append-only like the records; the newest anchor is the one that counts."""

    __tablename__ = "audit_anchor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    pruned: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()


def canonical_detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _at_text(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def record_hash(uuid: str, at: datetime | str, actor_id: int | None, actor: str, action: str,
                detail: str, prev_hash: str) -> str:
    """SM3 over the record's fields and the previous hash (the same function runs on the server)."""
    at_s = at if isinstance(at, str) else _at_text(at)
    parts = [uuid, at_s, "" if actor_id is None else str(actor_id), actor, action, detail, prev_hash]
    h = hashes.Hash(hashes.SM3())
    h.update("\x1f".join(parts).encode("utf-8"))
    return h.finalize().hex()


def _actor_fields(actor) -> tuple[int | None, str]:
    """An Actor / the UI Session (user_id, username), a plain user name, or None (the system)."""
    if actor is None:
        return None, ""
    if isinstance(actor, str):
        return None, actor[:40]
    return getattr(actor, "user_id", None), str(getattr(actor, "username", ""))[:40]


def typed_user_name(session: Session, username: str) -> str:
    """The user name of a failed attempt, for a record: a known user's name as it is; anything
    else masked, because people type their password into the name field."""
    from hallclient.models import User

    name = username.strip()
    if name and session.execute(select(User.id).where(User.username == name)).first() is not None:
        return name[:40]
    return (name[:2] + "***（未知用户）")[:40] if name else "（空）"


def _last_hash(session: Session) -> str:
    last = session.execute(select(AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)).scalar()
    if last is not None:
        return last
    anchor = session.execute(select(AuditAnchor.last_hash).order_by(AuditAnchor.id.desc()).limit(1)).scalar()
    return anchor or GENESIS


def record(session: Session, actor, action: AuditAction | str, detail: dict[str, Any] | None = None,
           now: datetime | None = None, *, outbox: bool = True) -> AuditRecord:
    """Append an audit record (and its outbox row) in the caller's transaction.

    `actor`: an `permissions.Actor`, the UI's login `Session`, a user name (str) or None.
    `detail`: plain JSON-able data, no personal data in the clear (mask it).
    Writers are serialised (one writer, BEGIN IMMEDIATE), so reading the last hash here and
    appending cannot interleave with another writer's record.
    """
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime for an audit record")
    action_v = action.value if isinstance(action, AuditAction) else str(action)
    actor_id, actor_name = _actor_fields(actor)
    detail_s = canonical_detail(detail)
    prev = _last_hash(session)
    uuid = new_uuid()
    now = now.astimezone(timezone.utc)
    h = record_hash(uuid, now, actor_id, actor_name, action_v, detail_s, prev)
    rec = AuditRecord(uuid=uuid, at=now, actor_id=actor_id, actor=actor_name, action=action_v,
                      detail=detail_s, prev_hash=prev, hash=h)
    session.add(rec)
    if outbox:
        session.add(OutboxEntry(uuid=uuid, kind=OUTBOX_KIND, payload=to_wire(rec), created_at=utcnow()))
    session.flush()  # the next record in this transaction must see this one's hash
    return rec


def to_wire(rec: AuditRecord) -> dict[str, Any]:
    """The record as sent to the server: every hashed field, verbatim."""
    return {"uuid": rec.uuid, "at": _at_text(rec.at), "actor_id": rec.actor_id, "actor": rec.actor,
            "action": rec.action, "detail": rec.detail, "prev_hash": rec.prev_hash, "hash": rec.hash}


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    first_broken_uuid: str | None = None
    reason: str = ""           # in Chinese, for the person running the check
    anchor_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "first_broken_seq": self.first_broken_seq,
                "first_broken_uuid": self.first_broken_uuid, "reason": self.reason, "anchor_seq": self.anchor_seq}


def verify_chain(rows, start_hash: str = GENESIS, start_after_seq: int | None = None) -> VerifyResult:
    """Check a sequence of records (objects or dicts with the wire fields, plus `seq` when known)
    in chain order; the first record must link to `start_hash`."""
    prev = start_hash
    n = 0
    last_seq = start_after_seq
    for r in rows:
        g = (lambda k: r[k]) if isinstance(r, dict) else (lambda k: getattr(r, k))
        seq = g("seq") if (isinstance(r, dict) and "seq" in r) or not isinstance(r, dict) else None
        label = seq if seq is not None else n + 1  # position in the chain when there is no number
        uuid = g("uuid")
        at = g("at")
        if seq is not None and last_seq is not None and seq != last_seq + 1:
            return VerifyResult(False, n, seq, uuid, f"第 {seq} 条之前缺少第 {last_seq + 1} 条记录（被删除）", start_after_seq)
        if g("prev_hash") != prev:
            return VerifyResult(False, n, seq, uuid, f"第 {label} 条记录与前一条不衔接（前一条被删除、改动或顺序被调换）", start_after_seq)
        expect = record_hash(uuid, at, g("actor_id"), g("actor"), g("action"), g("detail"), g("prev_hash"))
        if g("hash") != expect:
            return VerifyResult(False, n, seq, uuid, f"第 {label} 条记录的内容被改动（哈希不符）", start_after_seq)
        prev = g("hash")
        last_seq = seq if seq is not None else last_seq
        n += 1
    return VerifyResult(True, n, anchor_seq=start_after_seq)


def verify(session: Session) -> VerifyResult:
    """Check the whole stored chain from the newest pruning anchor (or the beginning)."""
    anchor = session.scalars(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1)).first()
    start_hash, after = (anchor.last_hash, anchor.last_seq) if anchor else (GENESIS, 0)
    rows = session.scalars(select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=2000))
    return verify_chain(rows, start_hash, after)


# --- retention -------------------------------------------------------------------------------


def prune(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Remove records older than `retention_days` (never fewer than 183), leaving an anchor.

    The database itself refuses to delete younger records (trigger), whatever the caller asks.
    Returns how many were removed.
    """
    now = now or utcnow()
    days = max(RETENTION_DAYS_MIN, int(retention_days))
    cutoff = now - timedelta(days=days)
    last = session.scalars(select(AuditRecord).where(AuditRecord.at < cutoff)
                           .order_by(AuditRecord.seq.desc()).limit(1)).first()
    if last is None:
        return 0
    count = session.query(AuditRecord).filter(AuditRecord.seq <= last.seq).count()
    session.add(AuditAnchor(last_seq=last.seq, last_hash=last.hash, pruned=count, at=now))
    session.flush()
    session.query(AuditRecord).filter(AuditRecord.seq <= last.seq).delete(synchronize_session=False)
    record(session, None, AuditAction.AUDIT_PRUNE, {"removed": count, "up_to_seq": last.seq, "retention_days": days}, now)
    return count


def recent(session: Session, limit: int = 200) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)))
