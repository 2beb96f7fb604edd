"""The print log (打印记录): every document printed, by whom, when, first print or reprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient import audit
from hallclient.audit import AuditAction
from hallclient.models import PrintRecord, User, utcnow
from hallclient.permissions import Actor


@dataclass(frozen=True)
class PrintLine:
    document_kind: str
    at: datetime
    user: str
    reprint: bool
    copies: int
    printer: str


def next_print_is_reprint(session: Session, case_id: str, kind: str) -> bool:
    """Whether printing `kind` now is a reprint (补打): it was printed for this case before."""
    n = session.scalar(
        select(func.count()).select_from(PrintRecord).where(PrintRecord.case_id == case_id, PrintRecord.document_kind == kind)
    )
    return bool(n)


def log_print(session: Session, case_id: str | None, kind: str, user_id: int | None, *, printer: str = "",
              copies: int = 1, reprint: bool | None = None, now: datetime | None = None) -> bool:
    """Record a print; returns whether it was a reprint (decided from the log unless given)."""
    if reprint is None:
        reprint = next_print_is_reprint(session, case_id, kind) if case_id else False
    now = now or utcnow()
    session.add(PrintRecord(case_id=case_id, document_kind=kind, user_id=user_id, at=now, reprint=reprint,
                            copies=copies, printer=printer[:120]))
    user = session.get(User, user_id) if user_id else None
    audit.record(session, Actor(user.id, user.username, user.role) if user else None,
                 AuditAction.REPRINT if reprint else AuditAction.PRINT,
                 {"case_id": case_id, "document": kind, "copies": copies, "printer": printer[:120]}, now)
    return reprint


def prints_of(session: Session, case_id: str) -> list[PrintLine]:
    rows = session.execute(
        select(PrintRecord, User.display_name).outerjoin(User, User.id == PrintRecord.user_id)
        .where(PrintRecord.case_id == case_id).order_by(PrintRecord.id)
    ).all()
    return [PrintLine(p.document_kind, p.at, name or "", p.reprint, p.copies, p.printer) for p, name in rows]
