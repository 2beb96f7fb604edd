"""Fees on the reference central server: the bills and payments windows push (as case events),
payment confirmations from the payment platform (统一公共支付平台), fiscal e-receipts (财政电子票据)
issued once per confirmed payment and red-letter ones (冲红) for reversals, all published on the
hall's `fees` stream for the windows to pull.

Exactly once: a bill is stored once per bill id, a payment once per bill, a platform
transaction once, a receipt once per (payment, colour); the stream row of a bill is republished
with every change, so a window that pulls it twice applies it once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallclient.errors import HallError
from hallclient.fees.payments import PLATFORM_CHANNELS
from hallclient.models import utcnow
from sync.server.models import Counter, ServerBase
from sync.server.store import ServerDB, publish

log = logging.getLogger(__name__)

FEE_EVENTS = ("fee_notice_issued", "fee_paid", "fee_reversed")
MAX_FEN = 10_000_000 * 100
_TXN = re.compile(r"^[0-9A-Za-z\-_]{6,64}$")
E_RECEIPT_NAME = "非税收入一般缴款书（电子）"
CATEGORY, KIND = "01", "01"  # 非税收入类, 一般缴款书


class FeeRefused(HallError):
    """A confirmation the server refuses: HTTP `status` with a reason in Chinese."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class SrvFeeBill(ServerBase):
    __tablename__ = "srv_fee_bill"
    bill_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    case_no: Mapped[str | None] = mapped_column(String(40), default=None)
    hall_code: Mapped[str] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(8))
    payment_code: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    item_code: Mapped[str | None] = mapped_column(String(40), default=None)
    total_fen: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    clerk: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SrvFeePayment(ServerBase):
    __tablename__ = "srv_fee_payment"
    payment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bill_id: Mapped[str] = mapped_column(String(36), unique=True)
    hall_code: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))  # cash | card | scan | notice
    platform_channel: Mapped[str | None] = mapped_column(String(12), default=None)
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    reference: Mapped[str] = mapped_column(String(64), default="")
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    reversal_reason: Mapped[str | None] = mapped_column(Text, default=None)


class SrvEReceipt(ServerBase):
    __tablename__ = "srv_e_receipt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(36))
    code: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(String(10))
    check_code: Mapped[str] = mapped_column(String(20))
    red: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("code", "number"), UniqueConstraint("payment_id", "red"))


# --- validation of pushed fee events (service.validate_item) ----------------------------------


def _fen(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_FEN


def validate_event(type_: str, p: dict[str, Any]) -> str | None:
    """Why a fee event's payload cannot be accepted (Chinese), or None."""
    if type_ not in FEE_EVENTS:
        return None
    if type_ in ("fee_notice_issued", "fee_paid"):
        if not isinstance(p.get("bill_id"), str) or not 1 <= len(p["bill_id"]) <= 36:
            return "收费事件缺少 bill_id"
        if not _fen(p.get("total_fen")):
            return "收费金额无效（应为 1 分到 1000 万元的整数分）"
        if not isinstance(p.get("lines"), list):
            return "收费事件缺少收费明细 lines"
    if type_ == "fee_notice_issued":
        from hallclient.fees.codes import valid_payment_code

        if not valid_payment_code(p.get("payment_code")):
            return "缴款码无效"
    if type_ == "fee_paid":
        if p.get("channel") not in ("cash", "card", "scan"):
            return "窗口收费方式无效"
        if not isinstance(p.get("payment_id"), str) or not _fen(p.get("amount_fen")) or p.get("amount_fen") != p.get("total_fen"):
            return "收费记录的金额或编号无效"
    if type_ == "fee_reversed":
        if not isinstance(p.get("payment_id"), str) or not isinstance(p.get("reason"), str) or not p["reason"].strip():
            return "退款（冲红）记录缺少收费编号或原因"
    return None


# --- folding pushed events --------------------------------------------------------------------


def fold(s: Session, hall_code: str, events: list[dict[str, Any]], now: datetime) -> None:
    """Store the fee records of pushed case events (in the push's transaction)."""
    changed: set[str] = set()
    for e in events:
        t, p = e.get("type"), e.get("payload") or {}
        if t not in FEE_EVENTS:
            continue
        if t in ("fee_notice_issued", "fee_paid"):
            bill = s.get(SrvFeeBill, p["bill_id"])
            code = p.get("payment_code")
            if bill is None and code and s.scalar(select(SrvFeeBill.bill_id).where(SrvFeeBill.payment_code == code)):
                # A code issued twice (a window restored from an old backup): the bill is kept
                # without it (a unique violation would fail the whole push again and again);
                # that notice cannot be confirmed and the hall must issue a new one.
                log.warning("payment code %s of bill %s already belongs to another bill", code, p["bill_id"])
                code = None
            if bill is None:
                bill = SrvFeeBill(bill_id=p["bill_id"], case_id=e["case_id"], case_no=e.get("case_no"), hall_code=hall_code,
                                  method=p.get("method") or ("notice" if t == "fee_notice_issued" else p["channel"]),
                                  payment_code=code, payer_name=str(p.get("payer_name") or "")[:200],
                                  item_code=str(p.get("item_code") or "")[:40] or None, total_fen=p["total_fen"],
                                  lines=p.get("lines") or [], clerk=str(p.get("clerk") or "")[:40], created_at=now)
                s.add(bill)
                s.flush()
        if t == "fee_paid" and s.get(SrvFeePayment, p["payment_id"]) is None:
            s.add(SrvFeePayment(payment_id=p["payment_id"], bill_id=p["bill_id"], hall_code=hall_code, channel=p["channel"],
                                reference=str(p.get("reference") or "")[:64], amount_fen=p["amount_fen"],
                                paid_at=_time(p.get("paid_at")) or now))
            s.flush()
            _issue(s, p["payment_id"], red=False, now=now)
            changed.add(p["bill_id"])
        if t == "fee_reversed":
            pay = s.get(SrvFeePayment, p["payment_id"])
            if pay is not None and not pay.reversed:
                pay.reversed, pay.reversal_reason = True, p["reason"][:200]
                s.flush()
                if s.scalar(select(SrvEReceipt.id).where(SrvEReceipt.payment_id == pay.payment_id, SrvEReceipt.red.is_(False))):
                    _issue(s, pay.payment_id, red=True, now=now, reason=p["reason"][:200])
                changed.add(pay.bill_id)
    for bill_id in changed:
        _publish_bill(s, bill_id, now)


def _time(v: Any) -> datetime | None:
    try:
        t = datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return None
    return t if t.tzinfo else None


def receipt_code(hall_code: str, year: int) -> str:
    """票据代码: region 2 + category 2 + type 2 + year 2."""
    return f"{hall_code[:2]}{CATEGORY}{KIND}{year % 100:02d}"


def _next_number(s: Session, code: str) -> str:
    name = f"erc:{code}"
    if s.get(Counter, name) is None:
        s.add(Counter(name=name, value=0))
        s.flush()
    value = s.execute(update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)).scalar_one()
    return f"{value:010d}"


def _issue(s: Session, payment_id: str, *, red: bool, now: datetime, reason: str = "") -> SrvEReceipt:
    pay = s.get(SrvFeePayment, payment_id)
    bill = s.get(SrvFeeBill, pay.bill_id)
    code = receipt_code(bill.hall_code, now.astimezone().year)
    number = _next_number(s, code)
    amount = -pay.amount_fen if red else pay.amount_fen
    check = hashlib.sha256(f"{code}{number}{amount}{payment_id}".encode()).hexdigest()[:6].upper()
    data = {
        "payment_id": payment_id, "code": code, "number": number, "check_code": check, "red": red, "amount_fen": amount,
        "issued_at": now.isoformat(), "name": E_RECEIPT_NAME, "payer": bill.payer_name, "case_no": bill.case_no,
        "items": [{"name": l.get("name"), "standard_fen": l.get("standard_fen"), "quantity": l.get("quantity"),
                   "unit": l.get("unit"), "amount_fen": -l.get("due_fen", 0) if red else l.get("due_fen", 0)}
                  for l in bill.lines if isinstance(l, dict) and l.get("due_fen")],
        "payee_unit": next((l.get("payee") for l in bill.lines if isinstance(l, dict) and l.get("payee")), "") or "示例市财政局非税收入管理局",
        "collector": bill.clerk or "", "reviewer": "系统自动复核", "channel": pay.platform_channel or pay.channel,
    }
    if red:
        blue = s.scalar(select(SrvEReceipt).where(SrvEReceipt.payment_id == payment_id, SrvEReceipt.red.is_(False)))
        data["original"] = {"code": blue.code, "number": blue.number}
        data["reason"] = reason
    r = SrvEReceipt(payment_id=payment_id, code=code, number=number, check_code=check, red=red, amount_fen=amount,
                    issued_at=now, data=data)
    s.add(r)
    s.flush()
    return r


def _publish_bill(s: Session, bill_id: str, now: datetime) -> None:
    bill = s.get(SrvFeeBill, bill_id)
    pay = s.scalar(select(SrvFeePayment).where(SrvFeePayment.bill_id == bill_id))
    conf = None
    if pay is not None and pay.channel == "notice":
        conf = {"payment_id": pay.payment_id, "amount_fen": pay.amount_fen, "channel": pay.platform_channel,
                "transaction_id": pay.transaction_id, "paid_at": pay.paid_at.isoformat()}
    receipts = [r.data for r in s.scalars(select(SrvEReceipt).where(SrvEReceipt.payment_id == pay.payment_id).order_by(SrvEReceipt.id))] if pay else []
    publish(s, "fees", [(bill.hall_code, f"bill:{bill_id}", {"bill_id": bill_id, "case_id": bill.case_id,
                                                             "confirmation": conf, "receipts": receipts})], now)


# --- the payment platform's confirmation ------------------------------------------------------


def confirm_payment(db: ServerDB, payment_code: Any, amount_fen: Any, channel: Any = "wechat", transaction_id: Any = None,
                    paid_at: Any = None, hall_code: str | None = None) -> dict[str, Any]:
    """The payment platform says the notice `payment_code` was paid: record it once, issue the
    e-receipt, publish both to the hall. `hall_code` (of the caller's token) limits the codes it
    may confirm. Refuses (FeeRefused) an unknown code, a wrong amount, a second confirmation."""
    from hallclient.fees.codes import valid_payment_code

    if not isinstance(payment_code, str) or not valid_payment_code(payment_code):
        raise FeeRefused(422, "缴款码无效（应为 20 位数字，校验位正确）")
    if not _fen(amount_fen):
        raise FeeRefused(422, "缴款金额无效（应为以分为单位的正整数，且不超过 1000 万元）")
    if channel not in PLATFORM_CHANNELS:
        raise FeeRefused(422, f"支付渠道应为：{'、'.join(PLATFORM_CHANNELS)}")
    if transaction_id is not None and (not isinstance(transaction_id, str) or not _TXN.match(transaction_id)):
        raise FeeRefused(422, "交易流水号应为 6–64 位字母或数字")
    when = _time(paid_at) if paid_at is not None else utcnow()
    if when is None:
        raise FeeRefused(422, "paid_at 应为带时区的 ISO 8601 时间")
    now = utcnow()
    with db.session() as s:
        bill = s.scalar(select(SrvFeeBill).where(SrvFeeBill.payment_code == payment_code).with_for_update())
        if bill is None or (hall_code is not None and bill.hall_code != hall_code):
            raise FeeRefused(404, f"没有缴款码为 {payment_code} 的缴款通知书（窗口的记录可能尚未同步）")
        if amount_fen != bill.total_fen:
            raise FeeRefused(422, f"缴款金额 {amount_fen / 100:.2f} 元与缴款通知书的应缴金额 {bill.total_fen / 100:.2f} 元不符，未入账")
        prev = s.scalar(select(SrvFeePayment).where(SrvFeePayment.bill_id == bill.bill_id))
        if prev is not None:
            raise FeeRefused(409, f"缴款码 {payment_code} 已于 {prev.paid_at.astimezone():%Y-%m-%d %H:%M} 确认缴款，不能重复确认")
        if transaction_id and s.scalar(select(SrvFeePayment.payment_id).where(SrvFeePayment.transaction_id == transaction_id)):
            raise FeeRefused(409, f"交易流水号 {transaction_id} 已确认过另一笔缴款，不能重复入账")
        pay = SrvFeePayment(payment_id=str(uuid.uuid4()), bill_id=bill.bill_id, hall_code=bill.hall_code, channel="notice",
                            platform_channel=channel, transaction_id=transaction_id, amount_fen=amount_fen, paid_at=when)
        s.add(pay)
        s.flush()
        r = _issue(s, pay.payment_id, red=False, now=now)
        _publish_bill(s, bill.bill_id, now)
        return {"payment_code": payment_code, "case_no": bill.case_no, "payment_id": pay.payment_id, "amount_fen": amount_fen,
                "e_receipt": {"code": r.code, "number": r.number, "check_code": r.check_code}, "confirmed_at": now.isoformat()}


def stats(s: Session) -> dict[str, Any]:
    n = lambda stmt: s.scalar(stmt) or 0  # noqa: E731
    return {
        "bills": n(select(func.count()).select_from(SrvFeeBill)),
        "notices": n(select(func.count()).select_from(SrvFeeBill).where(SrvFeeBill.method == "notice")),
        "payments": n(select(func.count()).select_from(SrvFeePayment)),
        "payments_fen": n(select(func.sum(SrvFeePayment.amount_fen))),
        "reversed": n(select(func.count()).select_from(SrvFeePayment).where(SrvFeePayment.reversed.is_(True))),
        "e_receipts": n(select(func.count()).select_from(SrvEReceipt).where(SrvEReceipt.red.is_(False))),
        "red_receipts": n(select(func.count()).select_from(SrvEReceipt).where(SrvEReceipt.red.is_(True))),
    }
