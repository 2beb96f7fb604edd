"""Shared helpers of the certificate tests (imported by test modules; not a test file)."""

from __future__ import annotations

import sys
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intake"))

from intake_helpers import desk_for, item_id, make_id, make_uscc  # noqa: E402

from hallclient.certificates.issue import certificate_of_case  # noqa: E402
from hallclient.intake import ApplicantInput, save_applicant, start_case  # noqa: E402
from hallclient.intake.cases import accept, complete_on_the_spot, load_case  # noqa: E402
from hallclient.intake.checklist import update_material  # noqa: E402
from hallclient.models import User  # noqa: E402
from hallclient.permissions import Actor  # noqa: E402

__all__ = ["make_id", "make_uscc", "actor", "decided_case", "approve_from_server", "TODAY"]
TODAY = date(2026, 9, 30)
NOW = datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc)


def actor(session, username: str = "clerk") -> Actor:
    u = session.scalars(select(User).where(User.username == username)).one()
    return Actor(u.id, u.username, u.role, u.display_name)


def approve_from_server(session, case_id: str, fields: dict | None = None) -> None:
    """The back office's approval as the sync pull applies it (sync/apply.py)."""
    from sync.apply import apply_rows

    case = load_case(session, case_id)
    d = {"case_id": case_id, "case_no": case.case_no, "decision": "approve", "state": "approved", "reason": None,
         "decided_at": NOW.isoformat()}
    if fields:
        d["fields"] = fields
    apply_rows(session, "approvals", [{"seq": 1, "key": case_id, "data": d}])


def decided_case(session, code: str = "SCJG-001", *, applicant: ApplicantInput | None = None,
                 agent: ApplicantInput | None = None, fields: dict | None = None) -> tuple[str, str]:
    """A case of item `code`, accepted and decided (即办件 completed at the window, others
    approved by the server); returns (case id, certificate id)."""
    desk = desk_for(session)
    applicant = applicant or ApplicantInput("person", "李䶮", make_id("44030419900101123"), address="示例市福田区示例路 88 号")
    aid = save_applicant(session, applicant)
    agent_id = save_applicant(session, agent) if agent else None
    cid = start_case(session, desk, item_id(session, code), aid, agent_id=agent_id, now=NOW)
    for row in load_case(session, cid).materials:
        if row.required:
            update_material(session, cid, row.id, "received", today=TODAY)
    accept(session, cid, desk, now=NOW)
    if load_case(session, cid).case_type == "immediate":
        complete_on_the_spot(session, cid, desk, now=NOW)
    else:
        approve_from_server(session, cid, fields)
    cert = certificate_of_case(session, cid)
    return cid, cert.id if cert else None


def without_demo_stock(session) -> None:
    """Remove the demo seed's blank stock (nothing printed yet), so a test registers its own."""
    from sqlalchemy import delete

    from hallclient.certificates.models import StockRange

    session.execute(delete(StockRange))
