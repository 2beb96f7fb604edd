"""Reading the hall's records by kind into plain rows.

Ratings and 办不成事 have fixed payloads (hallclient.queue.rating, hallclient.intake.cases).
Fees and certificates plug in by kind prefix, so their packages need nothing from here:

- `fee.*` with `amount_fen` (int) and `channel` (or `method`): a payment, counted per channel;
  a kind containing `reverse`, `void`, `refund` or `red` (冲红/作废/退款) is an exception, and
  its `amount_fen` is taken off its channel.
- `certificate.*` (or `cert.*`): a kind containing `reprint` is a reprint, `spoil` or `void`
  a spoiled sheet (作废), each with its `reason`.
- `print.*` with `reprint: true`: a reprinted notice (补打).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient.supervision.tables import HallRecord

CHANNEL_LABELS = {"cash": "现金", "card": "银行卡", "scan": "扫码", "notice": "缴款通知（他处缴纳）", "pos": "POS"}
_REVERSAL_WORDS = ("reverse", "void", "refund", "red", "cancel")


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
    stmt = select(HallRecord.uuid, HallRecord.at, HallRecord.window_code, HallRecord.clerk, HallRecord.case_id, lvl, reasons,
                  comment, ticket).where(HallRecord.kind == "rating")
    if start is not None and end is not None:
        stmt = _between(stmt, start, end)
    if bad_only:
        stmt = stmt.where(lvl <= 2)
    out = []
    for r in s.execute(stmt):
        level = r[5]
        if not isinstance(level, int) or not 1 <= level <= 5:
            continue
        rs = json.loads(r[6]) if isinstance(r[6], str) and r[6] not in ("", "[]") else []
        out.append(RatingRow(r.uuid, r.at, level, tuple(str(x) for x in rs) if isinstance(rs, list) else (),
                             str(r[7] or ""), r.window_code, r.clerk, r.case_id, str(r[8] or "")))
    return out


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


def is_reversal(kind: str) -> bool:
    tail = kind.split(".", 1)[-1]
    return any(w in tail for w in _REVERSAL_WORDS)


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
    return out


def is_fee(kind: str) -> bool:
    return kind.startswith("fee.") or kind == "fee"


def is_certificate(kind: str) -> bool:
    return kind.startswith(("certificate.", "cert."))


def is_spoiled(row: RecordRow) -> bool:
    return is_certificate(row.kind) and ("spoil" in row.kind or "void" in row.kind)
