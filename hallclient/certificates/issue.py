"""An approval result becomes a certificate record: fields, number and 证照标识.

Called when the back office's approval is pulled (sync/apply.py), when a 即办件 is decided at
the window (hallclient.intake.cases.complete_on_the_spot), and by the certificate page for a
decided case that has none yet. Idempotent per case. The record is written with its case
event and, unless the case is training data, a `certificate.issued` outbox item from which the
central server's 电子证照库 creates the e-licence — all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import enqueue, record_event
from hallclient.certificates.identifier import build_identifier
from hallclient.certificates.models import Certificate
from hallclient.certificates.templates import FIELDS, Template, get_template
from hallclient.errors import ValidationFailed
from hallclient.models import Case, CaseEvent, NumberSequence, Window, new_uuid, utcnow

#: Case states from which a certificate may be issued: approved by the back office, or a
#: 即办件 completed at the window.
ISSUABLE_STATES = ("approved", "completed")
HOLDER_CODE_TYPES = {"resident": "111", "gat_permit": "111", "uscc": "001"}
OTHER_HOLDER_CODE_TYPE = "999"  # GB/T 36903 lists more; only 111 and 001 are used by this hall
VERIFY_URL = "https://dzzz.example.gov.cn/verify?id="  # demo: the province's verification page
#: Fields the clerk may complete before the first print (what the approval did not carry).
EDITABLE = ("legal_rep", "address", "business_type", "business_scope", "registered_capital", "established",
            "main_business", "business_items", "decision_text")


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate as plain data (for pages, documents and other threads)."""

    id: str
    case_id: str
    case_no: str
    template_key: str
    template_name: str
    certificate_no: str
    licence_id: str
    licence_type: str
    holder_name: str
    holder_code: str
    holder_code_type: str
    authority_name: str
    authority_uscc: str
    issue_date: date
    valid_from: date
    valid_to: date | None
    fields: dict[str, str]
    status: str


def cn_date(d: date | None) -> str:
    return "长期" if d is None else f"{d.year}年{d.month:02d}月{d.day:02d}日"


def holder_code_type(id_type: str) -> str:
    return HOLDER_CODE_TYPES.get(id_type, OTHER_HOLDER_CODE_TYPE)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28) - timedelta(days=1)


def _next_number(session: Session, t: Template, region: str, year: int, window: str) -> str:
    name = f"cert:{t.key}:{year}:{window}"
    seq = session.get(NumberSequence, name)
    if seq is None:
        seq = NumberSequence(name=name, value=0)
        session.add(seq)
    seq.value += 1
    return f"{t.number_prefix}{region}{year}{window}{seq.value:05d}"


def _decision_fields(session: Session, case_id: str) -> dict[str, str]:
    """Certificate fields carried by the back office's decision (approvals stream), if any."""
    ev = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.type == "decision")
                         .order_by(CaseEvent.seq.desc())).first()
    extra = (ev.payload or {}).get("fields") if ev is not None else None
    return {k: str(v) for k, v in (extra or {}).items() if k in FIELDS and isinstance(v, (str, int))}


def certificate_of_case(session: Session, case_id: str) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.case_id == case_id)
                           .order_by(Certificate.created_at.desc())).first()


def issue_for_case(session: Session, case_id: str, *, actor_id: int | None = None, now: datetime | None = None,
                   today: date | None = None) -> str | None:
    """The certificate of a decided case (created if needed); None when the item produces no
    certificate. Refuses (ValidationFailed) a case not approved/completed, or one whose
    template or issuing authority is not configured."""
    case = session.get(Case, case_id)
    if case is None:
        raise ValidationFailed("办件不存在")
    existing = certificate_of_case(session, case_id)
    if existing is not None:
        return existing.id
    item = case.item
    if not item.certificate_template:
        return None
    if case.state not in ISSUABLE_STATES:
        raise ValidationFailed("办件尚未批准（或未办结），不能制证")
    now = now or utcnow()
    today = today or now.astimezone().date()
    t = get_template(session, item.certificate_template)
    dept = item.department
    if not dept.uscc:
        raise ValidationFailed(f"发证机关“{dept.name}”的统一社会信用代码未配置，无法生成证照标识，请联系管理员")
    a = case.applicant
    win = session.get(Window, case.window_id) if case.window_id else None
    region = win.hall.region_code if win is not None and win.hall.region_code else dept.uscc[2:8]
    window = win.code if win is not None else "00"
    number = _next_number(session, t, region, today.year, window)
    licence_id = build_identifier(t.type_code, dept.uscc, number, 1)
    valid_to = _add_years(today, t.validity_years) if t.validity_years else None
    authority = dept.authority or dept.name
    cert = Certificate(
        id=new_uuid(), case_id=case.id, template_key=t.key, template_version=t.version, certificate_no=number,
        licence_id=licence_id, licence_type=t.licence_type, holder_name=a.name, holder_code=a.id_number,
        holder_code_type=holder_code_type(a.id_type), authority_name=authority, authority_uscc=dept.uscc,
        issue_date=today, valid_from=today, valid_to=valid_to, status="issued", created_at=now,
    )
    values = {
        "holder_name": a.name, "holder_code": a.id_number,
        "legal_rep": a.legal_rep_name or (a.name if a.kind == "person" else ""),
        "address": a.address or "", "item_name": item.name, "case_no": case.case_no or "",
        "certificate_no": number, "licence_id": licence_id, "authority": authority,
        "issue_date": cn_date(today), "valid_from": cn_date(today), "valid_to": cn_date(valid_to),
        "validity": f"{cn_date(today)}至{cn_date(valid_to)}" if valid_to else "长期",
        "decision_text": f"经审查，{a.name}提出的{item.name}申请符合法定条件、标准，根据《中华人民共和国行政许可法》"
                         f"第三十八条第一款的规定，决定准予行政许可。",
        "verify_url": VERIFY_URL + licence_id,
    }
    values.update(_decision_fields(session, case.id))
    cert.fields = {k: values.get(k, "") for k in FIELDS}
    session.add(cert)
    session.flush()
    record_event(session, case, "certificate_issued",
                 {"certificate_id": cert.id, "certificate_no": number, "licence_id": licence_id,
                  "template": t.key, "template_version": t.version}, actor_id)
    if not case.training:
        enqueue(session, "certificate.issued", licence_payload(cert), uuid=cert.id)
    return cert.id


def licence_payload(c: Certificate) -> dict[str, Any]:
    """What the central 电子证照库 records of a certificate (docs/sync-protocol.md)."""
    return {
        "licence_id": c.licence_id, "licence_type": c.licence_type, "certificate_no": c.certificate_no,
        "holder_name": c.holder_name, "holder_code": c.holder_code, "holder_code_type": c.holder_code_type,
        "authority_name": c.authority_name, "authority_uscc": c.authority_uscc,
        "issue_date": c.issue_date.isoformat(), "valid_from": c.valid_from.isoformat(),
        "valid_to": c.valid_to.isoformat() if c.valid_to else None, "case_id": c.case_id,
    }


def info(session: Session, cert: Certificate) -> CertificateInfo:
    case = session.get(Case, cert.case_id)
    from hallclient.certificates.models import CertificateTemplate

    tpl = session.get(CertificateTemplate, cert.template_key)
    return CertificateInfo(
        cert.id, cert.case_id, case.case_no or "", cert.template_key, tpl.name if tpl else cert.template_key,
        cert.certificate_no, cert.licence_id, cert.licence_type, cert.holder_name, cert.holder_code,
        cert.holder_code_type, cert.authority_name, cert.authority_uscc, cert.issue_date, cert.valid_from,
        cert.valid_to, dict(cert.fields or {}), cert.status)


def set_fields(session: Session, certificate_id: str, values: dict[str, str], actor_id: int | None = None) -> None:
    """Complete the fields the approval did not carry, before the first print."""
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise ValidationFailed("证照不存在")
    if cert.status != "issued":
        raise ValidationFailed("证照已打印，内容不能再修改")
    bad = [k for k in values if k not in EDITABLE]
    if bad:
        raise ValidationFailed(f"字段“{FIELDS.get(bad[0], bad[0])}”不能在窗口修改")
    fields = dict(cert.fields or {})
    changed = {}
    for k, v in values.items():
        v = (v or "").strip()
        if len(v) > 2000:
            raise ValidationFailed(f"“{FIELDS[k]}”过长（不超过 2000 字）")
        if fields.get(k, "") != v:
            fields[k] = changed[k] = v
    if changed:
        cert.fields = fields
        record_event(session, session.get(Case, cert.case_id), "certificate_fields", {"certificate_id": cert.id,
                                                                                       "fields": changed}, actor_id)


def issue_if_configured(session: Session, case_id: str, actor_id: int | None = None) -> str | None:
    """`issue_for_case`, but a missing template or authority code does not undo the decision
    that called it: it is logged, and the certificate page says what is missing."""
    import logging

    from hallclient.errors import HallError

    try:
        with session.begin_nested():
            return issue_for_case(session, case_id, actor_id=actor_id)
    except HallError as e:
        logging.getLogger(__name__).warning("certificate not issued for case %s: %s", case_id, e.message)
        return None
