"""Case lists (办件查询): today's cases of a window, search over all local cases."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from functools import lru_cache

from sqlalchemy import Integer, bindparam, literal_column, select, text
from sqlalchemy.orm import Session

from hallclient.intake.cases import STATE_LABELS
from hallclient.errors import ValidationFailed
from hallclient.models import Applicant, Case, ServiceItem, UTCDateTime
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


def _rows(session: Session, stmt, params: dict | None = None) -> list[CaseRow]:
    return [
        CaseRow(cid, no or "", state, STATE_LABELS.get(state, state), item, name, mask_id(idn), created, promised,
                training)
        for cid, no, state, item, name, idn, created, promised, training in session.execute(stmt, params or {}).all()
    ]


def _base():
    # Columns, not entities: a list shows a few fields of up to hundreds of cases, and loading
    # whole ORM objects for them costs more than the index lookups that found them.
    return (
        select(Case.id, Case.case_no, Case.state, ServiceItem.name, Applicant.name, Applicant.id_number,
               Case.created_at, Case.promised_date, Case.training)
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
    params = {"start": start, "end": end, "w": window_id, "n": limit}
    session.flush()  # Core execution does not autoflush: the caller's own changes count too
    return _rows(session.connection(), _TODAY if window_id is None else _TODAY_OF_WINDOW, params)


_START, _END = bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())
_TODAY = (_base().where(Case.last_activity_at >= _START, Case.last_activity_at < _END, Case.created_at < _END)
          .order_by(Case.updated_at.desc(), Case.created_at.desc()).limit(bindparam("n")))
_TODAY_OF_WINDOW = _TODAY.where(Case.window_id == bindparam("w"))


#: Longest query a search takes: the longest thing a clerk searches for (a registration
#: number, 36 characters; a company name) with room to spare.
MAX_QUERY = 100
_TOP = "\U0010ffff"  # above every character: q <= x < q + _TOP is "x starts with q"
_PER_KIND = 200
#: A name lookup lists the cases of at most this many people, a word those of this many items.
PEOPLE = 25
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


# The statements of the lookups, built once: SQLAlchemy then reuses their compiled form, and
# a search costs its index lookups rather than building SQL (which took most of its time).
# A lookup picks (created_at as stored, rowid): both are in ix_case_item_created and
# ix_case_created, so picking the newest cases of an item reads the index alone, and the
# stored text sorts like the time without being parsed. Only the final rows are loaded.
_ROWID = literal_column("case_record.rowid", Integer)
_PICK = select(literal_column("case_record.created_at"), _ROWID).select_from(Case.__table__)
_BY_REGISTRATION = _PICK.where(Case.id == bindparam("q"))
_BY_CASE_NO = (_PICK.where(Case.case_no >= bindparam("q"), Case.case_no < bindparam("hi"))
               .order_by(Case.case_no.desc()).limit(_PER_KIND))
_PEOPLE_BY_ID_KEY = select(Applicant.id).where(Applicant.id_key == bindparam("k")).limit(PEOPLE)
_PEOPLE_BY_PHONE_KEY = select(Applicant.id).where(Applicant.phone_key == bindparam("k")).limit(PEOPLE)
# Exact names first (ORDER BY name_key: the range walks the index from q itself), then names
# beginning with q; then names holding q anywhere, through the suffix table of revision 0004:
# "contains q" is "a suffix starts with q", one range whatever q's length.
_PEOPLE_BY_NAME = (select(Applicant.id).where(Applicant.name_key >= bindparam("q"), Applicant.name_key < bindparam("hi"))
                   .order_by(Applicant.name_key).limit(PEOPLE))
_PEOPLE_BY_NAME_INSIDE = text("SELECT DISTINCT applicant_id FROM applicant_name_suffix "
                              "WHERE suffix >= :q AND suffix < :hi LIMIT :n")
_CASES_OF_APPLICANTS = _PICK.where(Case.applicant_id.in_(bindparam("p", expanding=True))).limit(2 * _PER_KIND)
_CASES_OF_AGENTS = _PICK.where(Case.agent_id.in_(bindparam("p", expanding=True))).limit(2 * _PER_KIND)
_ITEMS_BY_NAME = select(ServiceItem.id).where(ServiceItem.name.like(bindparam("pat"), escape="/")).limit(ITEMS)
# The rowids as one JSON parameter: two hundred separate parameters cost more to bind than
# the rows cost to read.
_ROWS_BY_ROWID = _base().where(_ROWID.in_(text("SELECT value FROM json_each(:ids)")))


def case_ids_for(session: Session, kind: QueryKind, q: str) -> list[tuple[str, int]]:
    """(created_at as stored, rowid) of the cases one kind of lookup finds, each through its own index and
    each bounded (at most PEOPLE people, ITEMS items, _PER_KIND cases a lookup), so the work
    does not grow with the store. A surname alone lists the cases of the first PEOPLE people
    found, not of every 王 of ten years."""
    norm = normalize(q)
    conn = session.connection()  # Core execution: no ORM work for rows of plain columns
    if kind is QueryKind.REGISTRATION:
        return list(conn.execute(_BY_REGISTRATION, {"q": q.lower()}).all())
    if kind is QueryKind.CASE_NO:
        return list(conn.execute(_BY_CASE_NO, {"q": norm, "hi": norm + _TOP}).all())
    if kind in (QueryKind.ID_NUMBER, QueryKind.PHONE):
        if kind is QueryKind.ID_NUMBER:
            people = list(conn.scalars(_PEOPLE_BY_ID_KEY, {"k": id_lookup_key(norm)}))
        else:
            key = phone_lookup_key(validate_phone(q).normalized)
            people = list(conn.scalars(_PEOPLE_BY_PHONE_KEY, {"k": key}))
        # An agent's ID (or phone) finds the cases they brought too.
        return _cases_of(conn, people, agents=True)
    people = list(conn.scalars(_PEOPLE_BY_NAME, {"q": q, "hi": q + _TOP}))
    if len(people) < PEOPLE:
        key = q[:SUFFIX_MAX]
        people += conn.execute(_PEOPLE_BY_NAME_INSIDE, {"q": key, "hi": key + _TOP, "n": PEOPLE}).scalars()
    found = _cases_of(conn, list(dict.fromkeys(people))[:PEOPLE], agents=False)
    # Item names: the catalogue (hundreds to a few thousand rows, not the cases) is searched
    # for the words, then each item's newest cases come in order from ix_case_item_created.
    pattern = "%" + q.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    items = conn.scalars(_ITEMS_BY_NAME, {"pat": pattern}).all()
    if items:
        # Each item's newest cases from the covering index, merged and cut by SQLite itself.
        found += conn.exec_driver_sql(_newest_of_items(len(items)), tuple(items)).all()
    return found


@lru_cache(maxsize=ITEMS)
def _newest_of_items(n: int) -> str:
    one = f"SELECT * FROM (SELECT created_at, rowid FROM case_record WHERE item_id = ? ORDER BY created_at DESC LIMIT {_PER_KIND})"
    return " UNION ALL ".join([one] * n) + f" ORDER BY 1 DESC LIMIT {_PER_KIND}"


def _cases_of(conn, people: list[int], agents: bool) -> list[tuple[str, int]]:
    if not people:
        return []
    found = list(conn.execute(_CASES_OF_APPLICANTS, {"p": people}).all())
    if agents:
        found += conn.execute(_CASES_OF_AGENTS, {"p": people}).all()
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
    session.flush()  # Core execution does not autoflush: the caller's own changes count too
    found: list[tuple[str, int]] = []
    for kind in query_kinds(q):
        found += case_ids_for(session, kind, q)
    # The newest `limit` of what the lookups found; only those rows are loaded.
    ids = list(dict.fromkeys(rowid for _, rowid in sorted(found, key=lambda f: f[0], reverse=True)))[:limit]
    if not ids:
        return []
    rows = _rows(session.connection(), _ROWS_BY_ROWID, {"ids": json.dumps(ids)})
    rows.sort(key=lambda r: r.created_at, reverse=True)
    return rows[:limit]
