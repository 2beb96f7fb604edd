"""One sync cycle against the central server: push the outbox, then pull every stream.

Push: pending outbox rows in `id` order, in batches. The server answers each item; accepted
ones become 'sent', rejected ones are parked ('rejected' with the reason) and never block the
rows behind them. If the server refuses a whole batch (a protocol 4xx), the batch is halved
until the offending item stands alone and is parked. A transient failure leaves every row
pending: the next attempt resends the same UUIDs and the server answers repeats with its
earlier result. A batch that fails with HTTP 500 a second time in a row is halved the same way
(one item that crashes the server must not hold back the rows behind it); the culprit stays
pending, and the cycle ends with an error naming how many were held back.

Pull: one request carries every stream's cursor; each page's rows and the new cursors are
saved in one local transaction, so a crash between pages resumes where it stopped.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from hallclient import audit, settings
from hallclient.db import Store
from hallclient.errors import HallError
from hallclient.models import OutboxEntry, SyncCursor, utcnow
from hallclient.queue.model import HALL_TZ
from hallclient.syncstate import MirrorRow, SyncState
from sync import protocol
from sync import hallday
from sync.apply import apply_rows, prune_daily_mirror
from sync.transport import SERVER_ERROR, Exchange, Refused, SyncFailure, SyncHTTP, Transient

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500
DEFAULT_PULL_LIMIT = 1000


class NotConfigured(HallError):
    pass


@dataclass
class Counts:
    pending: int
    rejected: int


@dataclass
class CycleReport:
    pushed: int = 0
    pulled: int = 0
    rejected: int = 0  # parked now, in total (the same meaning as `sync status`)
    pending: int = 0  # left after the cycle
    rejected_now: int = 0  # of those, parked during this cycle
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_state(store: Store) -> SyncState:
    """The sync state row, detached (a blank one, not stored, before the first registration:
    reading never writes)."""
    with store.read() as s:
        st = s.get(SyncState, 1)
        if st is None:
            return SyncState(id=1)
        s.expunge(st)
        return st


def server_url(store: Store) -> str:
    with store.read() as s:
        return (settings.get(s, settings.SYNC_SERVER_URL) or "").strip()


def counts(store: Store) -> Counts:
    """Pending and rejected outbox rows (index ix_outbox_status_id: cost follows those rows)."""
    with store.read() as s:
        n = dict(
            s.execute(
                select(OutboxEntry.status, func.count()).where(OutboxEntry.status.in_(("pending", "rejected"))).group_by(OutboxEntry.status)
            ).all()
        )
    return Counts(n.get("pending", 0), n.get("rejected", 0))


def _ca_bundle(store: Store) -> str | None:
    """The hall's CA bundle for the central server's certificate (setting), or None."""
    with store.session() as s:
        return settings.get(s, settings.SYNC_CA_BUNDLE) or None


def register(store: Store, url: str, token: str, http: SyncHTTP | None = None, actor=None) -> dict[str, Any]:
    """Check the token with the server, then store the URL and token locally; with `actor`
    (the person registering: a user, or the OS account at the command line) an audit record
    of the device token change goes in the same transaction."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise NotConfigured("服务器地址应以 http:// 或 https:// 开头")
    if not token.strip():
        raise NotConfigured("设备令牌不能为空")
    http = http or SyncHTTP(url, token.strip(), ca_bundle=_ca_bundle(store))
    try:
        ex = http.post("/hello", {})
    except SyncFailure as e:
        raise NotConfigured(f"注册失败：{e.message}") from None
    finally:
        http.close()
    b = ex.body
    if b.get("protocol") != protocol.PROTOCOL_VERSION:
        raise NotConfigured(f"中心服务器的同步协议版本 {b.get('protocol')} 与本机 {protocol.PROTOCOL_VERSION} 不一致")
    with store.write() as s:
        st = s.get(SyncState, 1) or SyncState(id=1)
        old = ((settings.get(s, settings.SYNC_SERVER_URL) or "").strip().rstrip("/"), st.device_id, st.hall_code)
        if old != (url, b.get("device_id"), b.get("hall_code")):
            # Cursors and mirrored rows belong to one server's sequence and one hall: kept
            # across a change they would skip rows of the new one (or show the old hall's).
            s.execute(delete(SyncCursor))
            s.execute(delete(MirrorRow))
        settings.set_value(s, settings.SYNC_SERVER_URL, url)
        if b.get("hall_code"):
            try:
                # Case numbers start with the hall code: it must be the registered hall's,
                # never the default a new installation started with.
                settings.set_value(s, settings.HALL_CODE, b["hall_code"])
            except ValueError as e:
                raise NotConfigured(f"中心服务器给出的大厅编码无效：{e}") from None
        st.device_id, st.device_name, st.hall_code = b.get("device_id"), b.get("name"), b.get("hall_code")
        st.token, st.registered_at, st.clock_offset_ms = token.strip(), utcnow(), ex.clock_offset_ms
        s.add(st)
        if actor is not None:  # a person registered the PC (the command line, a dialog): audited
            # Which device and hall, never the token itself.
            audit.record(s, actor, audit.AuditAction.DEVICE_TOKEN_CHANGE,
                         {"server": url, "device_id": b.get("device_id"), "hall_code": b.get("hall_code")})
    return {"device_id": b.get("device_id"), "name": b.get("name"), "hall_code": b.get("hall_code"), "server": url, "clock_offset_ms": ex.clock_offset_ms}


#: Single rows held back in one cycle (each made the server fail with 500) before the cycle
#: gives up: bounds the requests of a cycle against a server that fails on nearly everything.
MAX_HELD_BACK = 5


class SyncEngine:
    """Runs cycles for one store against one server. Owned by one thread at a time."""

    def __init__(self, store: Store, http: SyncHTTP, batch: int = DEFAULT_BATCH, pull_limit: int = DEFAULT_PULL_LIMIT):
        self.store, self.http = store, http
        self.batch, self.pull_limit = batch, pull_limit
        self._held_back: list[int] = []  # rows left pending this cycle: each made the server fail
        self._answered = False  # some push of this cycle succeeded: the server itself works

    @classmethod
    def from_store(cls, store: Store, **kw: Any) -> "SyncEngine":
        url, st = server_url(store), load_state(store)
        if not url or not st.token:
            raise NotConfigured("尚未配置中心服务器：请管理员在本机运行 hallclient sync register 注册设备")
        return cls(store, SyncHTTP(url, st.token, ca_bundle=_ca_bundle(store)), **kw)

    def close(self) -> None:
        self.http.close()

    # -- the cycle ----------------------------------------------------------------------------
    def cycle(self) -> CycleReport:
        """Push everything pending, then pull every stream to its end. Raises SyncFailure
        (with the progress so far in `.report`) when the server cannot be reached."""
        report = CycleReport()
        self._mark_attempt()
        self._held_back, self._answered = [], False
        try:
            self.push_all(report)
            supervisor = hallday.is_supervisor_pc(self.store)
            self.pull_all(report, protocol.STREAMS if supervisor else hallday.WINDOW_STREAMS)
            if supervisor:
                hallday.pull_queue_log(self.store)
            if self._held_back:
                raise Transient(
                    f"有 {len(self._held_back)} 条记录每次发送都使中心服务器出错（HTTP 500），已暂缓发送，其余记录照常同步；"
                    "稍后将自动重试，如持续出现请联系管理员查看中心服务器日志"
                )
        except SyncFailure as e:
            report.error = e.message
            self._mark_result(e.message)
            c = counts(self.store)
            report.pending, report.rejected = c.pending, c.rejected
            e.report = report  # type: ignore[attr-defined]
            raise
        self._mark_result(None)
        c = counts(self.store)
        report.pending, report.rejected = c.pending, c.rejected
        return report

    # -- push ---------------------------------------------------------------------------------
    def push_all(self, report: CycleReport) -> None:
        after = 0
        while True:
            with self.store.read() as s:
                batch = s.execute(
                    select(OutboxEntry.id, OutboxEntry.uuid, OutboxEntry.kind, OutboxEntry.payload, OutboxEntry.created_at, OutboxEntry.last_error)
                    .where(OutboxEntry.status == "pending", OutboxEntry.id > after)
                    .order_by(OutboxEntry.id)
                    .limit(self.batch)
                ).all()
            if not batch:
                return
            self._push_batch(list(batch), report)
            after = batch[-1].id

    def _push_batch(self, rows: list, report: CycleReport, bisecting: bool = False) -> None:
        items = [{"uuid": r.uuid, "kind": r.kind, "payload": r.payload, "created_at": r.created_at.isoformat() if r.created_at else None} for r in rows]
        try:
            ex = self._exchange("/push", {"items": items}, rows)
        except Refused as e:
            if len(rows) == 1:
                self._park({rows[0].id: f"{e.message}（HTTP {e.status}）"})
                report.rejected_now += 1
                return
            mid = len(rows) // 2  # find the item the server objects to; the rest go through
            self._push_batch(rows[:mid], report, bisecting)
            self._push_batch(rows[mid:], report, bisecting)
            return
        except Transient as e:
            # Only a repeated 500 (the server failing on this content), never 502/503/504 or the
            # network (an outage, where halving would only multiply requests).
            if e.status != 500 or not (bisecting or (rows[0].last_error or "").startswith(SERVER_ERROR)):
                raise
            if len(rows) > 1:
                mid = len(rows) // 2
                self._push_batch(rows[:mid], report, True)
                self._push_batch(rows[mid:], report, True)
                return
            self._held_back.append(rows[0].id)  # stays pending (its attempt is noted)
            if (not self._answered and len(self._held_back) >= 2) or len(self._held_back) >= MAX_HELD_BACK:
                # nothing succeeds at all, or too many single items fail: the server is
                # broken, not one item; stop here instead of sending every row alone
                raise
            return
        self._answered = True
        results = ex.body.get("results")
        by_uuid = {r.uuid: r.id for r in rows}
        if not isinstance(results, list) or len(results) != len(rows) or not all(
            isinstance(x, dict) and x.get("uuid") in by_uuid and x.get("status") in (protocol.ACCEPTED, protocol.REJECTED) for x in results
        ):
            raise Transient("中心服务器的应答不完整或无法识别，稍后将自动重试")
        sent = [by_uuid[x["uuid"]] for x in results if x["status"] == protocol.ACCEPTED]
        parked = {by_uuid[x["uuid"]]: str(x.get("reason") or "中心服务器拒收")[:500] for x in results if x["status"] == protocol.REJECTED}
        now = utcnow()
        with self.store.write() as s:
            for i in range(0, len(sent), 500):
                s.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_(sent[i : i + 500]))
                    .values(status="sent", sent_at=now, attempts=OutboxEntry.attempts + 1, last_error=None)
                )
            self._park_in(s, parked)
        report.pushed += len(sent)
        report.rejected_now += len(parked)

    def _park(self, reasons: dict[int, str]) -> None:
        with self.store.write() as s:
            self._park_in(s, reasons)

    @staticmethod
    def _park_in(s, reasons: dict[int, str]) -> None:
        for oid, reason in reasons.items():
            s.execute(
                update(OutboxEntry).where(OutboxEntry.id == oid).values(status="rejected", last_error=reason, attempts=OutboxEntry.attempts + 1)
            )
            log.warning("outbox item %s rejected by the server: %s", oid, reason)

    # -- pull ---------------------------------------------------------------------------------
    def pull_all(self, report: CycleReport, streams: tuple[str, ...] = protocol.STREAMS) -> None:
        with self.store.read() as s:
            cursors = {c.stream: c.cursor for c in s.scalars(select(SyncCursor).where(SyncCursor.stream.in_(streams)))}
        wanted = {st: cursors.get(st, "") for st in streams}
        day_seqs: list[int] = []  # seqs of the daily stream pulled now (prune_daily_mirror)
        while wanted:
            ex = self._exchange("/pull", {"cursors": wanted, "limit": self.pull_limit})
            pages = ex.body.get("streams")
            if not isinstance(pages, dict) or set(pages) != set(wanted):
                raise Transient("中心服务器的应答不完整或无法识别，稍后将自动重试")
            more = {}
            with self.store.write() as s:
                for stream in protocol.STREAMS:  # apply in dependency order
                    page = pages.get(stream)
                    if page is None:
                        continue
                    rows, cursor = _check_page(page)
                    if stream == "hall_day":
                        _note_denial(s, page.get("denied"))
                    try:
                        report.pulled += apply_rows(s, stream, rows)
                        if stream == "cases_today":
                            day_seqs.extend(r["seq"] for r in rows)
                        s.flush()  # a constraint the rows break shows here, named by its stream
                    except (KeyError, TypeError, ValueError, AttributeError, HallError, SQLAlchemyError) as e:
                        # The page is not applied and the cursor stays: nothing half-done
                        # (raising out of the session rolls the whole page back).
                        log.exception("pulled rows of %s could not be applied", stream)
                        detail = e.message if isinstance(e, HallError) else type(e).__name__
                        raise Transient(
                            f"中心服务器下发的“{stream}”数据无法在本机应用（{detail}），本机数据未改动，稍后将重试；"
                            "如持续出现请联系管理员检查中心服务器上的数据"
                        ) from None
                    if cursor != wanted[stream]:
                        row = s.get(SyncCursor, stream) or SyncCursor(stream=stream)
                        row.cursor, row.updated_at = cursor, utcnow()
                        s.add(row)
                    if page.get("more"):
                        if cursor == wanted[stream]:
                            # "More" without progress would be asked for again forever.
                            raise Transient("中心服务器的应答有误（声称还有数据，但游标没有前进），稍后将自动重试")
                        more[stream] = cursor
            wanted = more
        if day_seqs:  # the first rows of a new day prune the days before the previous one
            with self.store.write() as s:
                gone = prune_daily_mirror(s, day_seqs, utcnow().astimezone(HALL_TZ).date())
            if gone:
                log.info("pruned %d rows of earlier days' cases_today", gone)

    # -- bookkeeping --------------------------------------------------------------------------
    def _exchange(self, path: str, body: dict[str, Any], rows=None) -> Exchange:
        try:
            ex = self.http.post(path, body)
        except Transient as e:
            if rows:
                self._note_attempt(rows, e.message)
            raise
        if ex.clock_offset_ms is not None:
            self._offset = ex.clock_offset_ms
        return ex

    def _note_attempt(self, rows, message: str) -> None:
        ids = [r.id for r in rows]
        with self.store.write() as s:
            s.execute(update(OutboxEntry).where(OutboxEntry.id.in_(ids)).values(attempts=OutboxEntry.attempts + 1, last_error=message))

    def _mark_attempt(self) -> None:
        self._offset: int | None = None
        with self.store.write() as s:
            st = s.get(SyncState, 1) or SyncState(id=1)
            st.last_attempt_at = utcnow()
            s.add(st)

    def _mark_result(self, error: str | None) -> None:
        now = utcnow()
        with self.store.write() as s:
            st = s.get(SyncState, 1) or SyncState(id=1)
            # The log says when the state changes (failing, failing otherwise, working again),
            # once: not silent, and not a line every cycle while the server stays away.
            if error is not None and error != st.last_error:
                log.warning("sync cycle failed: %s", error)
            elif error is None and st.last_error is not None:
                log.info("sync works again (the last failure: %s)", st.last_error)
            if error is None:
                st.last_success_at = now
                st.last_error = None
            else:
                st.last_error, st.last_error_at = error, now
            if self._offset is not None:
                st.clock_offset_ms = self._offset
            s.add(st)


def _note_denial(s, denied: Any) -> None:
    """Keep the server's reason for sending no hall data (a PC not registered as the
    supervisor's), for the supervisor's page; logged once per change."""
    from hallclient.supervision.config import HALL_DAY_DENIED

    denied = denied if isinstance(denied, str) else ""
    if settings.get(s, HALL_DAY_DENIED) != denied:
        settings.set_value(s, HALL_DAY_DENIED, denied)
        if denied:
            log.warning("the central server sends no hall_day to this device: %s", denied)


def _check_page(page: Any) -> tuple[list[dict[str, Any]], str]:
    if not isinstance(page, dict) or not isinstance(page.get("rows"), list) or not isinstance(page.get("cursor"), str):
        raise Transient("中心服务器的应答不完整或无法识别，稍后将自动重试")
    for r in page["rows"]:
        if not (isinstance(r, dict) and isinstance(r.get("key"), str) and isinstance(r.get("seq"), int) and (r.get("data") is None or isinstance(r["data"], dict))):
            raise Transient("中心服务器的应答不完整或无法识别，稍后将自动重试")
    return page["rows"], page["cursor"]


def requeue(store: Store, outbox_ids: list[int]) -> int:
    """Send parked items again (after the cause was fixed on the server side)."""
    with store.write() as s:
        res = s.execute(
            update(OutboxEntry).where(OutboxEntry.id.in_(outbox_ids), OutboxEntry.status == "rejected").values(status="pending")
        )
        return res.rowcount


@dataclass(frozen=True)
class RejectedItem:
    id: int
    uuid: str
    kind: str
    case_no: str | None
    created_at: str
    reason: str


def rejected_items(store: Store, limit: int = 500) -> list[RejectedItem]:
    with store.read() as s:
        rows = s.scalars(select(OutboxEntry).where(OutboxEntry.status == "rejected").order_by(OutboxEntry.id).limit(limit)).all()
        return [
            RejectedItem(r.id, r.uuid, r.kind, (r.payload or {}).get("case_no"), r.created_at.isoformat(), r.last_error or "")
            for r in rows
        ]
