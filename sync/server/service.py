"""What the server does with a device's requests, independent of HTTP (app.py is the HTTP face)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hallclient.models import utcnow
from sync import protocol
from sync.server import security
from sync.server.models import Device, Record, ServerCase, StreamRow
from sync.server.store import ServerDB, publish, token_hash


class RequestRejected(Exception):
    """A request the server refuses as a whole: HTTP `status` with a reason (Chinese)."""

    def __init__(self, status: int, reason: str, retry_after: int | None = None):
        super().__init__(reason)
        self.status, self.reason, self.retry_after = status, reason, retry_after


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    device_id: str
    name: str
    hall_code: str


def authenticate(db: ServerDB, token: str | None) -> DeviceInfo:
    if not token:
        raise RequestRejected(401, "缺少设备令牌，请先注册本机（hallclient sync register）")
    with db.session(read_only=True) as s:
        dev = s.scalars(select(Device).where(Device.token_hash == token_hash(token))).first()
        if dev is None or dev.revoked:
            raise RequestRejected(401, "设备令牌无效或已吊销，请联系管理员重新注册本机")
        return DeviceInfo(dev.id, dev.device_id, dev.name, dev.hall_code)


def digest(kind: str, payload: dict[str, Any]) -> str:
    blob = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _parse_time(v: Any) -> datetime | None:
    if not isinstance(v, str) or len(v) > 40:
        return None
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return None
    return t if t.tzinfo is not None else None


def _short_str(p: dict, key: str, limit: int, required: bool = True) -> str | None:
    v = p.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v or len(v) > limit:
        raise ValueError(f"字段 {key} 缺失或无效（应为不超过 {limit} 字的文本）")
    return v


def validate_item(item: dict[str, Any]) -> str | None:
    """Why an item cannot be accepted (Chinese), or None. Checks the envelope and, for the
    kinds the server interprets, the payload's fields."""
    kind, payload = item.get("kind"), item.get("payload")
    if not isinstance(kind, str) or len(kind) > 30 or not protocol.KIND_RE.match(kind):
        return "记录类型无效"
    if not isinstance(payload, dict):
        return "记录内容必须是 JSON 对象"
    if len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) > protocol.MAX_PAYLOAD_BYTES:
        return f"记录内容超过 {protocol.MAX_PAYLOAD_BYTES // 1024} KB 上限"
    if item.get("created_at") is not None and _parse_time(item.get("created_at")) is None:
        return "created_at 不是带时区的 ISO 8601 时间"
    if kind in security.KINDS:
        return security.validate(kind, payload)
    if kind == "case.event":
        try:
            _short_str(payload, "case_id", 36)
            _short_str(payload, "type", 30)
            _short_str(payload, "state", 20)
            _short_str(payload, "case_no", 40, required=False)
        except ValueError as e:
            return str(e)
        if _parse_time(payload.get("at")) is None:
            return "字段 at 缺失或不是带时区的 ISO 8601 时间"
        if not isinstance(payload.get("payload", {}), dict):
            return "字段 payload 必须是 JSON 对象"
    return None


def push(db: ServerDB, device: DeviceInfo, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store a batch exactly once per UUID; one result per item, in order.

    A UUID seen before is answered with its earlier result (and `repeat`); a UUID reused for
    different content, or an invalid item, is rejected with a reason and stored nowhere."""
    for _attempt in range(3):
        try:
            return _push_once(db, device, items)
        except IntegrityError:
            # A concurrent request (the client's retry of a timed-out push) inserted some of
            # these UUIDs first; on the next attempt they are found and answered as repeats.
            continue
    # Still colliding: a state of the server, not a fault of these items. A 4xx would make
    # the client park good records; 503 makes it keep them pending and retry.
    raise RequestRejected(503, "并发提交冲突，服务器繁忙，请稍后重试", retry_after=2)


def _push_once(db: ServerDB, device: DeviceInfo, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = utcnow()
    with db.session() as s:
        uuids = [it["uuid"] for it in items]
        existing = {r.uuid: r for r in s.execute(select(Record.uuid, Record.id, Record.digest, Record.received_at).where(Record.uuid.in_(uuids)))}
        results: list[dict[str, Any]] = []
        new_rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for it in items:
            u = it["uuid"]
            prev = existing.get(u)
            if prev is not None:
                if prev.digest != digest(it.get("kind"), it.get("payload")):
                    results.append({"uuid": u, "status": protocol.REJECTED, "code": 409, "reason": "该记录编号已用于另一条不同的记录"})
                else:
                    results.append({"uuid": u, "status": protocol.ACCEPTED, "id": prev.id, "received_at": prev.received_at.isoformat(), "repeat": True})
                continue
            reason = validate_item(it)
            if reason:
                results.append({"uuid": u, "status": protocol.REJECTED, "code": 422, "reason": reason})
                continue
            new_rows.append(
                {
                    "uuid": u,
                    "device_id": device.id,
                    "kind": it["kind"],
                    "payload": it["payload"],
                    "digest": digest(it["kind"], it["payload"]),
                    "created_at": _parse_time(it.get("created_at")),
                    "received_at": now,
                }
            )
            results.append({"uuid": u, "status": protocol.ACCEPTED, "received_at": now.isoformat()})
            if it["kind"] == "case.event":
                events.append(it["payload"])
        if new_rows:
            s.execute(insert(Record), new_rows)
            ids = dict(s.execute(select(Record.uuid, Record.id).where(Record.uuid.in_([r["uuid"] for r in new_rows]))).all())
            for r in results:
                if r["status"] == protocol.ACCEPTED and "id" not in r:
                    r["id"] = ids[r["uuid"]]
        if events:
            _fold_case_events(s, device, events, now)
        security.after_push(s, [r for r in new_rows if r["kind"] in security.KINDS])
        dev = s.get(Device, device.id)
        dev.last_seen_at = now
        return results


def _fold_case_events(s, device: DeviceInfo, events: list[dict[str, Any]], now: datetime) -> None:
    """Update the server's cases from their events and publish them on the hall's
    `cases_today` stream (the supervisors' view of the day)."""
    # Locked (PostgreSQL; SQLite serialises whole write transactions) and read only once the
    # lock is held, so a back-office decision committed meanwhile is seen, not overwritten.
    # Sorted, so two pushes sharing cases take the locks in one order and cannot deadlock.
    ids = sorted({e["case_id"] for e in events})
    cases: dict[str, ServerCase] = {}
    for i in range(0, len(ids), 500):
        stmt = select(ServerCase).where(ServerCase.case_id.in_(ids[i : i + 500])).order_by(ServerCase.case_id).with_for_update()
        for c in s.scalars(stmt.execution_options(populate_existing=True)):
            cases[c.case_id] = c
    for e in events:
        c = cases.get(e["case_id"])
        if c is None:
            c = ServerCase(case_id=e["case_id"], hall_code=device.hall_code, state=e["state"], last_event=e["type"], events=0)
            s.add(c)
            cases[c.case_id] = c
        if c.decision is None:  # a back-office decision outranks later window states
            c.state = e["state"]
        c.last_event = e["type"]
        c.case_no = e.get("case_no") or c.case_no
        inner = e.get("payload") or {}
        if isinstance(inner.get("item_code"), str):
            c.item_code = inner["item_code"][:40]
        c.events = (c.events or 0) + 1
        c.updated_at = now
    publish(s, "cases_today", [(c.hall_code, c.case_id, case_row(c)) for c in cases.values()], now)


def case_row(c: ServerCase) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "case_no": c.case_no,
        "state": c.state,
        "last_event": c.last_event,
        "item_code": c.item_code,
        "updated_at": c.updated_at.isoformat() if c.updated_at else None,
    }


def pull(db: ServerDB, device: DeviceInfo, cursors: dict[str, str], limit: int) -> dict[str, Any]:
    """Rows after each stream's cursor, oldest first, at most `limit` per stream."""
    out: dict[str, Any] = {}
    with db.session(read_only=True) as s:
        for stream, cursor in cursors.items():
            after = parse_cursor(cursor)
            scopes = [""] if stream not in protocol.HALL_STREAMS else [device.hall_code]
            rows = s.execute(
                select(StreamRow.seq, StreamRow.key, StreamRow.data)
                .where(StreamRow.stream == stream, StreamRow.scope.in_(scopes), StreamRow.seq > after)
                .order_by(StreamRow.seq)
                .limit(limit + 1)
            ).all()
            more = len(rows) > limit
            rows = rows[:limit]
            out[stream] = {
                "rows": [{"seq": r.seq, "key": r.key, "data": r.data} for r in rows],
                "cursor": str(rows[-1].seq) if rows else str(after),
                "more": more,
            }
    return out


MAX_CURSOR = 2**63 - 1  # seq is a signed 64-bit column on both databases


def parse_cursor(cursor: str) -> int:
    if cursor in ("", None):
        return 0
    # ASCII digits only: str.isdigit() accepts "١٢" (int() reads it) and "²" (int() fails).
    if not isinstance(cursor, str) or not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 19:
        raise RequestRejected(422, f"游标无效：{str(cursor)[:40]!r}")
    value = int(cursor)
    if value > MAX_CURSOR:  # binding it would overflow the driver's 64-bit integer
        raise RequestRejected(400, f"游标超出范围（最大 {MAX_CURSOR}）")
    return value


def high_water(db: ServerDB, device: DeviceInfo) -> dict[str, str]:
    """Each stream's latest seq visible to the device: the end of a snapshot bootstrap."""
    from sqlalchemy import func

    out = {}
    with db.session(read_only=True) as s:
        for stream in protocol.STREAMS:
            scopes = [""] if stream not in protocol.HALL_STREAMS else [device.hall_code]
            top = s.scalar(select(func.max(StreamRow.seq)).where(StreamRow.stream == stream, StreamRow.scope.in_(scopes)))
            out[stream] = str(top or 0)
    return out
