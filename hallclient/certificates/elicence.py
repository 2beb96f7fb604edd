"""Electronic licences (电子证照) from the central library, and the materials they replace.

When the applicant is identified (card read or USCC typed), the window asks the library for
the holder's licences (sync/licences.py). `mark_exempt` then marks every material still
missing whose catalogue entry names a licence type the holder has a usable licence of as
免于提交, with the licence's identifier. A licence that is revoked, expired, not yet valid or
whose identifier does not check is never used — the row stays for the clerk to check on paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from hallclient.certificates.identifier import identifier_valid
from hallclient.errors import ValidationFailed
from hallclient.models import Material


@dataclass(frozen=True)
class ELicence:
    licence_id: str
    licence_type: str
    holder_name: str
    holder_code: str
    holder_code_type: str
    authority_name: str
    valid_from: date
    valid_to: date | None  # None: 长期
    status: str  # valid | revoked

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "ELicence":
        try:
            return cls(str(d["licence_id"]), str(d["licence_type"]), str(d.get("holder_name", "")), str(d["holder_code"]),
                       str(d.get("holder_code_type", "")), str(d.get("authority_name", "")),
                       date.fromisoformat(d["valid_from"]), date.fromisoformat(d["valid_to"]) if d.get("valid_to") else None,
                       str(d.get("status", "valid")))
        except (KeyError, TypeError, ValueError) as e:
            raise ValidationFailed("电子证照库的应答格式不对，已忽略，请按纸质材料核验") from e


def why_unusable(lic: ELicence, today: date) -> str | None:
    """Why a licence cannot replace a material today (Chinese), or None when it can."""
    if lic.status != "valid":
        return "已注销" if lic.status == "revoked" else f"状态为{lic.status}"
    if lic.valid_from > today:
        return f"{lic.valid_from:%Y-%m-%d} 起才生效"
    if lic.valid_to is not None and lic.valid_to < today:
        return f"已于 {lic.valid_to:%Y-%m-%d} 过期"
    if not identifier_valid(lic.licence_id):
        return "证照标识校验不通过"
    return None


@dataclass(frozen=True)
class Marking:
    exempted: tuple[tuple[str, str], ...]  # (material name, licence identifier)
    refused: tuple[tuple[str, str], ...]  # (material name, why its licence could not be used)


def mark_exempt(session: Session, case_id: str, holder_code: str, licences: list[ELicence] | tuple[ELicence, ...],
                today: date) -> Marking:
    """Mark missing materials of a draft case 免于提交 from the holder's usable licences."""
    from hallclient.intake.cases import editable_case
    from hallclient.intake.checklist import apply_status

    case = editable_case(session, case_id)
    if case.applicant.id_number.strip().upper() != holder_code.strip().upper():
        return Marking((), ())  # licences of someone else (the clerk moved on): nothing to do
    exempted, refused = [], []
    for row in case.materials:
        if row.status != "missing" or row.material_id is None:
            continue
        m = session.get(Material, row.material_id)
        if m is None or not m.e_licence_type:
            continue
        of_type = [lic for lic in licences if lic.licence_type == m.e_licence_type
                   and lic.holder_code.strip().upper() == holder_code.strip().upper()]
        good = sorted((lic for lic in of_type if why_unusable(lic, today) is None), key=lambda x: x.valid_from, reverse=True)
        if good:
            apply_status(session, row, "exempt", today=today, e_licence_no=good[0].licence_id)
            exempted.append((row.name, good[0].licence_id))
        elif of_type:
            refused.append((row.name, f"{m.e_licence_type}{why_unusable(of_type[0], today)}"))
    return Marking(tuple(exempted), tuple(refused))
