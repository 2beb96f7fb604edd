"""What the certificate page shows: the cases waiting for their certificate or hand-over, and
everything about one case's certificate (plain data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hallclient.certificates.calibration import Offset, get_offset
from hallclient.certificates.handover import DeliverySlip, delivery_slip
from hallclient.certificates.issue import ISSUABLE_STATES, CertificateInfo, certificate_of_case, info
from hallclient.certificates.models import Certificate
from hallclient.certificates.stock import SheetInfo, StockLine, sheets_of, stock_report
from hallclient.certificates.templates import Template, get_template
from hallclient.errors import ValidationFailed
from hallclient.models import Applicant, Case, ServiceItem

STATUS_LABELS = {None: "待制证", "issued": "待打印", "printed": "待出件", "handed_over": "已出件"}


@dataclass(frozen=True)
class WorkRow:
    case_id: str
    case_no: str
    item_name: str
    applicant_name: str
    case_state: str
    certificate_status: str  # label
    decided_at: datetime | None


@dataclass(frozen=True)
class CertificateView:
    case_id: str
    case_no: str
    item_name: str
    applicant_name: str
    applicant_kind: str
    agent_name: str
    address: str
    certificate: CertificateInfo
    template: Template
    sheets: tuple[SheetInfo, ...]
    stock: StockLine | None
    offset: Offset
    delivery: DeliverySlip | None


def work_list(session: Session, query: str = "", limit: int = 200) -> list[WorkRow]:
    """Decided cases whose item has a certificate: not yet handed over, or (with `query`) any
    whose case number, applicant or item matches."""
    stmt = (select(Case, ServiceItem.name, Applicant.name, Certificate.status)
            .join(ServiceItem, Case.item_id == ServiceItem.id).join(Applicant, Case.applicant_id == Applicant.id)
            .outerjoin(Certificate, Certificate.case_id == Case.id)
            .where(Case.state.in_(ISSUABLE_STATES + ("completed",)), ServiceItem.certificate_template.is_not(None),
                   Case.training.is_(False)))
    q = query.strip()
    if q:
        stmt = stmt.where(or_(Case.case_no.startswith(q, autoescape=True), Applicant.name.contains(q, autoescape=True),
                              ServiceItem.name.contains(q, autoescape=True), Certificate.certificate_no == q))
    else:
        stmt = stmt.where(or_(Certificate.status.is_(None), Certificate.status != "handed_over"))
    rows = session.execute(stmt.order_by(Case.decided_at.desc(), Case.created_at.desc()).limit(limit)).all()
    return [WorkRow(c.id, c.case_no or "", item, name, c.state, STATUS_LABELS.get(st, st), c.decided_at)
            for c, item, name, st in rows]


def certificate_view(session: Session, case_id: str, printer: str) -> CertificateView:
    case = session.get(Case, case_id)
    if case is None:
        raise ValidationFailed("办件不存在")
    cert = certificate_of_case(session, case_id)
    if cert is None:
        raise ValidationFailed("该办件还没有证照记录（尚未批准，或事项不出证）")
    t = get_template(session, cert.template_key)
    stock = next((x for x in stock_report(session) if x.template_key == cert.template_key), None)
    slip = delivery_slip(session, cert.id) if cert.status == "handed_over" else None
    a = case.applicant
    return CertificateView(case.id, case.case_no or "", case.item.name, a.name, a.kind,
                           case.agent.name if case.agent else "", a.address or "", info(session, cert), t,
                           tuple(sheets_of(session, cert.id)), stock, get_offset(session, printer), slip)
