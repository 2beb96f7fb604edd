"""A full ID number only on purpose: role or authorisation, always audited; prints audited."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from hallclient import audit
from hallclient.audit import AuditRecord
from hallclient.disclosure import reveal_id_number
from hallclient.intake import ApplicantInput, log_print, save_applicant, start_case
from hallclient.permissions import Action, Actor, PermissionDenied, authorise

sys.path.insert(0, str(Path(__file__).parents[1] / "intake"))
from intake_helpers import at, desk_for, item_id, make_id  # noqa: E402

CLERK = Actor(1, "clerk", "clerk", "王晓敏")
SUPER = Actor(3, "supervisor", "supervisor", "值班长")


def _case(s):
    a = save_applicant(s, ApplicantInput("person", "张䶮", make_id()))
    return start_case(s, desk_for(s), item_id(s, "SCJG-003"), a, now=at(2026, 12, 3))


def test_clerk_needs_authorisation_and_every_view_is_audited(store):
    with store.session() as s:
        cid = _case(s)
    with store.session() as s:
        with pytest.raises(PermissionDenied, match="授权"):
            reveal_id_number(s, CLERK, cid)
        auth = authorise(s, Action.VIEW_FULL_ID, CLERK, "supervisor", "super123")
        assert reveal_id_number(s, CLERK, cid, auth).id_number == make_id()
        assert reveal_id_number(s, SUPER, cid).id_number == make_id()
    with store.session() as s:
        views = [r for r in s.scalars(select(AuditRecord).order_by(AuditRecord.seq)) if r.action == "view_full_id"]
        assert [(v.actor, '"authoriser":"supervisor"' in v.detail) for v in views] == [("clerk", True), ("supervisor", False)]
        assert all(make_id() not in v.detail and make_id()[:6] in v.detail for v in views)  # masked in the record
        assert audit.verify(s).ok


def test_prints_and_reprints_are_audited(store):
    with store.session() as s:
        cid = _case(s)
        log_print(s, cid, "acceptance", 1, printer="HP")
        log_print(s, cid, "acceptance", 1, printer="HP")
    with store.session() as s:
        assert [r.action for r in s.scalars(select(AuditRecord).order_by(AuditRecord.seq))] == ["print", "reprint"]
