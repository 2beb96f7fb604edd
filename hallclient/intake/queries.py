"""Case lists (办件查询): today's cases of a window, search over all local cases."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from sqlalchemy import and_, select, text
from sqlalchemy.orm import Session

from hallclient.intake.cases import STATE_LABELS
from hallclient.errors import ValidationFailed
from hallclient.models import Applicant, Case, ServiceItem
from hallclient.personal import id_lookup_key, mask_id, phone_lookup_key
from hallclient.validation import normalize, validate_phone


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
    approval results) do not count: the window did nothing with the case. One range of
    ix_case_window_activity (`last_activity_at`, kept by caselog.record_event), whatever the
    size of the window's history."""
    day = today or datetime.now().astimezone().date()
    start = datetime.combine(day, time.min).astimezone()
    end = start + timedelta(days=1)
    stmt = _base().where(Case.last_activity_at >= start, Case.last_activity_at < end, Case.created_at < end)
    if window_id is not None:
        stmt = stmt.where(Case.window_id == window_id)
    return _rows(session, stmt.order_by(Case.updated_at.desc(), Case.created_at.desc()).limit(limit))


#: Longest query a search takes: the longest thing a clerk searches for (a registration
#: number, 36 characters; a company name) with room to spare.
MAX_QUERY = 100
_TOP = "\U0010ffff"  # above every character: q <= x < q + _TOP is "x starts with q"
_PER_KIND = 200
#: A name lookup lists the cases of at most this many people, a word those of this many items.
PEOPLE = 50
ITEMS = 20
#: Suffixes are kept of a name's first SUFFIX_MAX characters (revision 0004).
SUFFIX_MAX = 60


class QueryKind(str, Enum):
    """What the search box decided the clerk typed (each is one kind of index lookup)."""

    CASE_NO = "case_no"  # digits: a case number, whole or its beginning (a range)
    REGISTRATION = "registration"  # the case id printed on notices of cases not accepted
    ID_NUMBER = "id_number"  # ID number or credit code: the lookup key
    PHONE = "phone"  # the phone's lookup key
    NAME = "name"  # applicant names (exact / prefix / trigram) and item names


def query_kinds(query: str) -> list[QueryKind]:
    """The kinds of lookup a query is searched as, most specific first."""
    q = query.strip()
    norm = normalize(q)
    kinds: list[QueryKind] = []
    if len(q) == 36 and q.count("-") == 4:
        kinds.append(QueryKind.REGISTRATION)
    if len(norm) >= 15 and norm.isalnum() and norm.isascii():
        kinds.append(QueryKind.ID_NUMBER)
    if validate_phone(q).valid:
        kinds.append(QueryKind.PHONE)
    if norm.isdigit() and norm.isascii():
        kinds.append(QueryKind.CASE_NO)
    if not kinds or not norm.isascii():
        kinds.append(QueryKind.NAME)
    return kinds


def _prefix(col, q: str):
    return and_(col >= q, col < q + _TOP)


def case_ids_for(session: Session, kind: QueryKind, q: str) -> list[tuple[datetime, str]]:
    """(created_at, id) of the cases one kind of lookup finds, each through its own index and
    each bounded (at most PEOPLE people, ITEMS items, _PER_KIND cases a lookup), so the work
    does not grow with the store."""
    norm = normalize(q)
    pick = select(Case.created_at, Case.id)
    if kind is QueryKind.REGISTRATION:
        return list(session.execute(pick.where(Case.id == q.lower())).all())
    if kind is QueryKind.CASE_NO:
        return list(session.execute(pick.where(_prefix(Case.case_no, norm))
                                     .order_by(Case.case_no.desc()).limit(_PER_KIND)).all())
    if kind in (QueryKind.ID_NUMBER, QueryKind.PHONE):
        col = Applicant.id_key if kind is QueryKind.ID_NUMBER else Applicant.phone_key
        key = id_lookup_key(norm) if kind is QueryKind.ID_NUMBER else phone_lookup_key(validate_phone(q).normalized)
        people = list(session.scalars(select(Applicant.id).where(col == key).limit(PEOPLE)))
        # An agent's ID (or phone) finds the cases they brought too.
        return _cases_of(session, people, agents=True)
    # Names: exactly, then by their beginning (name_key), then anywhere inside (the suffix
    # table of revision 0004: "contains q" is "a suffix starts with q", one range whatever
    # q's length). Each stops at PEOPLE people: a surname alone lists the cases of the first
    # PEOPLE people found, not of every 王 of ten years.
    people = list(session.scalars(select(Applicant.id).where(Applicant.name_key == q).limit(PEOPLE)))
    if len(people) < PEOPLE:
        people += session.scalars(select(Applicant.id).where(_prefix(Applicant.name_key, q)).limit(PEOPLE))
    if len(set(people)) < PEOPLE:
        people += session.execute(text("SELECT DISTINCT applicant_id FROM applicant_name_suffix "
                                       "WHERE suffix >= :q AND suffix < :hi LIMIT :n"),
                                  {"q": q[:SUFFIX_MAX], "hi": q[:SUFFIX_MAX] + _TOP, "n": PEOPLE}).scalars().all()
    found = _cases_of(session, list(dict.fromkeys(people))[:PEOPLE], agents=False)
    # Item names: the catalogue (hundreds to a few thousand rows, not the cases) is searched
    # for the words, then each item's newest cases come in order from ix_case_item_created.
    items = list(session.scalars(select(ServiceItem.id).where(ServiceItem.name.contains(q, autoescape=True))
                                 .limit(ITEMS)))
    for iid in items:
        found += session.execute(pick.where(Case.item_id == iid).order_by(Case.created_at.desc())
                                 .limit(_PER_KIND)).all()
    return found


def _cases_of(session: Session, people: list[int], agents: bool) -> list[tuple[datetime, str]]:
    if not people:
        return []
    pick = select(Case.created_at, Case.id)
    found = list(session.execute(pick.where(Case.applicant_id.in_(people)).limit(_PER_KIND * 2)).all())
    if agents:
        found += session.execute(pick.where(Case.agent_id.in_(people)).limit(_PER_KIND * 2)).all()
    return found


def search_cases(session: Session, query: str, limit: int = 200) -> list[CaseRow]:
    """By case number (whole or its beginning), registration number (the case id printed on
    notices of cases not accepted), ID number / credit code and phone (exact, through their
    lookup keys), applicant name (exact or beginning; anywhere inside from 3 characters) or
    item name. Each kind is an index lookup, so the time does not grow with the store; every
    character of the query is literal. A query longer than MAX_QUERY is refused with a
    message (ValidationFailed)."""
    q = query.strip()
    if not q:
        return []
    if len(q) > MAX_QUERY:
        raise ValidationFailed(f"查询内容过长（{len(q)} 个字符）：请输入办件编号、证件号码、电话、姓名或事项名称，"
                               f"不超过 {MAX_QUERY} 个字符")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in q):
        return []  # no number, name or item holds control characters or lone surrogates
    found: list[tuple[datetime, str]] = []
    for kind in query_kinds(q):
        found += case_ids_for(session, kind, q)
    # The newest `limit` of what the lookups found; only those rows are loaded.
    ids = list(dict.fromkeys(cid for _, cid in sorted(found, key=lambda f: f[0], reverse=True)))[:limit]
    if not ids:
        return []
    rows: list[CaseRow] = []
    for i in range(0, len(ids), 500):
        rows += _rows(session, _base().where(Case.id.in_(ids[i : i + 500])))
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return rows[:limit]
