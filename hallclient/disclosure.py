"""Showing personal data in full, on purpose: permission checked and audited. Qt-free.

Lists, the hall display, tickets and logs show masked values (`personal.mask_*`). A full ID
number appears only through `reveal_id_number`, which needs the role (supervisor) or a
supervisor's on-the-spot authorisation, and leaves an audit record naming the case, who
looked and who authorised it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hallclient import audit
from hallclient.errors import HallError
from hallclient.models import Case
from hallclient.permissions import Action, Actor, Authorisation, require
from hallclient.personal import mask_id


@dataclass(frozen=True)
class Revealed:
    case_id: str
    applicant_name: str
    id_number: str


def reveal_id_number(session: Session, actor: Actor, case_id: str, authorisation: Authorisation | None = None,
                     now: datetime | None = None) -> Revealed:
    """The applicant's full ID number of a case, for `actor` (checked, audited). The caller commits."""
    require(actor, Action.VIEW_FULL_ID, authorisation)
    case = session.get(Case, case_id)
    if case is None:
        raise HallError("找不到该办件")
    number = case.applicant.id_number
    audit.record(session, actor, audit.AuditAction.VIEW_FULL_ID, {
        "case_id": case.id, "case_no": case.case_no, "id_masked": mask_id(number),
        "authoriser": authorisation.authoriser_username if authorisation else None,
    }, now)
    return Revealed(case.id, case.applicant.name, number)
