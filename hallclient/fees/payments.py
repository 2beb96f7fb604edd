"""Charging a case: a payment notice (票款分离, the default) or a payment at the window (cash,
card, scan), a confirmation of a notice from the central server, and reversals.

Every write records the case event (and so its outbox row) in the caller's transaction:
state, event and outbox commit together or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import record_event
from hallclient.errors import ValidationFailed
from hallclient.fees.codes import allocate_payment_code
from hallclient.fees.days import closed_guard, ensure_open, first_open_day
from hallclient.fees.money import check_fen, format_yuan
from hallclient.fees.records import EReceipt, FeeBill, FeePayment, FeeReversal
from hallclient.fees.rules import Assessment, Exemption, assess, normalise_rules
from hallclient.intake.cases import Desk, load_case, local_today
from hallclient.models import Case, new_uuid, utcnow
from hallclient.permissions import Action, Actor, Authorisation, require

CHANNELS = {"cash": "现金", "card": "银行卡", "scan": "扫码支付", "notice": "缴款通知书（非税缴款）"}
PLATFORM_CHANNELS = {"wechat": "微信支付", "alipay": "支付宝", "unionpay": "云闪付", "pos": "POS 机刷卡", "bank": "银行柜台"}
BILL_STATES = {"awaiting": "待缴费", "paid": "已缴费", "reversed": "已退款/冲红"}
CHARGEABLE_STATES = ("accepted", "completed", "approved")
_REFERENCE = re.compile(r"^[0-9A-Za-z\-_]{6,40}$")
MAX_REASON = 200


@dataclass(frozen=True)
class BillResult:
    bill_id: str
    case_id: str
    method: str
    total_fen: int
    payment_code: str | None = None
    payment_id: str | None = None
    change_fen: int | None = None


def _chargeable_case(session: Session, case_id: str) -> Case:
    case = load_case(session, case_id)
    if case.state not in CHARGEABLE_STATES:
        raise ValidationFailed("办件尚未受理（或已撤回、不予受理），不能收费；请先受理该办件")
    return case


def assessment_for(session: Session, case_id: str, quantities: dict[int, int] | None = None,
                   exemptions: list[Exemption] | tuple[Exemption, ...] = ()) -> Assessment:
    """What the case's item charges with these quantities and exemptions (from the catalogue's
    rules: the window never trusts a total it was handed)."""
    case = load_case(session, case_id)
    return assess(normalise_rules(case.item.fee_rules), quantities, exemptions)


def open_bill(session: Session, case_id: str) -> FeeBill | None:
    """The case's bill that is still awaiting payment or paid and not reversed (at most one)."""
    for bill in session.scalars(select(FeeBill).where(FeeBill.case_id == case_id).order_by(FeeBill.created_at.desc())):
        if bill_state(session, bill.id) != "reversed":
            return bill
    return None


def bill_state(session: Session, bill_id: str) -> str:
    pay = session.scalar(select(FeePayment).where(FeePayment.bill_id == bill_id))
    if pay is None:
        return "awaiting"
    rev = session.scalar(select(FeeReversal.id).where(FeeReversal.payment_id == pay.id))
    return "reversed" if rev else "paid"


def _new_bill(session: Session, actor: Actor, desk: Desk, case: Case, method: str, a: Assessment,
              now: datetime) -> FeeBill:
    if a.total_fen <= 0:
        raise ValidationFailed("应收金额为零（免费或已全额减免），无需收费")
    check_fen(a.total_fen, what="应收金额")
    if open_bill(session, case.id) is not None:
        raise ValidationFailed("该办件已有未退款的收费单，不能重复收费；如需更正请先退款（冲红）")
    day = local_today(now)
    ensure_open(session, actor.user_id, day)
    bill = FeeBill(id=new_uuid(), case_id=case.id, clerk_id=actor.user_id, window_id=desk.window_id, business_day=day,
                   method=method, payer_name=case.applicant.name, lines=[l.as_dict() for l in a.lines],
                   total_fen=a.total_fen, created_at=now)
    return bill


def _bill_payload(bill: FeeBill, a: Assessment, desk: Desk, actor: Actor) -> dict[str, Any]:
    return {"clerk": actor.display_name,
        "bill_id": bill.id, "method": bill.method, "payment_code": bill.payment_code, "total_fen": bill.total_fen,
        "gross_fen": a.gross_fen, "reduction_fen": a.reduction_fen, "lines": bill.lines, "payer_name": bill.payer_name,
        "business_day": bill.business_day.isoformat(), "window": desk.window_code, "item_code": None,
    }


def issue_notice(session: Session, actor: Actor, desk: Desk, case_id: str, quantities: dict[int, int] | None = None,
                 exemptions: list[Exemption] | tuple[Exemption, ...] = (), now: datetime | None = None) -> BillResult:
    """A payment notice (缴款通知书) with its payment code; the case waits for the platform's
    confirmation (待缴费), which arrives through sync."""
    require(actor, Action.TAKE_FEE)
    now = now or utcnow()
    case = _chargeable_case(session, case_id)
    a = assessment_for(session, case_id, quantities, exemptions)
    bill = _new_bill(session, actor, desk, case, "notice", a, now)
    bill.payment_code = allocate_payment_code(session, desk.hall_code, desk.window_code)
    with closed_guard():
        session.add(bill)
        session.flush()
    payload = _bill_payload(bill, a, desk, actor) | {"item_code": case.item.code}
    record_event(session, case, "fee_notice_issued", payload, actor.user_id)
    return BillResult(bill.id, case.id, "notice", bill.total_fen, payment_code=bill.payment_code)


def check_reference(reference: str, channel: str) -> str:
    ref = (reference or "").strip().upper()
    if not ref:
        raise ValidationFailed(f"{CHANNELS[channel]}收费须录入终端凭证号或交易流水号（可扫描小票上的条码）")
    if not _REFERENCE.match(ref):
        raise ValidationFailed("交易参考号应为 6–40 位字母或数字，请核对后重新录入或扫描")
    return ref


def pay_at_window(session: Session, actor: Actor, desk: Desk, case_id: str, channel: str,
                  quantities: dict[int, int] | None = None, exemptions: list[Exemption] | tuple[Exemption, ...] = (),
                  *, tendered_fen: int | None = None, reference: str = "", now: datetime | None = None) -> BillResult:
    """The applicant pays at the window: cash (`tendered_fen`, the change is computed), bank card
    or scan-to-pay (`reference` of the terminal or the transaction). Bill and payment together."""
    require(actor, Action.TAKE_FEE)
    if channel not in ("cash", "card", "scan"):
        raise ValidationFailed("收费方式无效")
    now = now or utcnow()
    case = _chargeable_case(session, case_id)
    a = assessment_for(session, case_id, quantities, exemptions)
    bill = _new_bill(session, actor, desk, case, channel, a, now)
    change = None
    ref = ""
    if channel == "cash":
        if tendered_fen is None:
            raise ValidationFailed("请输入实收现金金额")
        check_fen(tendered_fen, what="实收金额")
        if tendered_fen < a.total_fen:
            raise ValidationFailed(f"实收 {format_yuan(tendered_fen)} 少于应收 {format_yuan(a.total_fen)}，请核对金额")
        change = tendered_fen - a.total_fen
    else:
        ref = check_reference(reference, channel)
        if session.scalar(select(FeePayment.id).where(FeePayment.reference == ref, FeePayment.channel == channel)):
            raise ValidationFailed(f"交易参考号 {ref} 已用于另一笔收费，同一笔交易不能入账两次")
    pay = FeePayment(id=new_uuid(), bill_id=bill.id, case_id=case.id, clerk_id=actor.user_id, window_id=desk.window_id,
                     business_day=bill.business_day, channel=channel, amount_fen=a.total_fen,
                     tendered_fen=tendered_fen if channel == "cash" else None, change_fen=change, reference=ref, paid_at=now)
    with closed_guard():
        session.add(bill)
        session.flush()
        session.add(pay)
        session.flush()
    payload = _bill_payload(bill, a, desk, actor) | {
        "item_code": case.item.code, "payment_id": pay.id, "channel": channel, "amount_fen": pay.amount_fen,
        "tendered_fen": pay.tendered_fen, "change_fen": change, "reference": ref, "paid_at": now.isoformat(),
    }
    record_event(session, case, "fee_paid", payload, actor.user_id)
    return BillResult(bill.id, case.id, channel, bill.total_fen, payment_id=pay.id, change_fen=change)


def reverse_payment(session: Session, actor: Actor, payment_id: str, reason: str,
                    authorisation: Authorisation | None = None, now: datetime | None = None) -> str:
    """Refund a window payment / 冲红 a confirmed one (the central server then issues the
    red-letter e-receipt). Needs a supervisor: the actor's own role or `authorisation` given on
    the spot by another person. The payment stays; the reversal is its own record."""
    require(actor, Action.REVERSE_FEE, authorisation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("退款（冲红）必须填写原因")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"原因最多 {MAX_REASON} 字")
    now = now or utcnow()
    pay = session.get(FeePayment, payment_id)
    if pay is None:
        raise ValidationFailed("收费记录不存在")
    if session.scalar(select(FeeReversal.id).where(FeeReversal.payment_id == pay.id)):
        raise ValidationFailed("这笔收费已经退款（冲红），不能再次退款")
    day = local_today(now)
    ensure_open(session, actor.user_id, day)
    authoriser = authorisation.authoriser_id if authorisation else actor.user_id
    rev = FeeReversal(id=new_uuid(), payment_id=pay.id, case_id=pay.case_id, clerk_id=actor.user_id, business_day=day,
                      channel=pay.channel, amount_fen=pay.amount_fen, reason=reason, authoriser_id=authoriser, at=now)
    with closed_guard():
        session.add(rev)
        session.flush()
    case = load_case(session, pay.case_id)
    record_event(session, case, "fee_reversed", {
        "reversal_id": rev.id, "payment_id": pay.id, "bill_id": pay.bill_id, "channel": pay.channel,
        "amount_fen": pay.amount_fen, "reason": reason, "authoriser_id": authoriser,
        "authoriser": authorisation.authoriser_name if authorisation else actor.display_name,
        "business_day": day.isoformat(),
    }, actor.user_id)
    return rev.id


# --- what the central server sends down (sync/apply.py) ---------------------------------------


def apply_fee_row(session: Session, data: dict[str, Any]) -> None:
    """One row of the `fees` stream: a bill's confirmation and its e-receipts. Idempotent: a
    payment is recorded once per bill, an e-receipt once per (code, number) — a page pulled
    twice after a crash changes nothing."""
    bill = session.get(FeeBill, data["bill_id"])
    if bill is None:
        return  # a bill of another PC of the hall: its own window applies it
    case = load_case(session, bill.case_id)
    pay = session.scalar(select(FeePayment).where(FeePayment.bill_id == bill.id))
    conf = data.get("confirmation")
    if pay is None and conf:
        amount = int(conf["amount_fen"])
        if amount != bill.total_fen:
            raise ValidationFailed(f"中心服务器确认的缴款金额 {format_yuan(amount)} 与缴款通知书 {format_yuan(bill.total_fen)} 不符")
        paid_at = datetime.fromisoformat(conf["paid_at"])
        day = first_open_day(session, bill.clerk_id, local_today(utcnow()))
        pay = FeePayment(id=str(conf["payment_id"]), bill_id=bill.id, case_id=bill.case_id, clerk_id=bill.clerk_id,
                         window_id=bill.window_id, business_day=day, channel="notice", amount_fen=amount,
                         reference=str(conf.get("transaction_id") or "")[:64], paid_at=paid_at)
        session.add(pay)
        session.flush()
        record_event(session, case, "fee_paid", {
            "bill_id": bill.id, "payment_id": pay.id, "channel": "notice", "amount_fen": amount,
            "platform_channel": conf.get("channel"), "reference": pay.reference, "paid_at": conf["paid_at"],
            "source": "server",
        }, outbox=False)
    for r in data.get("receipts") or []:
        if pay is None or r.get("payment_id") != pay.id:
            continue
        if session.scalar(select(EReceipt.id).where(EReceipt.code == r["code"], EReceipt.number == r["number"])):
            continue
        if session.scalar(select(EReceipt.id).where(EReceipt.payment_id == pay.id, EReceipt.red.is_(bool(r.get("red"))))):
            continue  # one blue and at most one red receipt per payment, ever
        session.add(EReceipt(payment_id=pay.id, case_id=bill.case_id, code=r["code"], number=r["number"],
                             check_code=r["check_code"], red=bool(r.get("red")), amount_fen=int(r["amount_fen"]),
                             issued_at=datetime.fromisoformat(r["issued_at"]), data=r))
        session.flush()
        record_event(session, case, "fee_e_receipt", {
            "payment_id": pay.id, "code": r["code"], "number": r["number"], "red": bool(r.get("red")),
            "amount_fen": int(r["amount_fen"]), "source": "server",
        }, outbox=False)

