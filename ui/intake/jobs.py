"""Work the intake screens hand to background threads (through ui.ops.Op).

Every function takes the store and plain data and returns plain data: no widget, no live ORM
object crosses a thread. Writes are run with `Op(..., writer=True)`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from hallclient.intake import cases as case_ops
from hallclient.intake.applicants import ApplicantHit, ApplicantInput, find_applicants, save_applicant
from hallclient.intake.cases import AcceptResult, Desk, waiting_cases
from hallclient.intake.checklist import STATUS_LABELS, Verdict, checklist_verdict, rows_of, update_material
from hallclient.intake.prints import log_print, next_print_is_reprint, prints_of
from hallclient.intake.queries import search_cases, today_cases
from hallclient.intake.snapshot import case_snapshot
from hallclient.models import Case, Department, Material, ServiceItem
from hallclient.snapshots import CaseSnapshot

DOCS_BY_STATE = {
    "accepted": ("acceptance_notice", "material_receipt"),
    "completed": ("acceptance_notice", "material_receipt"),
    "supplement": ("supplement_notice",),
    "refused": ("refusal_notice",),
}
# Which event of the log issued which documents: a case that moved on (resumed, accepted,
# withdrawn) keeps every notice it was given, for a reprint (补打).
DOCS_BY_EVENT = {
    "accepted": ("acceptance_notice", "material_receipt"),
    "supplement_requested": ("supplement_notice",),
    "refused": ("refusal_notice",),
}
DOC_TITLES = {
    "acceptance_notice": "受理通知书",
    "material_receipt": "材料接收凭证",
    "supplement_notice": "补正材料通知书",
    "refusal_notice": "不予受理通知书",
}


def documents_of(snapshot: CaseSnapshot) -> tuple[str, ...]:
    """Every document the case was issued, the ones of its current state first (what the
    clerk prints now), then the older ones, latest first."""
    kinds = list(DOCS_BY_STATE.get(snapshot.state, ()))
    for e in reversed(snapshot.events):
        for k in DOCS_BY_EVENT.get(e.type, ()):
            if k not in kinds:
                kinds.append(k)
    return tuple(kinds)


def desk_of(session) -> Desk:
    """The decision desk of a logged-in ui.login.Session."""
    return Desk(session.user_id, session.window_id, session.window_code or "00", session.hall_code)


@dataclass(frozen=True)
class ItemEntry:
    id: int
    code: str
    name: str
    department_code: str
    department: str
    case_type: str
    pinyin: str


@dataclass(frozen=True)
class Catalogue:
    items: tuple[ItemEntry, ...]
    departments: tuple[tuple[str, str], ...]  # (code, name)
    recent: tuple[int, ...]  # this clerk's recent items, most recent first


def load_catalogue_view(store, user_id: int | None, recent_limit: int = 6) -> Catalogue:
    with store.read() as s:
        rows = s.execute(select(ServiceItem, Department).join(Department).where(ServiceItem.active.is_(True))
                         .order_by(ServiceItem.code)).all()
        items = tuple(ItemEntry(i.id, i.code, i.name, d.code, d.name, i.case_type, i.pinyin_initials) for i, d in rows)
        depts = tuple((d.code, d.name) for d in s.scalars(select(Department).order_by(Department.code)))
        recent: list[int] = []
        if user_id is not None:
            for (iid,) in s.execute(select(Case.item_id).where(Case.clerk_id == user_id, Case.training.is_(False))
                                    .order_by(Case.created_at.desc()).limit(200)):
                if iid not in recent:
                    recent.append(iid)
                if len(recent) >= recent_limit:
                    break
    return Catalogue(items, depts, tuple(recent))


@dataclass(frozen=True)
class RowState:
    id: int
    seq: int
    name: str
    required: bool
    status: str
    status_label: str
    original_expected: int
    copies_expected: int
    original_received: int
    copies_received: int
    detail: str
    gap_allowed: bool
    e_licence_type: str


@dataclass(frozen=True)
class CaseView:
    snapshot: CaseSnapshot
    rows: tuple[RowState, ...]
    verdict: Verdict
    item_id: int
    warnings: tuple[str, ...] = field(default_factory=tuple)
    accept_result: AcceptResult | None = None


def _detail(m) -> str:
    if m.status == "gap" and m.gap_due_date:
        return f"承诺 {m.gap_due_date:%Y-%m-%d} 前补交"
    if m.status == "exempt":
        return f"电子证照 {m.e_licence_no or ''}"
    return m.reason or ""


def case_view(store, case_id: str, warnings: tuple[str, ...] = (), accept_result=None) -> CaseView:
    with store.read() as s:
        case = s.get(Case, case_id)
        cat = {m.id: m for m in s.scalars(select(Material).where(Material.item_id == case.item_id))}
        rows = tuple(
            RowState(m.id, m.seq, m.name, m.required, m.status, STATUS_LABELS.get(m.status, m.status),
                     m.original_expected, m.copies_expected, m.original_received, m.copies_received, _detail(m),
                     bool(cat.get(m.material_id) and cat[m.material_id].gap_allowed),
                     (cat[m.material_id].e_licence_type or "") if m.material_id in cat else "")
            for m in case.materials
        )
        verdict = checklist_verdict(rows_of(case.materials))
        return CaseView(case_snapshot(s, case_id), rows, verdict, case.item_id, tuple(warnings), accept_result)


# --- applicants ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LookupResult:
    hits: tuple[ApplicantHit, ...]
    waiting: tuple[tuple[str, str, str], ...]  # supplement cases of the single hit


def lookup_applicant(store, query: str) -> LookupResult:
    with store.read() as s:
        hits = tuple(find_applicants(s, query))
        waiting = tuple(waiting_cases(s, hits[0].id)) if len(hits) == 1 else ()
    return LookupResult(hits, waiting)


def start(store, desk: Desk, applicant: ApplicantInput, agent: ApplicantInput | None, item_id: int,
          ticket_no: str | None, card_verified: bool = False) -> CaseView:
    """Save the applicant (and agent) and start the case, in one transaction. `card_verified`:
    the applicant's own card was read on the reader, which settles the ID row."""
    from hallclient.intake.checklist import mark_card_verified

    with store.write() as s:
        aid = save_applicant(s, applicant)
        agent_id = save_applicant(s, agent) if agent else None
        cid = case_ops.start_case(s, desk, item_id, aid, agent_id=agent_id, ticket_no=ticket_no)
        if card_verified:
            mark_card_verified(s, cid)
    return case_view(store, cid)


def set_row(store, case_id: str, row_id: int, status: str, detail: str = "", gap_due_date: date | None = None) -> CaseView:
    kw: dict = {}
    if status in ("missing", "defective"):
        kw["reason"] = detail
    elif status == "exempt":
        kw["e_licence_no"] = detail
    elif status == "gap":
        kw["gap_due_date"] = gap_due_date
    with store.write() as s:
        update_material(s, case_id, row_id, status, **kw)
    return case_view(store, case_id)


def set_counts(store, case_id: str, row_id: int, originals: int, copies: int) -> CaseView:
    """Mark a row received with the originals and copies actually handed in."""
    with store.write() as s:
        update_material(s, case_id, row_id, "received", original_received=originals, copies_received=copies)
    return case_view(store, case_id)


def receive_all(store, case_id: str) -> CaseView:
    """Mark every required material not yet settled as received (the common case)."""
    with store.write() as s:
        case = case_ops.editable_case(s, case_id)
        for m in case.materials:
            if m.required and m.status in ("missing", "defective"):
                update_material(s, case_id, m.id, "received")
    return case_view(store, case_id)


def decide(store, desk: Desk, case_id: str, action: str, **kw) -> CaseView:
    """Run one decision (accept, complete, supplement, resume, refuse, withdraw) and return the
    case as it now is."""
    result = None
    warnings: tuple[str, ...] = ()
    with store.write() as s:
        if action == "accept":
            result = case_ops.accept(s, case_id, desk)
            warnings = result.warnings
        elif action == "accept_complete":  # 即办件: accepted and completed in one go
            result = case_ops.accept(s, case_id, desk)
            case_ops.complete_on_the_spot(s, case_id, desk)
            warnings = result.warnings
        elif action == "complete":
            case_ops.complete_on_the_spot(s, case_id, desk)
        elif action == "supplement":
            case_ops.request_supplement(s, case_id, desk, deadline=kw.get("deadline"))
        elif action == "resume":
            case_ops.resume(s, case_id, desk)
        elif action == "refuse":
            case_ops.refuse(s, case_id, desk, kw["reason"], kw["authority"])
        elif action == "withdraw":
            case_ops.withdraw(s, case_id, desk, kw.get("reason", ""))
        else:
            raise ValueError(action)
    return case_view(store, case_id, warnings, result)


def supplement_deadline(store) -> date | None:
    """The deadline the F10 form proposes (working days from today), None without a calendar."""
    with store.read() as s:
        return case_ops.default_supplement_deadline(s, case_ops.local_today())


def set_agent(store, desk: Desk, case_id: str, agent: ApplicantInput | None) -> CaseView:
    """Attach (save first) or remove the agent of a draft case; the authorization letter row
    follows (hallclient.intake.cases.attach_agent)."""
    with store.write() as s:
        agent_id = save_applicant(s, agent) if agent else None
        case_ops.attach_agent(s, case_id, agent_id, desk)
    return case_view(store, case_id)


def record_unresolved(store, desk: Desk, reason: str, case_id: str | None, item_id: int | None,
                      applicant: ApplicantInput | None = None) -> str:
    """"办不成事", with or without a case; the applicant of the panel is saved and recorded."""
    with store.write() as s:
        applicant_id = save_applicant(s, applicant) if applicant and not case_id else None
        return case_ops.record_unresolved(s, desk, reason, case_id=case_id, item_id=item_id, applicant_id=applicant_id)


# --- documents ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RenderedDocument:
    case_id: str
    kind: str
    pdf: bytes
    reprint: bool
    seconds: float


def render(store, case_id: str, kind: str, snapshot: CaseSnapshot | None = None) -> RenderedDocument:
    """The PDF of a document as it would print now: marked 补打 when printed before."""
    from printing.documents import render_document

    t0 = time.perf_counter()
    with store.read() as s:
        reprint = next_print_is_reprint(s, case_id, kind)
        snap = snapshot or case_snapshot(s, case_id)
    pdf = render_document(kind, snap, reprint=reprint)
    return RenderedDocument(case_id, kind, pdf, reprint, time.perf_counter() - t0)


def log_printed(store, case_id: str, kind: str, user_id: int | None, printer: str, reprint: bool, copies: int = 1) -> bool:
    with store.write() as s:
        return log_print(s, case_id, kind, user_id, printer=printer, reprint=reprint, copies=copies)


# --- case list -----------------------------------------------------------------------------------

def list_today(store, window_id: int | None):
    with store.read() as s:
        return today_cases(s, window_id)


def list_search(store, query: str):
    with store.read() as s:
        return search_cases(s, query)


def case_detail(store, case_id: str):
    """(snapshot, print log) of a case for the detail view."""
    with store.read() as s:
        return case_snapshot(s, case_id), tuple(prints_of(s, case_id))
