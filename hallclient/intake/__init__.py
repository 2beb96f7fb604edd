"""Intake at the window (受理): applicants, the material checklist, decisions. Qt-free.

Every function takes the caller's SQLAlchemy session, so a decision, its case state, its event
and its outbox row commit or roll back together. Callers on the UI side run these through
`ui.ops.Op(..., writer=True)`; only plain data (ids, dataclasses, snapshots) comes back.
"""

from hallclient.intake.applicants import ApplicantHit, ApplicantInput, find_applicants, save_applicant
from hallclient.intake.cases import (
    Desk,
    accept,
    attach_agent,
    complete_on_the_spot,
    record_unresolved,
    refuse,
    request_supplement,
    resume,
    start_case,
    withdraw,
)
from hallclient.intake.checklist import Verdict, checklist_verdict, update_material
from hallclient.intake.numbering import allocate_case_number
from hallclient.intake.prints import log_print, next_print_is_reprint
from hallclient.intake.snapshot import case_snapshot

__all__ = [
    "ApplicantHit", "ApplicantInput", "Desk", "Verdict", "accept", "allocate_case_number", "attach_agent",
    "case_snapshot", "checklist_verdict", "complete_on_the_spot", "find_applicants", "log_print",
    "next_print_is_reprint", "record_unresolved", "refuse", "request_supplement", "resume", "save_applicant",
    "start_case", "update_material", "withdraw",
]
