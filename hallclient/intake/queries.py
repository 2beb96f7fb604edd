"""Case lists (办件查询): today's cases of a window, search over all local cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from hallclient.intake.cases import STATE_LABELS
from hallclient.models import Applicant, Case, CaseEvent, ServiceItem
from hallclient.personal import id_lookup_key, keys_of, mask_id
from hallclient.validation import normalize


@dataclass(frozen=True)
class CaseRow:
    id: str
    case_no: str
    state: str
    state_label: str
    item_name: str
    applicant_name: str
    applicant_id_masked: str
    created_at: datetime
    promised_date: date | None
    training: bool


def _rows(session: Session, stmt) -> list[CaseRow]:
    return [
        CaseRow(c.id, c.case_no or "", c.state, STATE_LABELS.get(c.state, c.state), item, name, mask_id(idn),
                c.created_at, c.promised_date, c.training)
        for c, item, name, idn in session.execute(stmt)
    ]


def _base():
    return (
        select(Case, ServiceItem.name, Applicant.name, Applicant.id_number)
        .join(ServiceItem, ServiceItem.id == Case.item_id)
        .join(Applicant, Applicant.id == Case.applicant_id)
    )


def today_cases(session: Session, window_id: int | None, today: date | None = None, limit: int = 500) -> list[CaseRow]:
    """Cases this window worked on today (local day), most recently changed first: started
    today, or with a decision of a person today (resumed, accepted, refused... a case started
    last week and accepted today is one of today's). Events of the central server (actor-less
    approval results) do not count: the window did nothing with the case."""
    day = today or datetime.now().astimezone().date()
    start = datetime.combine(day, time.min).astimezone()
    end = start + timedelta(days=1)
    acted_today = exists().where(CaseEvent.case_id == Case.id, CaseEvent.actor_id.is_not(None),
                                 CaseEvent.at >= start, CaseEvent.at < end)
    stmt = _base().where(or_(Case.created_at >= start, acted_today), Case.created_at < end)
    if window_id is not None:
        stmt = stmt.where(Case.window_id == window_id)
    return _rows(session, stmt.order_by(Case.updated_at.desc(), Case.created_at.desc()).limit(limit))


def search_cases(session: Session, query: str, limit: int = 200) -> list[CaseRow]:
    """By case number (whole or its beginning), registration number (the case id printed on
    notices of cases not accepted), ID number / credit code (exact, through the lookup key),
    applicant name or item name (contains)."""
    q = query.strip()
    if not q:
        return []
    conds = [Case.case_no.startswith(q, autoescape=True), Case.id == q, Applicant.name.contains(q, autoescape=True),
             ServiceItem.name.contains(q, autoescape=True)]
    norm = normalize(q)
    if len(norm) >= 15 and norm.isalnum():
        conds.append(Applicant.id_key == id_lookup_key(norm, keys_of(session)))
        # An agent's ID finds the cases they brought too.
        agents = select(Applicant.id).where(Applicant.id_key == id_lookup_key(norm, keys_of(session)))
        conds.append(Case.agent_id.in_(agents))
    return _rows(session, _base().where(or_(*conds)).order_by(Case.created_at.desc()).limit(limit))
