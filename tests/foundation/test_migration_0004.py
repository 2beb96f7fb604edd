"""Revision 0004 on a store of the first release (tests/fixtures/store_v0001.sqlite3): the
search indexes, lookup keys, name index and last activity are there and filled, and the store
keeps them in step by itself afterwards."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select, text

from hallclient.context import open_context
from hallclient.intake.queries import search_cases
from hallclient.models import Applicant, Case

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store_v0001.sqlite3"


def test_an_old_store_gets_the_search_indexes_filled(data_dir):
    shutil.copy(FIXTURE, data_dir / "hallclient.sqlite3")
    ctx = open_context(data_dir, seed=False)
    try:
        with ctx.store.read() as s:
            indexes = {r[0] for r in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
            assert {"ix_case_applicant", "ix_case_agent", "ix_case_item_created", "ix_case_window_activity",
                    "ix_case_activity", "ix_applicant_name_key", "ix_applicant_phone_key"} <= indexes
            case = s.scalars(select(Case)).one()
            # backfilled from its "created" event (the fixture's only event)
            assert case.last_activity_at == datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc)
            assert s.scalars(select(Applicant.name_key)).one() == "李䶮𠀀"
            suffixes = set(s.scalars(text("SELECT suffix FROM applicant_name_suffix")))
            assert suffixes == {"李䶮𠀀", "䶮𠀀", "𠀀"}
            assert {r.id for r in search_cases(s, "䶮")} == {case.id}  # a rare character inside the name
            assert {r.id for r in search_cases(s, "李䶮")} == {case.id}  # a two-character beginning
            assert {r.id for r in search_cases(s, case.case_no[:17])} == {case.id}  # a case-number prefix
        with ctx.store.write() as s:  # the triggers keep the index in step from now on
            s.scalars(select(Applicant)).one().name = "李䶮明"
        with ctx.store.read() as s:
            assert {r.id for r in search_cases(s, "䶮明")} == {case.id}
            assert search_cases(s, "䶮𠀀") == []
    finally:
        ctx.close()
