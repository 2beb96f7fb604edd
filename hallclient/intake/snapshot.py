"""`case_snapshot`: a case as plain data for documents, screens and other threads."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hallclient.errors import ValidationFailed
from hallclient.intake.id_types import ID_TYPE_LABELS
from hallclient.provisional import is_provisional
from hallclient.models import Applicant, Case, CaseEvent, CaseType, Hall, Material, User, Window
from hallclient.snapshots import CaseSnapshot, EventLine, MaterialLine, PartyInfo


def _party(a: Applicant | None) -> PartyInfo | None:
    if a is None:
        return None
    # Snapshots feed paper and screens: the ID type goes out as its Chinese name, never the
    # stored code ("resident", "uscc").
    label = ID_TYPE_LABELS.get(a.id_type, a.id_type)
    return PartyInfo(a.kind, a.name, label, a.id_number, a.phone or "", a.address or "", a.legal_rep_name or "")


def case_snapshot(session: Session, case_id: str) -> CaseSnapshot:
    """Everything a document or a screen shows of the case, loaded now (no lazy loading later)."""
    case = session.scalars(
        select(Case).where(Case.id == case_id).options(
            selectinload(Case.materials), selectinload(Case.item), selectinload(Case.applicant), selectinload(Case.agent)
        )
    ).first()
    if case is None:
        raise ValidationFailed("办件不存在")
    item = case.item
    sources = {m.id: m.source for m in session.scalars(select(Material).where(Material.item_id == item.id))}
    materials = tuple(
        MaterialLine(
            seq=m.seq, name=m.name, required=m.required, status=m.status, original_expected=m.original_expected,
            copies_expected=m.copies_expected, original_received=m.original_received,
            copies_received=m.copies_received, reason=m.reason or "", gap_due_date=m.gap_due_date,
            e_licence_no=m.e_licence_no or "", source=sources.get(m.material_id, "") if m.material_id else "",
        )
        for m in case.materials
    )
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    actor_ids = {e.actor_id for e in events if e.actor_id} | ({case.clerk_id} if case.clerk_id else set())
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all()) if actor_ids else {}
    redirect = ""
    for e in events:
        if e.type == "refused":
            redirect = e.payload.get("redirect_authority", "")
    window = session.get(Window, case.window_id) if case.window_id else None
    hall = window.hall if window else session.scalars(select(Hall)).first()
    ct = session.get(CaseType, case.case_type)
    return CaseSnapshot(
        id=case.id,
        case_no=case.case_no or "",
        query_password=case.query_password or "",
        state=case.state,
        case_type=case.case_type,
        case_type_name=ct.name if ct else case.case_type,
        item_code=item.code,
        item_name=item.name,
        department=item.department.name,
        legal_basis=item.legal_basis or "",
        applicant=_party(case.applicant),
        agent=_party(case.agent),
        materials=materials,
        received_at=case.received_at,
        accepted_at=case.accepted_at,
        promised_date=case.promised_date,
        legal_limit_days=item.legal_limit_days,
        promised_limit_days=item.promised_limit_days,
        clerk_name=names.get(case.clerk_id, "") if case.clerk_id else "",
        window_name=window.name if window else "",
        hall_name=hall.name if hall else "",
        ticket_no=case.ticket_no or "",
        outcome_reason=case.outcome_reason or "",
        redirect_authority=redirect,
        training=case.training,
        events=tuple(EventLine(e.type, e.at, names.get(e.actor_id, "") if e.actor_id else "", dict(e.payload)) for e in events),
        promised_provisional=is_provisional(session, case.id),
    )
