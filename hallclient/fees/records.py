"""The fee tables of the local store (收费). Every row is a record of its clerk's business day:
once that day is closed (日结), the database itself refuses to change or add to it (triggers
of migration 0006), as it refuses to rewrite `case_event`.

A bill's state is never stored: it follows from its payment and that payment's reversal
(hallclient.fees.payments.bill_state), so a confirmation arriving after the close of the day the
notice was issued adds a record and changes none.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.models import Base, new_uuid, utcnow


class FeeBill(Base):
    """What a case is charged (收费单): the computed lines, the total, how it is to be paid.
    `method` notice (票款分离: a payment notice with `payment_code`) or cash/card/scan."""

    __tablename__ = "fee_bill"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), default=None)
    business_day: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(8))
    payment_code: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)
    payer_name: Mapped[str] = mapped_column(String(200), default="")
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    total_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeePayment(Base):
    """Money received for a bill: at the window (cash with tendered and change, card, scan with
    the terminal's reference) or, for a notice, confirmed by the payment platform via sync."""

    __tablename__ = "fee_payment"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    bill_id: Mapped[str] = mapped_column(ForeignKey("fee_bill.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), default=None)
    business_day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8))  # cash | card | scan | notice
    amount_fen: Mapped[int] = mapped_column(Integer)
    tendered_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    change_fen: Mapped[int | None] = mapped_column(Integer, default=None)
    reference: Mapped[str] = mapped_column(String(64), default="")
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_fee_payment_clerk_day", "clerk_id", "business_day"),)


class FeeReversal(Base):
    """A refund of a window payment or the 冲红 of a confirmed one: its own record, with the
    supervisor who authorised it on the spot. The payment stays."""

    __tablename__ = "fee_reversal"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    payment_id: Mapped[str] = mapped_column(ForeignKey("fee_payment.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    business_day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8))  # of the payment: money goes back the same way
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    authoriser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class EReceipt(Base):
    """A fiscal e-receipt (财政电子票据) issued by the central server and pulled down; `red` is
    the red-letter receipt (冲红) of a reversed payment, with a negative amount."""

    __tablename__ = "fee_e_receipt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("fee_payment.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))  # 票据代码
    number: Mapped[str] = mapped_column(String(10))  # 票据号码
    check_code: Mapped[str] = mapped_column(String(20))  # 校验码
    red: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_fen: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # every printed field

    __table_args__ = (UniqueConstraint("code", "number"), UniqueConstraint("payment_id", "red"))


class ReceiptStock(Base):
    """A numbered range of paper receipts (起始号–终止号) given to one clerk; numbers are taken
    strictly in order (`next_no`), never twice, never skipped."""

    __tablename__ = "fee_receipt_stock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))  # 票据代码 printed on the stock
    first_no: Mapped[int] = mapped_column(Integer)
    last_no: Mapped[int] = mapped_column(Integer)
    next_no: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=8)
    registered_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperReceipt(Base):
    """One number of a paper receipt stock, from the moment it is taken: `taken` (committed
    before printing), `printed`, or `void` (作废, with its reason, kept for ever)."""

    __tablename__ = "fee_paper_receipt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("fee_receipt_stock.id"))
    number: Mapped[int] = mapped_column(Integer)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    business_day: Mapped[date] = mapped_column(Date)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("fee_payment.id"), default=None)
    state: Mapped[str] = mapped_column(String(8), default="taken")
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    printed_at: Mapped[datetime | None] = mapped_column(default=None)
    void_reason: Mapped[str | None] = mapped_column(Text, default=None)
    void_authoriser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("stock_id", "number"),)


class FeeDayClose(Base):
    """A clerk's daily close (日结): the totals as closed. One per clerk and day."""

    __tablename__ = "fee_day_close"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    business_day: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(default=utcnow)
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("clerk_id", "business_day"),)


#: Tables whose rows belong to a (clerk, business day); frozen by that day's close.
DAY_TABLES = ("fee_bill", "fee_payment", "fee_reversal", "fee_paper_receipt")
#: Tables that are only ever inserted into.
APPEND_ONLY = ("fee_bill", "fee_payment", "fee_reversal", "fee_e_receipt", "fee_day_close")
CLOSED_MESSAGE = "fee day closed"


def trigger_sql() -> list[str]:
    """The triggers that make a closed day read-only and the records append-only (migration 0006
    creates them; tests create the schema through the migrations too)."""
    out = []
    for t in DAY_TABLES:
        for verb, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            out.append(
                f"CREATE TRIGGER {t}_closed_{verb.lower()} BEFORE {verb} ON {t} "
                f"WHEN EXISTS (SELECT 1 FROM fee_day_close c WHERE c.clerk_id = {row}.clerk_id "
                f"AND c.business_day = {row}.business_day) "
                f"BEGIN SELECT RAISE(ABORT, '{CLOSED_MESSAGE}'); END"
            )
    for t in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            out.append(f"CREATE TRIGGER {t}_no_{verb.lower()} BEFORE {verb} ON {t} BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END")
    # A stock's counter only moves forward and its range never changes: a number handed out
    # stays handed out.
    out.append(
        "CREATE TRIGGER fee_receipt_stock_forward BEFORE UPDATE ON fee_receipt_stock "
        "WHEN NEW.next_no < OLD.next_no OR NEW.first_no != OLD.first_no OR NEW.last_no != OLD.last_no "
        "OR NEW.clerk_id != OLD.clerk_id "
        "BEGIN SELECT RAISE(ABORT, 'receipt stock numbers only move forward'); END"
    )
    out.append("CREATE TRIGGER fee_receipt_stock_no_delete BEFORE DELETE ON fee_receipt_stock "
               "BEGIN SELECT RAISE(ABORT, 'receipt stock is kept'); END")
    out.append("CREATE TRIGGER fee_paper_receipt_no_delete BEFORE DELETE ON fee_paper_receipt "
               "BEGIN SELECT RAISE(ABORT, 'paper receipts are kept'); END")
    return out


def trigger_names() -> list[str]:
    return [sql.split()[2] for sql in trigger_sql()]
