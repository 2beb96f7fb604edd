"""The daily close (日结/扎帐) of one clerk: counts and totals per channel, receipt numbers
used, voided and reversed ones, cash to hand over. Once closed, the day's fee records are
read-only (the store's triggers refuse any change)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hallclient.caselog import enqueue
from hallclient.errors import ValidationFailed
from hallclient.fees.payments import CHANNELS
from hallclient.fees.records import EReceipt, FeeBill, FeeDayClose, FeePayment, FeeReversal, PaperReceipt, ReceiptStock
from hallclient.fees.stock import unconfirmed
from hallclient.models import User, Window, utcnow
from hallclient.permissions import Action, Actor, require


@dataclass(frozen=True)
class ChannelTotal:
    channel: str
    label: str
    count: int
    total_fen: int
    reversed_count: int
    reversed_fen: int

    @property
    def net_fen(self) -> int:
        return self.total_fen - self.reversed_fen


@dataclass(frozen=True)
class DayClose:
    clerk_id: int
    clerk_name: str
    window_name: str
    business_day: date
    channels: tuple[ChannelTotal, ...]
    payments: int
    total_fen: int
    reversed_fen: int
    net_fen: int
    cash_to_hand_over_fen: int
    notices_issued: int
    notices_issued_fen: int
    notices_unpaid: int
    paper_first: str | None
    paper_last: str | None
    paper_printed: int
    paper_voided: tuple[tuple[str, str], ...]  # (number, reason)
    e_receipts: int
    red_receipts: tuple[str, ...]  # 冲红 e-receipt numbers
    closed_at: datetime | None = None
    hall_name: str = ""
    lines: tuple[tuple[str, str, str, int], ...] = field(default_factory=tuple)  # (time, case_no, channel, fen)

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["business_day"] = self.business_day.isoformat()
        d["closed_at"] = self.closed_at.isoformat() if self.closed_at else None
        return d


def compute_close(session: Session, clerk_id: int, day: date) -> DayClose:
    """The clerk's figures of the day, from the records (the close stores exactly these)."""
    from hallclient.models import Case, Hall

    clerk = session.get(User, clerk_id)
    pays = list(session.scalars(select(FeePayment).where(FeePayment.clerk_id == clerk_id, FeePayment.business_day == day)
                                .order_by(FeePayment.paid_at)))
    revs = list(session.scalars(select(FeeReversal).where(FeeReversal.clerk_id == clerk_id, FeeReversal.business_day == day)))
    channels = []
    for ch, label in CHANNELS.items():
        p = [x for x in pays if x.channel == ch]
        r = [x for x in revs if x.channel == ch]
        channels.append(ChannelTotal(ch, label, len(p), sum(x.amount_fen for x in p), len(r), sum(x.amount_fen for x in r)))
    total = sum(c.total_fen for c in channels)
    rev_total = sum(c.reversed_fen for c in channels)
    cash = next(c for c in channels if c.channel == "cash")
    notices = list(session.scalars(select(FeeBill).where(FeeBill.clerk_id == clerk_id, FeeBill.business_day == day,
                                                         FeeBill.method == "notice")))
    paid_bills = set(session.scalars(select(FeePayment.bill_id).where(FeePayment.bill_id.in_([b.id for b in notices]))))
    paper = list(session.execute(
        select(PaperReceipt, ReceiptStock).join(ReceiptStock, ReceiptStock.id == PaperReceipt.stock_id)
        .where(PaperReceipt.clerk_id == clerk_id, PaperReceipt.business_day == day).order_by(ReceiptStock.id, PaperReceipt.number)
    ).all())
    labels = [f"{st.code} {r.number:0{st.width}d}" for r, st in paper]
    voided = tuple((f"{st.code} {r.number:0{st.width}d}", r.void_reason or "") for r, st in paper if r.state == "void")
    pay_ids = [p.id for p in pays] + [r.payment_id for r in revs]
    e = list(session.scalars(select(EReceipt).where(EReceipt.payment_id.in_(pay_ids)))) if pay_ids else []
    win = session.get(Window, pays[0].window_id) if pays and pays[0].window_id else None
    hall = session.scalars(select(Hall)).first()
    case_nos = dict(session.execute(select(Case.id, Case.case_no).where(Case.id.in_([p.case_id for p in pays]))).all()) if pays else {}
    lines = tuple((p.paid_at.astimezone().strftime("%H:%M"), case_nos.get(p.case_id) or "", CHANNELS[p.channel], p.amount_fen) for p in pays)
    return DayClose(
        clerk_id, clerk.display_name if clerk else "", win.name if win else "", day, tuple(channels), len(pays), total,
        rev_total, total - rev_total, cash.net_fen, len(notices), sum(b.total_fen for b in notices),
        len([b for b in notices if b.id not in paid_bills]), labels[0] if labels else None, labels[-1] if labels else None,
        sum(1 for r, _ in paper if r.state == "printed"), voided, sum(1 for x in e if not x.red),
        tuple(f"{x.code} {x.number}" for x in e if x.red), None, hall.name if hall else "", lines,
    )


def close_day(session: Session, actor: Actor, day: date, now: datetime | None = None) -> DayClose:
    """Close the actor's day: store the figures, queue them for the central server. A second
    close of the same day is refused; so is a close while a paper receipt is unconfirmed."""
    require(actor, Action.CLOSE_DAY)
    if session.scalar(select(FeeDayClose.id).where(FeeDayClose.clerk_id == actor.user_id, FeeDayClose.business_day == day)):
        raise ValidationFailed(f"{day:%Y年%m月%d日} 已经日结过，不能重复日结")
    pending = [p for p in unconfirmed(session, actor.user_id) if p.business_day == day]
    if pending:
        raise ValidationFailed(f"收据 {pending[0].code} {pending[0].number} 尚未确认是否打印成功，请先确认或作废，再日结")
    now = now or utcnow()
    figures = compute_close(session, actor.user_id, day)
    figures = DayClose(**{**figures.__dict__, "closed_at": now})
    try:
        session.add(FeeDayClose(clerk_id=actor.user_id, business_day=day, closed_at=now, totals=figures.as_json()))
        session.flush()
    except IntegrityError:
        raise ValidationFailed(f"{day:%Y年%m月%d日} 已经日结过，不能重复日结") from None
    enqueue(session, "fee.day_close", {"clerk": actor.username, **{k: v for k, v in figures.as_json().items() if k != "lines"}})
    return figures


def stored_close(session: Session, clerk_id: int, day: date) -> DayClose | None:
    row = session.scalar(select(FeeDayClose).where(FeeDayClose.clerk_id == clerk_id, FeeDayClose.business_day == day))
    if row is None:
        return None
    t = dict(row.totals)
    t["business_day"] = date.fromisoformat(t["business_day"])
    t["closed_at"] = datetime.fromisoformat(t["closed_at"]) if t.get("closed_at") else None
    t["channels"] = tuple(ChannelTotal(**c) for c in t["channels"])
    for k in ("paper_voided", "lines"):
        t[k] = tuple(tuple(x) for x in t.get(k, ()))
    t["red_receipts"] = tuple(t.get("red_receipts", ()))
    return DayClose(**t)
