"""Intake at the window (受理): applicants, the material checklist, decisions. Qt-free.

Every function takes the caller's SQLAlchemy session, so a decision, its case state, its event
and its outbox row commit or roll back together. Callers on the UI side run these through
`ui.ops.Op(..., writer=True)`; only plain data (ids, dataclasses, snapshots) comes back.

The names below are imported on first use, so `hallclient.intake.cli` (registered with every
`hallclient` command) stays cheap to import.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ApplicantHit": "applicants", "ApplicantInput": "applicants", "find_applicants": "applicants",
    "save_applicant": "applicants",
    "Desk": "cases", "AcceptResult": "cases", "accept": "cases", "attach_agent": "cases",
    "complete_on_the_spot": "cases", "record_unresolved": "cases", "refuse": "cases",
    "request_supplement": "cases", "resume": "cases", "start_case": "cases", "withdraw": "cases",
    "Verdict": "checklist", "checklist_verdict": "checklist", "update_material": "checklist",
    "allocate_case_number": "numbering",
    "log_print": "prints", "next_print_is_reprint": "prints",
    "case_snapshot": "snapshot",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(name)
    value = getattr(importlib.import_module(f"hallclient.intake.{mod}"), name)
    globals()[name] = value
    return value
