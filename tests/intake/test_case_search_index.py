"""Case search through indexes (revision 0004): every kind of query the search box tells
apart is an index lookup (checked with EXPLAIN QUERY PLAN, not with a clock), names of any
length and rare characters are found through the name index, queries are bounded and
literal, and events carry the operation's time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from hallclient.errors import ValidationFailed
from hallclient.intake import ApplicantInput, accept, save_applicant, start_case
from hallclient.intake.queries import MAX_QUERY, QueryKind, query_kinds, search_cases, today_cases
from hallclient.models import Applicant, Case, CaseEvent, OutboxEntry
from intake_helpers import at, desk_for, item_id, make_id, receive_all

DAY = date(2026, 9, 30)


def _case(s, name, first17, code="SCJG-003", window="03", when=None, phone=""):
    d = desk_for(s, window)
    aid = save_applicant(s, ApplicantInput("person", name, make_id(first17), phone=phone), now=when)
    cid = start_case(s, d, item_id(s, code), aid, now=when)
    return cid, d


@pytest.fixture
def seeded(store):
    with store.write() as s:
        c_rare, d = _case(s, "李䶮", "44030519800101123", when=at(2026, 9, 30))
        receive_all(s, c_rare, DAY)
        no = accept(s, c_rare, d, now=at(2026, 9, 30, 3)).case_no
        c_two, _ = _case(s, "王芳", "44030519810101123", code="GJJ-001", when=at(2026, 9, 29), phone="138-1234-5678")
        c_long, _ = _case(s, "欧阳𠀀䶮华", "44030519820101123", when=at(2026, 9, 28))
        c_pct, _ = _case(s, "张%_三", "44030519830101123", when=at(2026, 9, 28))
    return {"no": no, "rare": c_rare, "two": c_two, "long": c_long, "pct": c_pct}


def _ids(store, q):
    with store.read() as s:
        return {r.id for r in search_cases(s, q)}


def test_each_kind_of_query_finds_its_cases(store, seeded):
    no = seeded["no"]
    assert _ids(store, no) == {seeded["rare"]}  # exact case number
    assert seeded["rare"] in _ids(store, no[:12])  # its beginning
    assert _ids(store, make_id("44030519800101123")) == {seeded["rare"]}  # ID number
    assert _ids(store, "13812345678") == {seeded["two"]}  # phone, typed without separators
    assert _ids(store, "王芳") == {seeded["two"]}  # a two-character name, exactly
    assert _ids(store, "王") == {seeded["two"]}  # a surname: the beginning of the name
    assert _ids(store, "芳") == {seeded["two"]}  # inside a name, even one character
    assert _ids(store, "䶮") == {seeded["rare"], seeded["long"]}  # a rare character (Ext-A)
    assert _ids(store, "𠀀䶮") == {seeded["long"]}  # outside the BMP
    assert _ids(store, "欧阳𠀀䶮华") == {seeded["long"]}
    assert seeded["two"] in _ids(store, "公积金")  # an item name
    assert _ids(store, seeded["rare"]) == {seeded["rare"]}  # registration number


def test_the_search_box_tells_the_kinds_apart():
    assert query_kinds("44030000120260105010001") == [QueryKind.ID_NUMBER, QueryKind.CASE_NO]
    assert query_kinds("4403000012026") == [QueryKind.CASE_NO]
    assert query_kinds("138-1234-5678") == [QueryKind.PHONE, QueryKind.CASE_NO]  # both are looked up
    assert query_kinds("李䶮") == [QueryKind.NAME]
    assert query_kinds("91440300MA5F00001X") == [QueryKind.ID_NUMBER]  # a credit code
    assert query_kinds("ＭＡ5Ｆ") == [QueryKind.NAME]


def test_queries_are_literal_and_bounded(store, seeded):
    assert _ids(store, "\x00") == set()  # not "every case"
    assert _ids(store, "%") == {seeded["pct"]}  # the name holding %, not a wildcard
    assert _ids(store, "_") == {seeded["pct"]}
    assert _ids(store, "%%") == set()
    with pytest.raises(ValidationFailed) as e:
        _ids(store, "王" * 50_000)
    assert "过长" in e.value.message and str(MAX_QUERY) in e.value.message


def _plan(s, sql: str, params: dict) -> str:
    return " | ".join(r[-1] for r in s.execute(text("EXPLAIN QUERY PLAN " + sql), params))


def test_query_plans_use_the_indexes(store, seeded):
    with store.read() as s:
        plans = {
            "case_no prefix": _plan(s, "SELECT id FROM case_record WHERE case_no >= :q AND case_no < :h",
                                    {"q": "4403", "h": "4403\U0010ffff"}),
            "id_key": _plan(s, "SELECT id FROM applicant WHERE id_key = :k", {"k": "X"}),
            "phone_key": _plan(s, "SELECT id FROM applicant WHERE phone_key = :k", {"k": "X"}),
            "name prefix": _plan(s, "SELECT id FROM applicant WHERE name_key >= :q AND name_key < :h",
                                 {"q": "王", "h": "王\U0010ffff"}),
            "name inside": _plan(s, "SELECT DISTINCT applicant_id FROM applicant_name_suffix "
                                    "WHERE suffix >= :q AND suffix < :h", {"q": "䶮", "h": "䶮\U0010ffff"}),
            "cases of applicant": _plan(s, "SELECT id FROM case_record WHERE applicant_id = 1", {}),
            "cases of agent": _plan(s, "SELECT id FROM case_record WHERE agent_id = 1", {}),
            "cases of item": _plan(s, "SELECT id FROM case_record WHERE item_id = 1 ORDER BY created_at DESC", {}),
            "materials of case": _plan(s, "SELECT id FROM case_material WHERE case_id = 'x'", {}),
            "ratings of case": _plan(s, "SELECT id FROM rating WHERE case_id = 'x'", {}),
            "today": _plan(s, "SELECT id FROM case_record WHERE window_id = 1 AND last_activity_at >= :a "
                              "AND last_activity_at < :b", {"a": "2026-09-30", "b": "2026-10-01"}),
        }
    for kind, plan in plans.items():
        assert plan.startswith("SEARCH") and "SCAN" not in plan, (kind, plan)  # a lookup, never a walk
    assert "sqlite_autoindex_case_record" in plans["case_no prefix"]
    assert "ix_applicant_name_key" in plans["name prefix"]
    assert "ix_case_applicant" in plans["cases of applicant"] and "ix_case_agent" in plans["cases of agent"]
    assert "ix_case_item_created" in plans["cases of item"] and "TEMP B-TREE" not in plans["cases of item"]
    assert "ix_case_window_activity" in plans["today"]


def test_the_name_index_follows_renames_and_new_rows(store, seeded):
    with store.write() as s:
        a = s.scalars(select(Applicant).where(Applicant.name == "王芳")).one()
        a.name = "王芳䶮"
    assert _ids(store, "芳䶮") == {seeded["two"]}
    with store.read() as s:
        assert s.scalar(text("SELECT count(*) FROM applicant_name_suffix WHERE suffix = '王芳'")) == 0
        assert s.scalar(select(Applicant.name_key).where(Applicant.name == "王芳䶮")) == "王芳䶮"


def test_events_rows_and_today_take_the_operations_time(store, seeded):
    """Training data for a past day lands on that day: event, outbox row, applicant and the
    day's list all carry the `now` given, not the clock."""
    with store.read() as s:
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == seeded["rare"], CaseEvent.type == "accepted")).one()
        assert ev.at == at(2026, 9, 30, 3)
        out = s.scalars(select(OutboxEntry).where(OutboxEntry.uuid == ev.uuid)).one()
        assert out.created_at == at(2026, 9, 30, 3) and out.payload["at"] == at(2026, 9, 30, 3).isoformat()
        assert s.scalars(select(Applicant).where(Applicant.name == "李䶮")).one().created_at == at(2026, 9, 30)
        case = s.get(Case, seeded["rare"])
        assert case.last_activity_at == at(2026, 9, 30, 3)
        window = desk_for(s, "03").window_id
        local_day = at(2026, 9, 30, 3).astimezone().date()
        assert seeded["rare"] in {r.id for r in today_cases(s, window, today=local_day)}
        assert today_cases(s, window, today=date.today()) == []  # nothing of these is today's
        assert today_cases(s, window, today=local_day + timedelta(days=5)) == []
