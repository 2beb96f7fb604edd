"""Hand-over (出件 / 送达) of a printed certificate, and the 送达回证 it produces.

In person: the recipient's ID (read from the card or typed) must be the applicant's, the
legal representative's (an organisation), or an agent's with a recorded 授权委托书 — the
agent of the case whose letter was received at intake, or one whose letter the clerk records
now. Anyone else is refused and nothing changes. By mail: courier and tracking number. Either
way the case becomes 办结 (completed), with its event through the outbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import record_event
from hallclient.certificates.models import Certificate, CertificateTemplate, Delivery
from hallclient.errors import ValidationFailed
from hallclient.models import Case, User, Window, new_uuid, utcnow
from hallclient.permissions import Action, Actor, require
from hallclient.personal import mask_id
from hallclient.validation import validate_id, validate_uscc

RELATIONS = {"applicant": "申请人本人", "legal_rep": "法定代表人", "agent": "受托代办人"}
COURIERS = ("中国邮政 EMS", "顺丰速运", "京东物流", "其他")
_TRACKING = re.compile(r"^[0-9A-Za-z-]{6,30}$")


@dataclass(frozen=True)
class DeliverySlip:
    """The content of a 送达回证 (plain data for printing/)."""

    case_no: str
    item_name: str
    hall_name: str
    authority: str
    applicant_name: str
    documents: tuple[tuple[str, str, int], ...]  # (name, number, count)
    method: str  # in_person | mail
    recipient_name: str
    recipient_id_masked: str
    relation: str
    agent_reason: str
    courier: str
    tracking_no: str
    address: str
    delivered_at: datetime
    clerk_name: str
    window_name: str


def _same(a: str | None, b: str) -> bool:
    return bool(a) and a.strip().upper() == b.strip().upper()


def _normalised_id(recipient_id: str) -> str:
    v = validate_id(recipient_id or "")
    if not v.valid:
        raise ValidationFailed(f"领取人证件号码有误：{v.error}。请重新读卡或核对后输入")
    return v.normalized


def _printed(session: Session, certificate_id: str) -> tuple[Certificate, Case]:
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise ValidationFailed("证照不存在")
    if cert.status == "handed_over":
        raise ValidationFailed("该证照已经出件")
    if cert.status != "printed":
        raise ValidationFailed("证照尚未打印，请先打印证照再出件")
    return cert, session.get(Case, cert.case_id)


def _letter_received(case: Case) -> bool:
    return any("委托" in m.name and m.status == "received" for m in case.materials)


def recipient_relation(case: Case, recipient_id: str, letter_note: str = "") -> tuple[str, str]:
    """(relation, agent reason) of a recipient; ValidationFailed when they may not receive it."""
    a = case.applicant
    if a.kind == "person" and _same(a.id_number, recipient_id):
        return "applicant", ""
    if a.kind == "organisation" and _same(a.legal_rep_id_number, recipient_id):
        return "legal_rep", ""
    if case.agent is not None and _same(case.agent.id_number, recipient_id) and _letter_received(case):
        return "agent", "受理时已提交授权委托书"
    if letter_note.strip():
        return "agent", f"领取时提交授权委托书：{letter_note.strip()}"
    raise ValidationFailed(
        f"领取人（{mask_id(recipient_id)}）不是申请人{'的法定代表人' if a.kind == 'organisation' else '本人'}，"
        "也没有登记的授权委托书，不能出件。请由申请人本人领取，或由代办人持申请人签署的授权委托书办理（登记后再读卡）")


def hand_over(session: Session, actor: Actor, certificate_id: str, recipient_id: str, recipient_name: str, *,
              letter_note: str = "", now: datetime | None = None) -> str:
    """出件 in person; returns the delivery id."""
    require(actor, Action.HAND_OVER)
    rid = _normalised_id(recipient_id)
    name = (recipient_name or "").strip()
    if not name:
        raise ValidationFailed("请填写领取人姓名（读卡自动填入）")
    cert, case = _printed(session, certificate_id)
    relation, reason = recipient_relation(case, rid, letter_note)
    return _deliver(session, actor, cert, case, now, method="in_person", recipient_name=name[:200],
                    recipient_id_number=rid, relation=relation, agent_reason=reason)


def mail(session: Session, actor: Actor, certificate_id: str, courier: str, tracking_no: str, address: str,
         recipient_name: str = "", *, now: datetime | None = None) -> str:
    """寄递: the certificate goes by courier to the applicant's address."""
    require(actor, Action.HAND_OVER)
    courier, tracking_no, address = (courier or "").strip(), (tracking_no or "").strip(), (address or "").strip()
    if not courier:
        raise ValidationFailed("请选择寄递公司")
    if not _TRACKING.match(tracking_no):
        raise ValidationFailed("运单号应为 6–30 位字母或数字，请核对快递面单")
    if len(address) < 6:
        raise ValidationFailed("请填写完整的寄递地址")
    cert, case = _printed(session, certificate_id)
    return _deliver(session, actor, cert, case, now, method="mail", recipient_name=(recipient_name or case.applicant.name)[:200],
                    relation="applicant", courier=courier[:40], tracking_no=tracking_no, address=address[:300])


def _deliver(session: Session, actor: Actor, cert: Certificate, case: Case, now: datetime | None, **kw) -> str:
    now = now or utcnow()
    d = Delivery(id=new_uuid(), certificate_id=cert.id, case_id=case.id, user_id=actor.user_id, at=now, **kw)
    session.add(d)
    cert.status = "handed_over"
    case.state = "completed"
    case.decided_at = case.decided_at or now
    payload = {"certificate_id": cert.id, "certificate_no": cert.certificate_no, "method": d.method,
               "relation": d.relation, "recipient_name": d.recipient_name, "agent_reason": d.agent_reason}
    if d.method == "mail":
        payload.update(courier=d.courier, tracking_no=d.tracking_no)
    else:
        payload["recipient_id_number"] = d.recipient_id_number
    record_event(session, case, "handed_over", payload, actor.user_id)
    return d.id


def delivery_slip(session: Session, certificate_id: str) -> DeliverySlip:
    d = session.scalars(select(Delivery).where(Delivery.certificate_id == certificate_id)).first()
    if d is None:
        raise ValidationFailed("该证照尚未出件，没有送达回证")
    cert = session.get(Certificate, certificate_id)
    case = session.get(Case, cert.case_id)
    tpl = session.get(CertificateTemplate, cert.template_key)
    clerk = session.get(User, d.user_id) if d.user_id else None
    win = session.get(Window, case.window_id) if case.window_id else None
    docs = ((tpl.name if tpl else cert.licence_type, cert.certificate_no, 1),)
    return DeliverySlip(
        case.case_no or "", case.item.name, win.hall.name if win else "", cert.authority_name, case.applicant.name,
        docs, d.method, d.recipient_name, mask_id(d.recipient_id_number or ""), RELATIONS.get(d.relation, d.relation),
        d.agent_reason, d.courier, d.tracking_no, d.address or "", d.at, clerk.display_name if clerk else "",
        win.name if win else "")


def check_uscc_or_id(value: str) -> bool:
    return validate_id(value).valid or validate_uscc(value).valid
