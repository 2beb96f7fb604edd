"""What the server does with a device's requests, independent of HTTP (app.py is the HTTP face)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from hallclient.models import utcnow
from sync import protocol
from sync.server import security
from sync.server import hallday
from sync.server.models import Device, Record, ServerCase, StreamRow, SupervisorDevice
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
    supervisor: bool = False  # a supervisor's PC: gets the hall's day (SupervisorDevice)


def authenticate(db: ServerDB, token: str | None) -> DeviceInfo:
    if not token:
        raise RequestRejected(401, "缺少设备令牌，请先注册本机（hallclient sync register）")
    with db.session(read_only=True) as s:
        found = s.execute(select(Device, SupervisorDevice.device_id)
                          .outerjoin(SupervisorDevice, SupervisorDevice.device_id == Device.device_id)
                          .where(Device.token_hash == token_hash(token))).first()
        if found is None or found[0].revoked:
            raise RequestRejected(401, "设备令牌无效或已吊销，请联系管理员重新注册本机")
        dev = found[0]
        return DeviceInfo(dev.id, dev.device_id, dev.name, dev.hall_code, supervisor=found[1] is not None)


def digest(kind: str, payload: dict[str, Any]) -> str:
    blob = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# Times a record may carry, in UTC. Wider than any real clock error, narrow enough that no
# conversion overflows: "0001-01-01T00:00+14:00" is year 0 in UTC and "9999-12-31T23:59-14:00"
# year 10000, neither of which Python, SQLite's text or the drivers can represent.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def _parse_time(v: Any) -> datetime | None:
    """A timezone-aware ISO 8601 time within [EARLIEST, LATEST), in UTC; None otherwise."""
    if not isinstance(v, str) or len(v) > 40:
        return None
    try:
        t = datetime.fromisoformat(v)
        if t.tzinfo is None or t.utcoffset() is None:
            return None
        t = t.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
    return t if EARLIEST <= t < LATEST else None


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
        return "created_at 不是带时区的 ISO 8601 时间，或不在 1970–2199 年之间"
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
            return "字段 at 缺失、不是带时区的 ISO 8601 时间，或不在 1970–2199 年之间"
        if not isinstance(payload.get("payload", {}), dict):
            return "字段 payload 必须是 JSON 对象"
        from sync.server.fees import validate_event

        return validate_event(payload["type"], payload.get("payload") or {})
    if kind == "certificate.issued":
        from sync.server import licences

        return licences.validate(payload)
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


def _case_id(payload: Any) -> str | None:
    """The case an item acts on, when it names one (case events, ratings, and later fees)."""
    cid = payload.get("case_id") if isinstance(payload, dict) else None
    return cid if isinstance(cid, str) and cid else None


def _foreign_number(case_no: Any, hall_code: str) -> bool:
    """A case number of the national shape (hall code + 8-digit day + window + seq) that
    another hall issued."""
    return isinstance(case_no, str) and case_no.isascii() and case_no.isdigit() and len(case_no) > 16 and case_no[:-16] != hall_code


def _push_once(db: ServerDB, device: DeviceInfo, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = utcnow()
    with db.session() as s:
        uuids = [it["uuid"] for it in items]
        existing = {
            r.uuid: r
            for r in s.execute(
                select(Record.uuid, Record.id, Record.digest, Record.received_at, Record.device_id).where(Record.uuid.in_(uuids))
            )
        }
        results: list[dict[str, Any] | None] = []
        fresh: list[tuple[int, dict[str, Any]]] = []  # (index in results, item) of valid new items
        for it in items:
            u = it["uuid"]
            prev = existing.get(u)
            if prev is not None:
                results.append(_repeat_result(u, it, prev, device))
                continue
            reason = validate_item(it)
            if reason:
                results.append(_rejected(u, 422, reason))
                continue
            results.append(None)
            fresh.append((len(results) - 1, it))
        # The cases these items act on, locked before they are read (see _lock_cases).
        cases = _lock_cases(s, {cid for _, it in fresh if (cid := _case_id(it["payload"]))})
        new_rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        issued: list[dict[str, Any]] = []
        for n, it in fresh:
            payload = it["payload"]
            cid = _case_id(payload)
            case = cases.get(cid) if cid else None
            if case is not None and case.hall_code != device.hall_code:
                results[n] = _rejected(it["uuid"], 403, "该办件属于其他大厅，本机无权操作")
                continue
            if it["kind"] == "case.event" and _foreign_number(payload.get("case_no"), device.hall_code):
                results[n] = _rejected(it["uuid"], 403, "办件编号属于其他大厅，本机无权使用")
                continue
            new_rows.append(
                {
                    "uuid": it["uuid"],
                    "device_id": device.id,
                    "kind": it["kind"],
                    "payload": payload,
                    "digest": digest(it["kind"], payload),
                    "created_at": _parse_time(it.get("created_at")),
                    "received_at": now,
                }
            )
            results[n] = {"uuid": it["uuid"], "status": protocol.ACCEPTED, "received_at": now.isoformat()}
            if it["kind"] == "case.event":
                events.append(payload)
            elif it["kind"] == "certificate.issued":
                issued.append(payload)
        if new_rows:
            s.execute(insert(Record), new_rows)
            ids = dict(s.execute(select(Record.uuid, Record.id).where(Record.uuid.in_([r["uuid"] for r in new_rows]))).all())
            for r in results:
                if r and r["status"] == protocol.ACCEPTED and "id" not in r:
                    r["id"] = ids[r["uuid"]]
        if events:
            prune_daily_streams(s, db.url, now)
            _fold_case_events(s, device, events, cases, now)
            from sync.server.fees import fold as fold_fees

            fold_fees(s, device.hall_code, events, now)
        # Audit records and password changes are not the hall's business of the day.
        day_rows = [r for r in new_rows if r["kind"] not in security.KINDS]
        if day_rows:
            hallday.publish_records(s, device.hall_code, day_rows, now)
        if issued:
            from sync.server import licences  # the 电子证照库

            licences.fold(s, device.hall_code, issued)
        security.after_push(s, [r for r in new_rows if r["kind"] in security.KINDS])
        dev = s.get(Device, device.id)
        dev.last_seen_at = now
        return [r for r in results if r is not None]


def _rejected(uuid: str, code: int, reason: str) -> dict[str, Any]:
    return {"uuid": uuid, "status": protocol.REJECTED, "code": code, "reason": reason}


def _repeat_result(u: str, it: dict[str, Any], prev, device: DeviceInfo) -> dict[str, Any]:
    """A UUID stored before: the earlier result, but only for the device that stored it and
    the same content. Another device learns nothing about that record."""
    if prev.device_id != device.id:
        return _rejected(u, 409, "该记录编号已由另一台设备提交，本机不能使用")
    if prev.digest != digest(it.get("kind"), it.get("payload")):
        return _rejected(u, 409, "该记录编号已用于另一条不同的记录")
    return {"uuid": u, "status": protocol.ACCEPTED, "id": prev.id, "received_at": prev.received_at.isoformat(), "repeat": True}


def _lock_cases(s, ids: set[str]) -> dict[str, ServerCase]:
    """The server's cases of `ids`, locked (PostgreSQL; SQLite serialises whole write
    transactions) and read only once the lock is held, so a back-office decision committed
    meanwhile is seen, not overwritten. Sorted, so two pushes sharing cases take the locks in
    one order and cannot deadlock."""
    ordered = sorted(ids)
    cases: dict[str, ServerCase] = {}
    for i in range(0, len(ordered), 500):
        stmt = select(ServerCase).where(ServerCase.case_id.in_(ordered[i : i + 500])).order_by(ServerCase.case_id).with_for_update()
        for c in s.scalars(stmt.execution_options(populate_existing=True)):
            cases[c.case_id] = c
    return cases


def _fold_case_events(s, device: DeviceInfo, events: list[dict[str, Any]], cases: dict[str, ServerCase], now: datetime) -> None:
    """Update the server's cases (locked by _lock_cases) from their events and publish them on
    the hall's `cases_today` stream (the supervisors' view of the day)."""
    touched: dict[str, ServerCase] = {}
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
        touched[c.case_id] = c
    publish(s, "cases_today", [(c.hall_code, c.case_id, case_row(c)) for c in touched.values()], now)


def case_row(c: ServerCase) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "case_no": c.case_no,
        "state": c.state,
        "last_event": c.last_event,
        "item_code": c.item_code,
        "updated_at": c.updated_at.isoformat() if c.updated_at else None,
    }


# The halls' calendar day: all of China keeps UTC+8 (no daylight saving).
HALL_TZ = timezone(timedelta(hours=8), "CST")
DAILY_STREAMS = frozenset({"cases_today"})  # rows visible only on the day they last changed


SUPERVISOR_STREAMS = frozenset({"hall_day"})
NOT_SUPERVISOR = "本机未被登记为值班长电脑，中心服务器不下发全大厅办件数据：请管理员用 server admin supervisor-device 登记本机"


def day_start(now: datetime | None = None) -> datetime:
    """Midnight of the halls' current day, in UTC."""
    local = (now or utcnow()).astimezone(HALL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def _stream_filter(stream: str, device: DeviceInfo, since: datetime):
    scope = device.hall_code if stream in protocol.HALL_STREAMS else ""
    conds = [StreamRow.stream == stream, StreamRow.scope == scope]
    if stream in DAILY_STREAMS:
        conds.append(StreamRow.changed_at >= since)
    return conds


def pull(db: ServerDB, device: DeviceInfo, cursors: dict[str, str], limit: int) -> dict[str, Any]:
    """Rows after each stream's cursor, oldest first, at most `limit` per stream. A daily
    stream (`cases_today`) carries only rows changed on the halls' current day."""
    since = day_start()
    out: dict[str, Any] = {}
    with db.session(read_only=True) as s:
        for stream, cursor in cursors.items():
            after = parse_cursor(cursor)
            if stream in SUPERVISOR_STREAMS and not device.supervisor:
                # Every window's cases with the applicants: for the supervisor's PC only.
                out[stream] = {"rows": [], "cursor": str(after), "more": False, "denied": NOT_SUPERVISOR}
                continue
            rows = s.execute(
                select(StreamRow.seq, StreamRow.key, StreamRow.data)
                .where(*_stream_filter(stream, device, since), StreamRow.seq > after)
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


_pruned_before: dict[str, datetime] = {}  # database URL -> the day start last pruned to


def prune_daily_streams(s, url: str, now: datetime) -> None:
    """Delete rows of daily streams from earlier days, in the caller's write transaction, once
    per day and process (any process may; it is idempotent). A device already holds them and
    a new one must not get them; pulls filter by day anyway, so this only keeps the stream a
    day long. Done by writers (never by a pull, which must not take SQLite's write lock)."""
    since = day_start(now)
    if _pruned_before.get(url) == since:
        return
    from sqlalchemy import delete

    s.execute(delete(StreamRow).where(StreamRow.stream.in_(DAILY_STREAMS), StreamRow.changed_at < since))
    _pruned_before[url] = since


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

    since = day_start()
    out = {}
    with db.session(read_only=True) as s:
        for stream in protocol.STREAMS:
            top = s.scalar(select(func.max(StreamRow.seq)).where(*_stream_filter(stream, device, since)))
            out[stream] = str(top or 0)
    return out
