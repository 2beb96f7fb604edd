"""Back-office commands of the reference server: devices, catalogue, users, calendar,
appointments, decisions, statistics. Each validates its input and changes nothing on error."""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from hallclient.errors import HallError
from hallclient.models import utcnow
from sync import protocol
from sync.server.models import Device, Record, ServerCase, StreamRow, SupervisorDevice
from sync.server.fees import stats as fee_stats
from sync.server.service import case_row
from sync.server.store import ServerDB, publish, token_hash


class AdminError(HallError):
    pass


def register_device(db: ServerDB, name: str, hall_code: str, supervisor: bool = False) -> dict[str, Any]:
    """Issue a device token. Only its hash is stored: the token is shown this once.
    `supervisor`: a supervisor's PC, which also gets the hall's day (set_supervisor_device)."""
    if not name.strip() or len(name) > 100:
        raise AdminError("设备名称不能为空，且不超过 100 字")
    if not hall_code.isdigit() or not 6 <= len(hall_code) <= 12:
        raise AdminError("大厅编码应为 6–12 位数字")
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # `--token -abc…` would read as an option on a command line
        token = secrets.token_urlsafe(32)
    dev_id = str(uuid.uuid4())
    with db.session() as s:
        s.add(Device(device_id=dev_id, name=name.strip(), hall_code=hall_code, token_hash=token_hash(token), created_at=utcnow()))
        if supervisor:
            s.flush()
            s.add(SupervisorDevice(device_id=dev_id, granted_at=utcnow()))
    return {"device_id": dev_id, "name": name.strip(), "hall_code": hall_code, "supervisor": supervisor, "token": token}


def set_supervisor_device(db: ServerDB, device_id: str, supervisor: bool) -> dict[str, Any]:
    """Mark (or unmark) a registered device as a supervisor's PC: only those pull the hall's
    day (every window's cases, with the applicants). Takes effect at its next pull."""
    with db.session() as s:
        dev = s.scalars(select(Device).where(Device.device_id == device_id.strip())).first()
        if dev is None:
            raise AdminError(f"没有设备 {device_id}（用 list-devices 查看设备 ID）")
        row = s.get(SupervisorDevice, dev.device_id)
        if supervisor and row is None:
            s.add(SupervisorDevice(device_id=dev.device_id, granted_at=utcnow()))
        elif not supervisor and row is not None:
            s.delete(row)
        return {"device_id": dev.device_id, "name": dev.name, "hall_code": dev.hall_code, "supervisor": supervisor}


def _check_catalogue(data: Any) -> None:
    """Prove the catalogue loads: run the client's own loader on a scratch in-memory store."""
    from hallclient.catalogue import load_catalogue
    from hallclient.models import Base

    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise AdminError("目录文件应为 JSON 对象，含 items 列表")
    eng = create_engine("sqlite://")
    Base.metadata.create_all(eng)
    try:
        with Session(eng) as s:
            from hallclient.catalogue import demo_catalogue

            # Case types and departments the file refers to may be known only from the demo set.
            base = demo_catalogue()
            load_catalogue(s, {"case_types": base["case_types"], "departments": base["departments"], "items": []})
            load_catalogue(s, data)
    except AdminError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure of the loader is a defect of the file
        raise AdminError(f"目录文件无效：{type(e).__name__}: {e}") from None
    finally:
        eng.dispose()


def load_catalogue(db: ServerDB, data: dict[str, Any]) -> dict[str, int]:
    """Publish a catalogue (the JSON shape hallclient.catalogue.load_catalogue takes) as the
    whole current catalogue: only rows that changed get a new seq, and rows no longer in it
    are withdrawn (tombstones; devices retire the items). Returns the counts."""
    _check_catalogue(data)
    depts = {d["code"]: d for d in data.get("departments", [])}
    rows: dict[str, dict] = {}
    for ct in data.get("case_types", []):
        rows[f"type:{ct['key']}"] = {"case_types": [ct]}
    for d in depts.values():
        rows[f"dept:{d['code']}"] = {"departments": [d]}
    for it in data["items"]:
        row = {"items": [it]}
        if it["department"] in depts:
            row["departments"] = [depts[it["department"]]]
        rows[f"item:{it['code']}"] = row
    for t in data.get("certificate_templates", []):  # validated by the loader above
        rows[f"tpl:{t['key']}"] = {"certificate_templates": [t]}
    with db.session() as s:
        live = {
            r.key: r.data
            for r in s.execute(select(StreamRow.key, StreamRow.data).where(StreamRow.stream == "catalogue", StreamRow.scope == ""))
            if r.data is not None
        }
        changed = [("", k, v) for k, v in rows.items() if live.get(k) != v]
        withdrawn = [("", k, None) for k in live if k not in rows]
        publish(s, "catalogue", changed + withdrawn)
    return {
        "items": len(data["items"]),
        "changed": len(changed),
        "withdrawn_items": sum(1 for _, k, _ in withdrawn if k.startswith("item:")),
        "withdrawn": len(withdrawn),
    }


def add_user(db: ServerDB, username: str, display_name: str, role: str, password: str, active: bool = True,
             must_change_password: bool = False) -> dict[str, Any]:
    """Publish a user with an Argon2 hash of the password (devices log in offline with it).
    `must_change_password`: an initial password, to be changed at the first login."""
    from hallclient.accounts import Role, hash_password

    if role not in {r.value for r in Role}:
        raise AdminError(f"角色应为：{'、'.join(r.value for r in Role)}")
    if not username.strip() or len(username) > 40 or not display_name.strip() or len(display_name) > 40:
        raise AdminError("用户名和姓名不能为空，且不超过 40 字")
    if len(password) < 6:
        raise AdminError("密码至少 6 位")
    data = {"username": username.strip(), "display_name": display_name.strip(), "role": role, "password_hash": hash_password(password), "active": active,
            "must_change_password": bool(must_change_password)}
    with db.session() as s:
        publish(s, "users", [("", data["username"], data)])
    return {k: v for k, v in data.items() if k != "password_hash"}


def load_calendar(db: ServerDB, data: Any) -> int:
    """Publish a year's official schedule: {"year": 2027, "days": {"2027-01-01": [false, "元旦"]}}."""
    if not isinstance(data, dict) or not isinstance(data.get("year"), int) or not isinstance(data.get("days"), dict):
        raise AdminError('日历文件应为 {"year": 年份, "days": {"YYYY-MM-DD": [是否工作日, "名称"]}}')
    year = data["year"]
    for k, v in data["days"].items():
        try:
            d = date.fromisoformat(k)
        except (TypeError, ValueError):
            raise AdminError(f"日期无效：{k}") from None
        if d.year != year:
            raise AdminError(f"{k} 不在 {year} 年")
        if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], bool) and isinstance(v[1], str)):
            raise AdminError(f"{k} 的值应为 [是否工作日, 名称]")
    with db.session() as s:
        publish(s, "calendar", [("", str(year), {"year": year, "days": data["days"]})])
    return len(data["days"])


def load_appointments(db: ServerDB, hall_code: str, items: Any) -> int:
    """Publish a hall's appointments: [{"id", "item_code", "start", "name", ...}]."""
    if not isinstance(items, list) or not all(isinstance(a, dict) and isinstance(a.get("id"), str) and a["id"] for a in items):
        raise AdminError('预约文件应为列表，每项含文本字段 "id"')
    with db.session() as s:
        publish(s, "appointments", [(hall_code, a["id"][:80], a) for a in items])
    return len(items)


def decide(db: ServerDB, case_ref: str, approve: bool, reason: str = "", hall_code: str | None = None,
           fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The back office's decision on a case, named by its id or its number (with `hall_code`
    when halls reused a number); published on the case's own hall's approvals stream. Only a
    case waiting for a decision (state in DECIDABLE_STATES, not decided before) may get one.
    `fields`: certificate fields the approval fixes (经营范围, 注册资本 …), sent with it."""
    if fields is not None and (not isinstance(fields, dict) or len(fields) > 40
                               or not all(isinstance(k, str) and isinstance(v, str) and len(v) <= 2000 for k, v in fields.items())):
        raise AdminError("证照字段应为 名称=内容，最多 40 项，每项不超过 2000 字")
    decision = "approve" if approve else "deny"
    if not approve and not reason.strip():
        reason = "不予批准"
    if len(reason) > 500:
        raise AdminError("理由不超过 500 字")
    now = utcnow()
    with db.session() as s:
        # Locked like a push locks its cases, so neither overwrites the other's change.
        by = ServerCase.case_id == case_ref if protocol.UUID_RE.match(case_ref) else ServerCase.case_no == case_ref
        stmt = select(ServerCase).where(by)
        if hall_code:
            stmt = stmt.where(ServerCase.hall_code == hall_code)
        cases = s.scalars(stmt.order_by(ServerCase.case_id).with_for_update()).all()
        if not cases:
            raise AdminError(f"中心服务器上没有办件 {case_ref}（窗口的记录可能尚未同步）")
        if len(cases) > 1:
            listed = "；".join(f"{c.case_id}（大厅 {c.hall_code}）" for c in cases[:10])
            raise AdminError(f"办件编号 {case_ref} 对应多个办件：{listed}。请改用办件 ID，或加 --hall 大厅编码")
        c = cases[0]
        if c.decision is not None:
            raise AdminError(f"办件 {c.case_no or c.case_id} 已有审批决定（{c.state}），不能再次决定")
        if c.state not in protocol.DECIDABLE_STATES:
            raise AdminError(f"办件 {c.case_no or c.case_id} 当前状态为 {c.state}，只有已受理的办件可以审批")
        c.decision, c.reason, c.decided_at, c.updated_at = decision, reason.strip() or None, now, now
        c.state = protocol.DECISION_STATES[decision]
        result = {
            "case_id": c.case_id,
            "case_no": c.case_no,
            "hall_code": c.hall_code,
            "decision": decision,
            "state": c.state,
            "reason": c.reason,
            "decided_at": now.isoformat(),
        }
        if fields and approve:
            result["fields"] = fields
        publish(s, "approvals", [(c.hall_code, c.case_id, result)], now)
        publish(s, "cases_today", [(c.hall_code, c.case_id, case_row(c))], now)
    return result


def revoke_device(db: ServerDB, device_id: str) -> dict[str, Any]:
    """Revoke a device's token: its next request is refused (401). Not reversible: a PC that
    is trusted again gets a new registration and token."""
    with db.session() as s:
        dev = s.scalars(select(Device).where(Device.device_id == device_id.strip())).first()
        if dev is None:
            raise AdminError(f"没有设备 {device_id}（用 list-devices 查看设备 ID）")
        was = dev.revoked
        dev.revoked = True
        return {"device_id": dev.device_id, "name": dev.name, "hall_code": dev.hall_code, "revoked": True, "already_revoked": was}


def list_devices(db: ServerDB, hall_code: str | None = None) -> list[dict[str, Any]]:
    with db.session(read_only=True) as s:
        supervisors = set(s.scalars(select(SupervisorDevice.device_id)))
        stmt = select(Device).order_by(Device.hall_code, Device.name, Device.id)
        if hall_code:
            stmt = stmt.where(Device.hall_code == hall_code)
        return [
            {
                "device_id": d.device_id,
                "name": d.name,
                "hall_code": d.hall_code,
                "revoked": d.revoked,
                "supervisor": d.device_id in supervisors,
                "created_at": d.created_at.isoformat() if d.created_at else None,
                "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            }
            for d in s.scalars(stmt)
        ]


def stats(db: ServerDB) -> dict[str, Any]:
    with db.session(read_only=True) as s:
        by_kind = dict(s.execute(select(Record.kind, func.count()).group_by(Record.kind)).all())
        streams = dict(s.execute(select(StreamRow.stream, func.count()).group_by(StreamRow.stream)).all())
        return {
            "devices": s.scalar(select(func.count()).select_from(Device)),
            "records": s.scalar(select(func.count()).select_from(Record)),
            "distinct_uuids": s.scalar(select(func.count(func.distinct(Record.uuid)))),
            "cases": s.scalar(select(func.count()).select_from(ServerCase)),
            "events": by_kind.get("case.event", 0),
            "records_by_kind": by_kind,
            "decided": s.scalar(select(func.count()).select_from(ServerCase).where(ServerCase.decision.is_not(None))),
            "stream_rows": streams,
            "fees": fee_stats(s),
        }
