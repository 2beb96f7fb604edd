"""Starting a case and deciding it: accept, 即办件 completion, supplement, resume, refuse,
withdraw, and the "办不成事" record.

Each decision changes the case and appends its event (hallclient.caselog, which also writes
the outbox row) in the caller's transaction: a crash leaves either the old state or the new
state with its event and, for an accept, its number; never half.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import enqueue, record_event
from hallclient.errors import CalendarMissing, ValidationFailed
from hallclient.intake.checklist import checklist_verdict, rows_of
from hallclient.intake.numbering import allocate_case_number
from hallclient.models import Applicant, Case, CaseMaterial, Hall, ServiceItem, UnresolvedRequest, User, Window, new_uuid, utcnow
from hallclient.permissions import Action, Actor, PermissionDenied, require
from hallclient.workcalendar import WorkCalendar

STATE_LABELS = {
    "draft": "核验中",
    "accepted": "已受理",
    "supplement": "待补正",
    "refused": "不予受理",
    "withdrawn": "已撤回",
    "completed": "已办结",
    "approved": "已批准",
    "denied": "不予批准",
}
AUTHORIZATION_LETTER = "授权委托书"
# Neither the issue nor DOMAIN.md fixes how long the applicant has to bring the materials;
# five working days is the common practice of halls for a one-time notice. The clerk may
# change the date before the notice is issued.
SUPPLEMENT_WORKING_DAYS = 5


@dataclass(frozen=True)
class Desk:
    """Who decides, where: plain data taken from the login session."""

    user_id: int | None
    window_id: int | None
    window_code: str
    hall_code: str


@dataclass(frozen=True)
class AcceptResult:
    case_id: str
    case_no: str
    query_password: str
    promised_date: date
    legal_due_date: date | None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _require_serving(session: Session, desk: Desk) -> None:
    """Deciding a case is 窗口受理 (Action.SERVE_VISIT): the role is read from the store, not
    taken from the caller, so a desk of an administrator or of a deactivated user is refused."""
    user = session.get(User, desk.user_id) if desk.user_id is not None else None
    if user is None or not user.active:
        raise PermissionDenied("该用户不存在或已停用，不能办理业务：请重新登录")
    require(Actor(user.id, user.username, user.role, user.display_name), Action.SERVE_VISIT)


def local_today(now: datetime | None = None) -> date:
    """The hall's calendar day: the local date of the counter PC."""
    return (now or utcnow()).astimezone().date()


def load_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)  # identity map first: no query right after start_case
    if case is None:
        raise ValidationFailed("办件不存在")
    return case


def _require_state(case: Case, allowed: tuple[str, ...], action: str) -> None:
    if case.state not in allowed:
        raise ValidationFailed(f"办件当前状态为“{STATE_LABELS.get(case.state, case.state)}”，不能{action}")


def editable_case(session: Session, case_id: str) -> Case:
    case = load_case(session, case_id)
    _require_state(case, ("draft",), "修改材料核验（待补正的办件请先“继续办理”）")
    return case


def start_case(
    session: Session,
    desk: Desk,
    item_id: int,
    applicant_id: int,
    *,
    agent_id: int | None = None,
    ticket_no: str | None = None,
    training: bool = False,
    now: datetime | None = None,
) -> str:
    """A draft case for the item with the item's material checklist copied (the catalogue may
    change later; the case keeps what was checked). Returns the case id."""
    _require_serving(session, desk)
    now = now or utcnow()
    item = session.get(ServiceItem, item_id)
    if item is None or not item.active:
        raise ValidationFailed("事项不存在或已停用")
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise ValidationFailed("请先登记申请人")
    case = Case(
        id=new_uuid(), item_id=item.id, applicant_id=applicant_id, window_id=desk.window_id, clerk_id=desk.user_id,
        state="draft", case_type=item.case_type, ticket_no=ticket_no or None, received_at=now, training=training,
        created_at=now, updated_at=now,
    )
    case.item, case.applicant = item, applicant  # set, not loaded: usable before any flush
    case.materials = [
        CaseMaterial(
            material_id=m.id, seq=m.seq, name=m.name, required=m.required, status="missing",
            original_expected=m.original_count, copies_expected=m.copy_count,
        )
        for m in item.materials
    ]
    session.add(case)
    # CaseEvent.case is a view-only relationship, so the unit of work does not know events
    # depend on their case: the case row must exist before its first event is flushed.
    session.flush()
    record_event(session, case, "created", {"item_code": item.code, "ticket_no": ticket_no or "", "applicant": _party(applicant)},
                 desk.user_id, now=now)
    if agent_id is not None:
        attach_agent(session, case.id, agent_id, desk, now=now)
    return case.id


def _is_letter(row: CaseMaterial) -> bool:
    return "委托" in row.name


def attach_agent(session: Session, case_id: str, agent_id: int | None, desk: Desk, *,
                 now: datetime | None = None) -> None:
    """Set (or clear, with None) the agent (代办人). With an agent the authorization letter is
    a required material: the item's own row if it has one, else a row added to the case."""
    _require_serving(session, desk)
    case = editable_case(session, case_id)
    if agent_id is not None:
        agent = session.get(Applicant, agent_id)
        if agent is None or agent.kind != "person":
            raise ValidationFailed("代办人须为自然人，请先登记代办人身份证件")
        if agent_id == case.applicant_id:
            raise ValidationFailed("代办人不能是申请人本人")
    case.agent_id = agent_id
    case.agent = agent if agent_id is not None else None
    letter = next((m for m in case.materials if _is_letter(m)), None)
    if agent_id is not None:
        if letter is None:
            seq = max((m.seq for m in case.materials), default=0) + 1
            case.materials.append(
                CaseMaterial(seq=seq, name=AUTHORIZATION_LETTER, required=True, status="missing", original_expected=1,
                             copies_expected=0)
            )
        else:
            letter.required = True
    elif letter is not None:
        if letter.material_id is None:
            case.materials.remove(letter)
        else:
            letter.required = _catalogue_required(session, letter)
    record_event(session, case, "agent_set", {"agent_id": agent_id}, desk.user_id, now=now)


def _catalogue_required(session: Session, row: CaseMaterial) -> bool:
    from hallclient.models import Material

    m = session.get(Material, row.material_id)
    return bool(m and m.required)


def _materials_payload(case: Case) -> list[dict]:
    return [
        {
            "seq": m.seq, "name": m.name, "required": m.required, "status": m.status,
            "original": m.original_received, "copies": m.copies_received, "reason": m.reason or "",
            "gap_due_date": m.gap_due_date.isoformat() if m.gap_due_date else None, "e_licence_no": m.e_licence_no or "",
        }
        for m in case.materials
    ]


def _party(a: Applicant | None) -> dict | None:
    if a is None:
        return None
    return {"kind": a.kind, "name": a.name, "id_type": a.id_type, "id_number": a.id_number, "phone": a.phone or ""}


def accept(
    session: Session,
    case_id: str,
    desk: Desk,
    *,
    now: datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> AcceptResult:
    """受理: number, query password, promised and legal due dates, in one transaction.

    The promised date counts the item's promised limit in working days from the day after
    today. Without the calendar of the year it falls in, accept is refused with the
    calendar's message (a guessed date on the notice would be wrong). A legal due date beyond
    the known calendar is left empty and reported in `warnings`."""
    _require_serving(session, desk)
    now = now or utcnow()
    case = editable_case(session, case_id)
    verdict = checklist_verdict(rows_of(case.materials))
    if not verdict.can_accept:
        raise ValidationFailed("材料不齐全，不能受理：\n" + "\n".join(verdict.blockers))
    item = case.item
    today = local_today(now)
    from hallclient import provisional as prov

    cal = calendar or WorkCalendar.from_session(session)
    # A year without its holiday schedule does not block the case: its dates are counted over
    # weekends only, marked 暂定, and settled when the schedule arrives (hallclient.provisional).
    promised, promised_prov = prov.add_working_days_or_provisional(cal, today, item.promised_limit_days)
    legal, legal_prov = prov.add_working_days_or_provisional(cal, today, item.legal_limit_days)
    warnings: list[str] = []
    if promised_prov:
        warnings.append(f"承诺办结日期 {promised:%Y-%m-%d} 为暂定：{promised.year} 年节假日安排尚未公布，"
                        "暂按周末推算，公布后自动重新计算，请告知申请人以查询结果为准。")
    case.case_no = allocate_case_number(session, desk.hall_code, desk.window_code, today)
    case.query_password = f"{secrets.randbelow(10**6):06d}"
    case.state = "accepted"
    case.accepted_at = now
    case.clock_start = today
    case.promised_date = promised
    case.legal_due_date = legal
    if promised_prov:
        prov.note(session, case.id, "promised", promised)
    if legal_prov:
        prov.note(session, case.id, "legal", legal)
    case.window_id = desk.window_id or case.window_id
    case.clerk_id = desk.user_id or case.clerk_id
    record_event(
        session, case, "accepted",
        {
            "case_no": case.case_no, "item_code": item.code, "case_type": case.case_type,
            "promised_date": promised.isoformat(), "legal_due_date": legal.isoformat() if legal else None,
            "promised_provisional": promised_prov,
            "clock_start": today.isoformat(), "applicant": _party(case.applicant), "agent": _party(case.agent),
            "materials": _materials_payload(case), "window_code": desk.window_code, "hall_code": desk.hall_code,
        },
        desk.user_id,
        now=now,
    )
    return AcceptResult(case.id, case.case_no, case.query_password, promised, legal, tuple(warnings))


def complete_on_the_spot(session: Session, case_id: str, desk: Desk, *, now: datetime | None = None) -> None:
    """即办件 decided and finished at the window (办结)."""
    _require_serving(session, desk)
    now = now or utcnow()
    case = load_case(session, case_id)
    _require_state(case, ("accepted",), "当场办结")
    if case.case_type != "immediate":
        raise ValidationFailed("只有即办件可以当场办结")
    case.state = "completed"
    case.decided_at = now
    record_event(session, case, "completed", {"on_the_spot": True}, desk.user_id, now=now)
    from hallclient.certificates.issue import issue_if_configured

    issue_if_configured(session, case.id, desk.user_id)  # the 即办件's certificate, if it has one


def default_supplement_deadline(session: Session, today: date, calendar: WorkCalendar | None = None) -> date | None:
    """The deadline a supplement notice proposes: SUPPLEMENT_WORKING_DAYS working days after
    today, or None when the calendar of that year is not known (the clerk types a date)."""
    cal = calendar or WorkCalendar.from_session(session)
    try:
        return cal.add_working_days(today, SUPPLEMENT_WORKING_DAYS)
    except CalendarMissing:
        return None


def request_supplement(session: Session, case_id: str, desk: Desk, *, deadline: date | None = None,
                       now: datetime | None = None) -> list[dict]:
    """补正: every required material missing or defective (and an optional one the clerk marked
    defective), each with its reason, told at once (一次性告知). The case waits for the
    applicant in state "supplement". `deadline`, when given, must be after today and is
    printed on the notice. Returns the list."""
    _require_serving(session, desk)
    now = now or utcnow()
    case = editable_case(session, case_id)
    if deadline is not None and deadline <= local_today(now):
        raise ValidationFailed(f"补正期限 {deadline:%Y-%m-%d} 应晚于今天，请重新填写")
    verdict = checklist_verdict(rows_of(case.materials))
    if not verdict.can_supplement:
        if verdict.can_accept:
            raise ValidationFailed("必交材料已齐全（含容缺/免提交），无需补正，请直接受理")
        raise ValidationFailed("没有缺少或不符合要求的必交材料，无需补正")
    listed = [{"seq": r.seq, "name": r.name, "reason": r.reason or "未提交", "status": r.status,
               "required": r.required} for r in verdict.to_supplement]
    case.state = "supplement"
    case.outcome_reason = f"需补正材料 {len(listed)} 项：" + "；".join(f"{x['name']}（{x['reason']}）" for x in listed)
    case.window_id = desk.window_id or case.window_id
    case.clerk_id = desk.user_id or case.clerk_id
    record_event(session, case, "supplement_requested",
                 {"materials": listed, "deadline": deadline.isoformat() if deadline else None}, desk.user_id, now=now)
    return listed


def resume(session: Session, case_id: str, desk: Desk, *, now: datetime | None = None) -> None:
    """The applicant is back with the materials: the same case is checked again, and the
    clock starts again from the day after (received_at is now)."""
    _require_serving(session, desk)
    now = now or utcnow()
    case = load_case(session, case_id)
    _require_state(case, ("supplement",), "继续办理")
    case.state = "draft"
    case.received_at = now
    case.clock_start = local_today(now)
    case.window_id = desk.window_id or case.window_id
    case.clerk_id = desk.user_id or case.clerk_id
    record_event(session, case, "resumed", {"received_at": now.isoformat()}, desk.user_id, now=now)


def refuse(session: Session, case_id: str, desk: Desk, reason: str, redirect_authority: str, *,
           now: datetime | None = None) -> None:
    """不予受理: a reason and the authority to apply to instead are both required."""
    _require_serving(session, desk)
    now = now or utcnow()
    reason, redirect_authority = (reason or "").strip(), (redirect_authority or "").strip()
    if not reason:
        raise ValidationFailed("不予受理：请填写理由")
    if not redirect_authority:
        raise ValidationFailed("不予受理：请填写申请人应向哪个机关申请")
    case = load_case(session, case_id)
    _require_state(case, ("draft", "supplement"), "不予受理")
    case.state = "refused"
    case.outcome_reason = reason
    case.decided_at = now
    record_event(session, case, "refused",
                 {"reason": reason, "redirect_authority": redirect_authority, "legal_basis": case.item.legal_basis},
                 desk.user_id, now=now)


def withdraw(session: Session, case_id: str, desk: Desk, reason: str = "", *, now: datetime | None = None) -> None:
    """撤回 at the applicant's request, before a decision."""
    _require_serving(session, desk)
    now = now or utcnow()
    case = load_case(session, case_id)
    _require_state(case, ("draft", "supplement", "accepted"), "撤回")
    case.state = "withdrawn"
    case.outcome_reason = (reason or "").strip() or "申请人申请撤回"
    case.decided_at = now
    record_event(session, case, "withdrawn", {"reason": case.outcome_reason}, desk.user_id, now=now)


def record_unresolved(session: Session, desk: Desk, reason: str, *, applicant_id: int | None = None,
                      item_id: int | None = None, case_id: str | None = None, now: datetime | None = None) -> str:
    """"办不成事": what the citizen could not get done and why, for follow-up."""
    _require_serving(session, desk)
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写办不成的原因")
    training = False
    if case_id:
        case = load_case(session, case_id)
        applicant_id = applicant_id or case.applicant_id
        item_id = item_id or case.item_id
        training = case.training
    row = UnresolvedRequest(id=new_uuid(), applicant_id=applicant_id, item_id=item_id, case_id=case_id, reason=reason,
                            clerk_id=desk.user_id, window_id=desk.window_id, at=now)
    session.add(row)
    session.flush()
    if case_id:
        record_event(session, case, "unresolved_recorded", {"unresolved_id": row.id, "reason": reason}, desk.user_id,
                     now=now)
    if not training:
        enqueue(session, "unresolved", {"id": row.id, "applicant_id": applicant_id, "item_id": item_id,
                                        "case_id": case_id, "reason": reason, "window_id": desk.window_id,
                                        "clerk_id": desk.user_id, "at": now.isoformat()}, uuid=row.id, now=now)
    return row.id


def waiting_cases(session: Session, applicant_id: int) -> list[tuple[str, str, str]]:
    """(case id, item name, date) of this applicant's cases waiting for supplements."""
    rows = session.execute(
        select(Case.id, ServiceItem.name, Case.updated_at).join(ServiceItem)
        .where(Case.applicant_id == applicant_id, Case.state == "supplement").order_by(Case.updated_at.desc())
    ).all()
    return [(cid, name, at.astimezone().strftime("%Y-%m-%d")) for cid, name, at in rows]


# A back-office decision (approve / deny) may follow only an accepted case: refused, withdrawn,
# completed-on-the-spot or already decided cases get none. The central server keeps the same
# rule (sync.protocol.DECIDABLE_STATES).
DECIDABLE_STATES = ("accepted",)
DECISION_STATES = {"approve": "approved", "deny": "denied"}


def apply_decision(session: Session, case_id: str, decision: str, *, hall_code: str | None, reason: str | None,
                   decided_at: datetime | None, fields: dict | None = None) -> str:
    """Apply the back office's decision on a case of this store (from the central server):
    state, reason, time and a `decision` event, without an outbox row (it is the server's own
    record). Returns "applied", or why it was not: "unknown" case, "repeat" (already in the
    decided state), "other_hall" (the case is another hall's), "illegal" (not a legal
    transition of the case), "bad" (an unknown decision)."""
    case = session.get(Case, case_id)
    if case is None:
        return "unknown"
    state = DECISION_STATES.get(decision)
    if state is None:
        return "bad"
    if case.state == state:
        return "repeat"  # already applied (a page pulled twice after a crash)
    if hall_code and case.window_id is not None:
        own = session.scalar(select(Hall.code).join(Window, Window.hall_id == Hall.id).where(Window.id == case.window_id))
        if own is not None and own != hall_code:
            return "other_hall"
    if case.state not in DECIDABLE_STATES:
        return "illegal"
    case.state = state
    case.outcome_reason = reason
    case.decided_at = decided_at or utcnow()
    payload = {"decision": decision, "reason": reason, "source": "server"}
    if isinstance(fields, dict):
        payload["fields"] = fields  # certificate fields the approval fixes (hallclient.certificates.issue)
    record_event(session, case, "decision", payload, outbox=False)
    return "applied"

