"""Paper receipt stock (纸质票据): numbered ranges per clerk, numbers taken strictly in order.

A number is taken (row `taken`, the stock's counter moved) and committed *before* the receipt
is printed; printing then confirms it (`printed`). A crash between the two leaves a `taken`
number that the window shows again after the restart, to be confirmed as printed or voided
(作废): so every number of a range is accounted for, none is skipped and none is used twice.
At all times: registered = used (printed) + voided + taken + remaining.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient.caselog import record_event
from hallclient.errors import ValidationFailed
from hallclient.fees.days import closed_guard, ensure_open
from hallclient.fees.payments import bill_state
from hallclient.fees.records import FeePayment, PaperReceipt, ReceiptStock
from hallclient.intake.cases import load_case, local_today
from hallclient.models import User, utcnow
from hallclient.permissions import Action, Actor, Authorisation, require

MAX_RANGE = 100_000


@dataclass(frozen=True)
class StockInfo:
    id: int
    clerk_id: int
    code: str
    first_no: int
    last_no: int
    next_no: int
    width: int
    printed: int
    voided: int
    taken: int

    @property
    def remaining(self) -> int:
        return self.last_no - self.next_no + 1

    def label(self, n: int) -> str:
        return f"{n:0{self.width}d}"


@dataclass(frozen=True)
class PaperReceiptInfo:
    id: int
    stock_id: int
    code: str
    number: str
    state: str
    payment_id: str | None
    business_day: date
    void_reason: str | None


def _info(session: Session, st: ReceiptStock) -> StockInfo:
    counts = dict(session.execute(
        select(PaperReceipt.state, func.count()).where(PaperReceipt.stock_id == st.id).group_by(PaperReceipt.state)).all())
    return StockInfo(st.id, st.clerk_id, st.code, st.first_no, st.last_no, st.next_no, st.width,
                     counts.get("printed", 0), counts.get("void", 0), counts.get("taken", 0))


def receipt_info(session: Session, r: PaperReceipt) -> PaperReceiptInfo:
    st = session.get(ReceiptStock, r.stock_id)
    return PaperReceiptInfo(r.id, r.stock_id, st.code, f"{r.number:0{st.width}d}", r.state, r.payment_id, r.business_day, r.void_reason)


def register_stock(session: Session, actor: Actor, clerk_username: str, code: str, first_no: int, last_no: int,
                   width: int = 8, now: datetime | None = None) -> StockInfo:
    """Give a clerk a range of paper receipts. Refused when the range overlaps one already
    registered, or while the clerk's previous range is not used up and reconciled (验旧换新)."""
    require(actor, Action.MANAGE_STOCK)
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == 8):
        raise ValidationFailed("票据代码应为 8 位数字（地区 2 位 + 类别 2 位 + 种类 2 位 + 年度 2 位）")
    if not (isinstance(first_no, int) and isinstance(last_no, int)) or first_no < 1 or last_no < first_no:
        raise ValidationFailed("起始号和终止号应为正整数，且终止号不小于起始号")
    if last_no - first_no + 1 > MAX_RANGE or last_no >= 10**width:
        raise ValidationFailed(f"一次最多登记 {MAX_RANGE} 份，号码不超过 {width} 位")
    clerk = session.scalar(select(User).where(User.username == clerk_username.strip()))
    if clerk is None:
        raise ValidationFailed(f"没有用户 {clerk_username}")
    overlap = session.scalar(select(ReceiptStock.id).where(ReceiptStock.code == code, ReceiptStock.first_no <= last_no,
                                                           ReceiptStock.last_no >= first_no))
    if overlap:
        raise ValidationFailed("该号段与已登记的票据号段重叠，同一号码不能登记两次")
    for old in session.scalars(select(ReceiptStock).where(ReceiptStock.clerk_id == clerk.id)):
        info = _info(session, old)
        if info.remaining > 0 or info.taken:
            raise ValidationFailed(
                f"{clerk.display_name} 的上一批票据（{old.code} {info.label(old.first_no)}–{info.label(old.last_no)}）"
                f"尚余 {info.remaining} 份未用或 {info.taken} 份未确认，须核销后才能领用新票据（验旧换新）")
    st = ReceiptStock(clerk_id=clerk.id, code=code, first_no=first_no, last_no=last_no, next_no=first_no, width=width,
                      registered_by=actor.user_id, registered_at=now or utcnow())
    session.add(st)
    session.flush()
    return _info(session, st)


def current_stock(session: Session, clerk_id: int) -> StockInfo | None:
    """The clerk's range with numbers left (oldest first), or None."""
    for st in session.scalars(select(ReceiptStock).where(ReceiptStock.clerk_id == clerk_id).order_by(ReceiptStock.id)):
        if st.next_no <= st.last_no:
            return _info(session, st)
    return None


def unconfirmed(session: Session, clerk_id: int) -> list[PaperReceiptInfo]:
    """Numbers taken but never confirmed as printed (a crash or a jam in between)."""
    rows = session.scalars(select(PaperReceipt).where(PaperReceipt.clerk_id == clerk_id, PaperReceipt.state == "taken")
                           .order_by(PaperReceipt.id))
    return [receipt_info(session, r) for r in rows]


def take_receipt_number(session: Session, actor: Actor, payment_id: str, now: datetime | None = None) -> PaperReceiptInfo:
    """The next number of the clerk's stock for a payment, reserved in the caller's transaction
    (commit it before printing)."""
    require(actor, Action.TAKE_FEE)
    now = now or utcnow()
    pay = session.get(FeePayment, payment_id)
    if pay is None:
        raise ValidationFailed("收费记录不存在")
    if bill_state(session, pay.bill_id) != "paid":
        raise ValidationFailed("这笔收费已退款（冲红），不能再开收据")
    pending = unconfirmed(session, actor.user_id)
    if pending:
        p = pending[0]
        raise ValidationFailed(f"收据 {p.code} {p.number} 尚未确认是否打印成功，请先确认（已打印）或作废，再开新收据")
    if session.scalar(select(PaperReceipt.id).where(PaperReceipt.payment_id == pay.id, PaperReceipt.state == "printed")):
        raise ValidationFailed("这笔收费已开过纸质收据；如收据有误，请先作废原收据")
    day = local_today(now)
    ensure_open(session, actor.user_id, day)
    st = session.scalars(select(ReceiptStock).where(ReceiptStock.clerk_id == actor.user_id,
                                                    ReceiptStock.next_no <= ReceiptStock.last_no).order_by(ReceiptStock.id)).first()
    if st is None:
        raise ValidationFailed("您名下没有可用的纸质票据，请值班长登记新的票据号段（或改用电子票据）")
    number = st.next_no
    st.next_no = number + 1
    r = PaperReceipt(stock_id=st.id, number=number, clerk_id=actor.user_id, business_day=day, payment_id=pay.id,
                     state="taken", taken_at=now)
    with closed_guard():
        session.add(r)
        session.flush()
    return receipt_info(session, r)


def confirm_printed(session: Session, actor: Actor, receipt_id: int, now: datetime | None = None) -> PaperReceiptInfo:
    require(actor, Action.TAKE_FEE)
    r = session.get(PaperReceipt, receipt_id)
    if r is None or r.clerk_id != actor.user_id:
        raise ValidationFailed("收据不存在或不是您领用的票据")
    if r.state != "taken":
        return receipt_info(session, r)
    with closed_guard():
        r.state, r.printed_at = "printed", now or utcnow()
        session.flush()
    info = receipt_info(session, r)
    if r.payment_id:
        pay = session.get(FeePayment, r.payment_id)
        record_event(session, load_case(session, pay.case_id), "fee_paper_receipt",
                     {"payment_id": pay.id, "code": info.code, "number": info.number}, actor.user_id)
    return info


def void_receipt(session: Session, actor: Actor, receipt_id: int, reason: str, authorisation: Authorisation | None = None,
                 now: datetime | None = None) -> PaperReceiptInfo:
    """作废 a paper receipt (spoiled, wrong, or never confirmed after a crash): it stays in the
    books with its reason and the supervisor who authorised it; its number is never used again."""
    require(actor, Action.REVERSE_FEE, authorisation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("作废收据必须填写原因")
    r = session.get(PaperReceipt, receipt_id)
    if r is None:
        raise ValidationFailed("收据不存在")
    if r.state == "void":
        raise ValidationFailed("该收据已作废")
    ensure_open(session, r.clerk_id, r.business_day)
    with closed_guard():
        r.state, r.void_reason, r.voided_at = "void", reason[:200], now or utcnow()
        r.void_authoriser_id = authorisation.authoriser_id if authorisation else actor.user_id
        session.flush()
    info = receipt_info(session, r)
    if r.payment_id:
        pay = session.get(FeePayment, r.payment_id)
        record_event(session, load_case(session, pay.case_id), "fee_paper_receipt_voided",
                     {"payment_id": pay.id, "code": info.code, "number": info.number, "reason": reason[:200],
                      "authoriser_id": r.void_authoriser_id}, actor.user_id)
    return info


def stock_of(session: Session, clerk_id: int) -> list[StockInfo]:
    return [_info(session, st) for st in session.scalars(select(ReceiptStock).where(ReceiptStock.clerk_id == clerk_id).order_by(ReceiptStock.id))]
