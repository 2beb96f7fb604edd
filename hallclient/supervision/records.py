"""Reading the hall's records by kind into plain rows.

Ratings and 办不成事 have fixed payloads (hallclient.queue.rating, hallclient.intake.cases).
Fees and certificates plug in by name, so their packages need nothing from here. A name is
a record's kind, or a case event's type with its first "_" read as "." (the fees and
certificates packages record `fee_paid`, `certificate_spoiled` … as case events):

- `fee.paid` (or any `fee.*paid`) with `amount_fen` (int) and `channel` (or `method`): a
  payment, counted per channel;
- `fee.*` containing `revers`, `refund` or `red` (冲红/退款): an exception, its `amount_fen`
  taken off its channel; containing `void` or `cancel` (作废): an exception only;
- `certificate.*` (or `cert.*`): containing `reprint` a reprint, `spoil` or `void` a spoiled
  sheet (作废), each with its `reason`; `print.*` with `reprint: true`: a reprinted notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import json

from sqlalchemy import bindparam, column, func, select, text
from sqlalchemy.orm import Session

from hallclient.supervision.tables import BAD_RATING_SQL, HallEvent, HallRecord

CHANNEL_LABELS = {"cash": "现金", "card": "银行卡", "scan": "扫码", "notice": "缴款通知（他处缴纳）", "pos": "POS"}
_REFUND_WORDS = ("revers", "refund", "red")
_VOID_WORDS = ("void", "cancel")


@dataclass(frozen=True)
class RatingRow:
    id: str
    at: datetime
    level: int
    reasons: tuple[str, ...]
    comment: str
    window_code: str
    clerk: str
    case_id: str | None
    ticket_no: str


@dataclass(frozen=True)
class RecordRow:
    """An exception-worthy or money record: 办不成事, fee, reversal, reprint, spoiled sheet."""

    id: str
    kind: str
    at: datetime
    window_code: str
    clerk: str
    case_id: str | None
    amount_fen: int
    channel: str
    reason: str
    reprint: bool = False


def _between(stmt, start: datetime, end: datetime):
    return stmt.where(HallRecord.at >= start, HallRecord.at < end)


def ratings(s: Session, start: datetime | None, end: datetime | None, *, bad_only: bool = False) -> list[RatingRow]:
    """Ratings of [start, end) (all times when None); `bad_only`: 差评 (levels 1 and 2)."""
    # SQLite's json_extract instead of decoding 2,500 whole payloads in Python; the reasons
    # (a JSON array) are decoded only for the few bad ratings that have them.
    lvl, reasons, comment, ticket = (func.json_extract(HallRecord.data, f"$.{k}") for k in ("level", "reasons", "comment", "ticket_no"))
    if bad_only:
        stmt = _bad_ratings_statement(start, end)
    else:
        stmt = select(HallRecord.uuid, HallRecord.at, HallRecord.window_code, HallRecord.clerk, HallRecord.case_id, lvl,
                      reasons, comment, ticket).where(HallRecord.kind == "rating")
        if start is not None and end is not None:
            stmt = _between(stmt, start, end)
    out = []
    for r in s.execute(stmt):
        level = r[5]
        if not isinstance(level, int) or not 1 <= level <= 5:
            continue
        rs = json.loads(r[6]) if isinstance(r[6], str) and r[6] not in ("", "[]") else []
        out.append(RatingRow(r.uuid, r.at, level, tuple(str(x) for x in rs) if isinstance(rs, list) else (),
                             str(r[7] or ""), r.window_code, r.clerk, r.case_id, str(r[8] or "")))
    return out


def _bad_ratings_statement(start: datetime | None, end: datetime | None):
    """The 差评 of every day kept (open follow-ups) or of a period, through their partial index
    (migration 0010): its WHERE word for word (with bound parameters SQLite cannot tell that the
    query implies it), and the index named (without statistics the planner takes the (kind, at)
    index and walks every rating)."""
    sql = ("SELECT uuid, at, window_code, clerk, case_id, json_extract(data, '$.level'), json_extract(data, '$.reasons'), "
           "json_extract(data, '$.comment'), json_extract(data, '$.ticket_no') "
           f"FROM hall_record INDEXED BY ix_hall_record_bad_rating WHERE {BAD_RATING_SQL}")
    params = []
    if start is not None and end is not None:
        sql += " AND at >= :start AND at < :end"
        params = [bindparam("start", start, type_=HallRecord.at.type), bindparam("end", end, type_=HallRecord.at.type)]
    return text(sql).bindparams(*params).columns(
        HallRecord.uuid, HallRecord.at, HallRecord.window_code, HallRecord.clerk, HallRecord.case_id,
        column("level"), column("reasons"), column("comment"), column("ticket"))


def rating_levels(s: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Ratings of [start, end) counted per level, by SQLite (the figures need no more of the
    thousands of ratings of a day; `ratings(..., bad_only=True)` reads the 差评 themselves).
    Counts what `ratings` keeps: a level that is an integer from 1 to 5."""
    lvl = func.json_extract(HallRecord.data, "$.level")
    stmt = _between(select(lvl, func.count()).where(HallRecord.kind == "rating"), start, end)
    stmt = stmt.where(func.typeof(lvl) == "integer", lvl.between(1, 5)).group_by(lvl)
    return {int(level): n for level, n in s.execute(stmt)}


def ratings_of_case(s: Session, case_id: str) -> list[RatingRow]:
    ids = s.scalars(select(HallRecord.uuid).where(HallRecord.kind == "rating", HallRecord.case_id == case_id))
    return [r for r in (rating_by_id(s, i) for i in ids) if r is not None]


def rating_by_id(s: Session, rating_id: str) -> RatingRow | None:
    r = s.get(HallRecord, rating_id)
    if r is None or r.kind != "rating":
        return None
    d = r.data or {}
    return RatingRow(r.uuid, r.at, int(d.get("level", 0)), tuple(d.get("reasons") or []), str(d.get("comment") or ""),
                     r.window_code, r.clerk, r.case_id, str(d.get("ticket_no") or ""))


def is_refund(kind: str) -> bool:
    """Money given back (冲红, 退款): taken off its channel."""
    return is_fee(kind) and any(w in kind.split(".", 1)[-1] for w in _REFUND_WORDS)


def is_reversal(kind: str) -> bool:
    """冲红, 退款 or 作废 of a fee: an exception."""
    return is_fee(kind) and any(w in kind.split(".", 1)[-1] for w in _REFUND_WORDS + _VOID_WORDS)


def is_payment(kind: str) -> bool:
    return kind in ("fee.paid", "fee.payment") or (is_fee(kind) and kind.endswith("paid") and not is_reversal(kind))


def other_records(s: Session, start: datetime, end: datetime) -> list[RecordRow]:
    """办不成事, fees, reversals, certificate events and reprinted notices of the period."""
    out = []
    stmt = select(HallRecord.uuid, HallRecord.kind, HallRecord.at, HallRecord.window_code, HallRecord.clerk,
                  HallRecord.case_id, HallRecord.data).where(HallRecord.kind != "rating")
    for r in s.execute(_between(stmt, start, end)):
        d = r.data or {}
        amount = d.get("amount_fen")
        amount = amount if isinstance(amount, int) and not isinstance(amount, bool) else 0
        channel = str(d.get("channel") or d.get("method") or "")
        reason = str(d.get("reason") or d.get("comment") or "")
        reprint = "reprint" in r.kind or d.get("reprint") is True
        out.append(RecordRow(r.uuid, r.kind, r.at, r.window_code, r.clerk, r.case_id, amount, channel, reason, reprint))
    # Fees and certificates recorded as case events.
    amount, channel, method, reason = (func.json_extract(HallEvent.data, f"$.{k}") for k in ("amount_fen", "channel", "method", "reason"))
    stmt = (select(HallEvent.uuid, HallEvent.type, HallEvent.at, HallEvent.window_code, HallEvent.actor, HallEvent.case_id,
                   amount, channel, method, reason)
            .where(HallEvent.at >= start, HallEvent.at < end,
                   HallEvent.type.like("fee\\_%", escape="\\") | HallEvent.type.like("certificate\\_%", escape="\\")))
    for r in s.execute(stmt):
        kind = r.type.replace("_", ".", 1)
        amt = r[6] if isinstance(r[6], int) and not isinstance(r[6], bool) else 0
        out.append(RecordRow(r.uuid, kind, r.at, r.window_code, r.actor, r.case_id, amt, str(r[7] or r[8] or ""),
                             str(r[9] or ""), "reprint" in kind))
    return out


def is_fee(kind: str) -> bool:
    return kind.startswith("fee.") or kind == "fee"


def is_certificate(kind: str) -> bool:
    return kind.startswith(("certificate.", "cert."))


def is_spoiled(row: RecordRow) -> bool:
    return is_certificate(row.kind) and ("spoil" in row.kind or "void" in row.kind)
