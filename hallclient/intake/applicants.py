"""Applicants (申请人) and agents (代办人): validated input, lookup of earlier applicants.

Lookup by ID number or credit code goes through `hallclient.personal.id_lookup_key` only, so
that encrypting personal data at rest later changes nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.intake.id_types import ID_TYPE_LABELS  # noqa: F401 - re-exported
from hallclient.models import Applicant, utcnow
from hallclient.personal import id_lookup_key, keys_of, mask_id, phone_lookup_key
from hallclient.validation import normalize, validate_id, validate_phone, validate_uscc

PERSON_ID_TYPES = ("resident", "gat_permit", "foreign_old", "foreign_2023")


@dataclass(frozen=True)
class ApplicantInput:
    """What the clerk typed or the card reader delivered. `id_type` may be left empty for a
    person: the validated number decides it."""

    kind: str  # person | organisation
    name: str
    id_number: str
    id_type: str = ""
    phone: str = ""
    address: str = ""
    gender: str = ""
    birth_date: date | None = None
    legal_rep_name: str = ""
    legal_rep_id_number: str = ""
    photo_wlt: bytes = b""


@dataclass(frozen=True)
class ApplicantHit:
    id: int
    kind: str
    name: str
    id_type: str
    id_number: str
    id_masked: str
    phone: str
    address: str
    legal_rep_name: str
    legal_rep_id_number: str


def hit_of(a: Applicant) -> ApplicantHit:
    return ApplicantHit(
        a.id, a.kind, a.name, a.id_type, a.id_number, mask_id(a.id_number), a.phone or "", a.address or "",
        a.legal_rep_name or "", a.legal_rep_id_number or "",
    )


def check_applicant(inp: ApplicantInput) -> tuple[str, str, str, str]:
    """Validate; returns (id_type, normalised id number, normalised phone, legal rep id).

    Raises ValidationFailed naming the field and exactly what is wrong."""
    if inp.kind not in ("person", "organisation"):
        raise ValidationFailed(f"申请人类型无效：{inp.kind}")
    if not inp.name.strip():
        raise ValidationFailed("姓名/名称为必填项" if inp.kind == "person" else "单位名称为必填项")
    rep_id = ""
    if inp.kind == "organisation":
        v = validate_uscc(inp.id_number)
        if not v.valid:
            raise ValidationFailed(f"统一社会信用代码：{v.error}")
        id_type, number = "uscc", v.normalized
        if inp.legal_rep_id_number.strip():
            r = validate_id(inp.legal_rep_id_number)
            if not r.valid:
                raise ValidationFailed(f"法定代表人证件号码：{r.error}")
            rep_id = r.normalized
    elif inp.id_type == "passport":
        number = normalize(inp.id_number)
        if not 5 <= len(number) <= 20 or not number.isalnum():
            raise ValidationFailed("护照号码应为 5–20 位字母或数字")
        id_type = "passport"
    else:
        v = validate_id(inp.id_number)
        if not v.valid:
            raise ValidationFailed(f"证件号码：{v.error}")
        id_type, number = v.kind, v.normalized
    phone = ""
    if inp.phone.strip():
        p = validate_phone(inp.phone)
        if not p.valid:
            raise ValidationFailed(f"联系电话：{p.error}")
        phone = p.normalized
    return id_type, number, phone, rep_id


def save_applicant(session: Session, inp: ApplicantInput, *, now: datetime | None = None) -> int:
    """Create the applicant, or update the earlier one with the same ID number / credit code.
    Returns its id. Nothing is written when validation fails."""
    id_type, number, phone, rep_id = check_applicant(inp)
    key = id_lookup_key(number, keys_of(session))
    row = session.scalars(select(Applicant).where(Applicant.id_key == key, Applicant.kind == inp.kind)).first()
    now = now or utcnow()
    if row is None:
        row = Applicant(kind=inp.kind, id_key=key, created_at=now)
        session.add(row)
    row.name = inp.name.strip()
    row.id_type = id_type
    row.id_number = number
    row.updated_at = now
    # Empty fields keep what an earlier visit recorded: a typed re-entry rarely has everything.
    if phone:
        row.phone = phone
        row.phone_key = phone_lookup_key(phone)
    if inp.address.strip():
        row.address = inp.address.strip()
    if inp.gender:
        row.gender = inp.gender
    if inp.birth_date:
        row.birth_date = inp.birth_date
    if inp.photo_wlt:
        row.photo_wlt = inp.photo_wlt
    if inp.legal_rep_name.strip():
        row.legal_rep_name = inp.legal_rep_name.strip()
    if rep_id:
        row.legal_rep_id_number = rep_id
    session.flush()
    return row.id


def find_applicants(session: Session, query: str, limit: int = 20) -> list[ApplicantHit]:
    """Earlier applicants by full ID number / credit code (exact, any case or width) or by
    name (contains; rare characters compare exactly)."""
    q = query.strip()
    if not q:
        return []
    hits: list[Applicant] = []
    norm = normalize(q)
    if len(norm) >= 15 and norm.isalnum():
        hits = list(session.scalars(select(Applicant).where(Applicant.id_key == id_lookup_key(norm, keys_of(session))).limit(limit)))
    if not hits:
        stmt = (
            select(Applicant)
            .where(Applicant.name.contains(q, autoescape=True))
            .order_by(Applicant.updated_at.desc())
            .limit(limit)
        )
        hits = list(session.scalars(stmt))
    return [hit_of(a) for a in hits]


def get_applicant(session: Session, applicant_id: int) -> ApplicantHit:
    a = session.get(Applicant, applicant_id)
    if a is None:
        raise ValidationFailed("申请人不存在")
    return hit_of(a)
