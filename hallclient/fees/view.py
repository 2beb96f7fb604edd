"""What the 收费 page and the receipts show: plain data of a case's fees (safe across threads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.fees.payments import BILL_STATES, CHARGEABLE_STATES
from hallclient.fees.records import EReceipt, FeeBill, FeePayment, FeeReversal, PaperReceipt
from hallclient.fees.rules import normalise_rules
from hallclient.fees.stock import PaperReceiptInfo, StockInfo, current_stock, receipt_info, unconfirmed
from hallclient.intake.cases import STATE_LABELS, load_case
from hallclient.models import Case, Hall, User, Window


@dataclass(frozen=True)
class PaymentView:
    id: str
    channel: str
    amount_fen: int
    tendered_fen: int | None
    change_fen: int | None
    reference: str
    paid_at: datetime
    business_day: date
    clerk_name: str
    reversed: bool
    reversal_reason: str = ""


@dataclass(frozen=True)
class EReceiptView:
    id: int
    payment_id: str
    code: str
    number: str
    check_code: str
    red: bool
    amount_fen: int
    issued_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class BillView:
    id: str
    method: str
    state: str
    state_label: str
    total_fen: int
    payment_code: str | None
    payer_name: str
    lines: tuple[dict[str, Any], ...]
    created_at: datetime
    business_day: date
    clerk_name: str
    window_name: str
    payment: PaymentView | None
    e_receipts: tuple[EReceiptView, ...]
    paper: tuple[PaperReceiptInfo, ...]


@dataclass(frozen=True)
class CaseFees:
    case_id: str
    case_no: str
    case_state: str
    case_state_label: str
    chargeable: bool
    item_code: str
    item_name: str
    department: str
    applicant_name: str
    hall_name: str
    rules: tuple[dict[str, Any], ...]
    bills: tuple[BillView, ...]
    fee_status: str  # 免费 / 未收费 / 待缴费 / 已缴费 / 已退款
    stock: StockInfo | None = None
    unconfirmed: tuple[PaperReceiptInfo, ...] = field(default_factory=tuple)

    @property
    def active_bill(self) -> BillView | None:
        return next((b for b in self.bills if b.state != "reversed"), None)


def _name(session: Session, user_id: int | None) -> str:
    u = session.get(User, user_id) if user_id else None
    return u.display_name if u else ""


def case_fees(session: Session, case_id: str, clerk_id: int | None = None) -> CaseFees:
    case = load_case(session, case_id)
    rules = tuple(normalise_rules(case.item.fee_rules))
    # Everything of the case in one query per table: the page reloads this after every
    # charge and every sync cycle.
    pays = {p.bill_id: p for p in session.scalars(select(FeePayment).where(FeePayment.case_id == case_id))}
    revs = {r.payment_id: r for r in session.scalars(select(FeeReversal).where(FeeReversal.case_id == case_id))}
    ereceipts: dict[str, list[EReceipt]] = {}
    for e in session.scalars(select(EReceipt).where(EReceipt.case_id == case_id).order_by(EReceipt.id)):
        ereceipts.setdefault(e.payment_id, []).append(e)
    papers: dict[str, list[PaperReceipt]] = {}
    if pays:
        ids = [p.id for p in pays.values()]
        for r in session.scalars(select(PaperReceipt).where(PaperReceipt.payment_id.in_(ids)).order_by(PaperReceipt.id)):
            papers.setdefault(r.payment_id, []).append(r)
    names: dict[int | None, str] = {}

    def name(user_id: int | None) -> str:
        if user_id not in names:
            names[user_id] = _name(session, user_id)
        return names[user_id]

    bills = []
    for b in session.scalars(select(FeeBill).where(FeeBill.case_id == case_id).order_by(FeeBill.created_at.desc())):
        pay = pays.get(b.id)
        rev = revs.get(pay.id) if pay else None
        state = "awaiting" if pay is None else ("reversed" if rev else "paid")
        pv, ev, paper = None, (), ()
        if pay is not None:
            pv = PaymentView(pay.id, pay.channel, pay.amount_fen, pay.tendered_fen, pay.change_fen, pay.reference, pay.paid_at,
                             pay.business_day, name(pay.clerk_id), rev is not None, rev.reason if rev else "")
            ev = tuple(EReceiptView(e.id, e.payment_id, e.code, e.number, e.check_code, e.red, e.amount_fen, e.issued_at, dict(e.data))
                       for e in ereceipts.get(pay.id, ()))
            paper = tuple(receipt_info(session, r) for r in papers.get(pay.id, ()))
        win = session.get(Window, b.window_id) if b.window_id else None
        bills.append(BillView(b.id, b.method, state, BILL_STATES[state], b.total_fen, b.payment_code, b.payer_name,
                              tuple(b.lines), b.created_at, b.business_day, name(b.clerk_id),
                              win.name if win else "", pv, ev, paper))
    active = next((b for b in bills if b.state != "reversed"), None)
    if active is not None:
        status = active.state_label
    elif bills:
        status = "已退款/冲红"
    elif not any(r["kind"] != "free" for r in rules):
        status = "免费"
    else:
        status = "未收费"
    hall = session.scalars(select(Hall)).first()
    return CaseFees(
        case.id, case.case_no or "", case.state, STATE_LABELS.get(case.state, case.state), case.state in CHARGEABLE_STATES,
        case.item.code, case.item.name, case.item.department.name, case.applicant.name, hall.name if hall else "",
        rules, tuple(bills), status,
        current_stock(session, clerk_id) if clerk_id else None,
        tuple(unconfirmed(session, clerk_id)) if clerk_id else (),
    )


def find_case(session: Session, text: str) -> str:
    """A case id from a case number (typed or scanned), a payment code or a case id."""
    q = (text or "").strip()
    if not q:
        raise ValidationFailed("请输入或扫描办件编号（或缴款码）")
    cid = session.scalar(select(Case.id).where(or_(Case.case_no == q, Case.id == q)))
    if cid is None:
        cid = session.scalar(select(FeeBill.case_id).where(FeeBill.payment_code == q))
    if cid is None:
        raise ValidationFailed(f"本机没有办件编号或缴款码为 {q[:30]} 的办件")
    return cid
