"""Deciding a case is 窗口受理: the core reads the desk user's role from the store and refuses
an administrator or a deactivated user, whatever the caller says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hallclient.intake.cases import accept, start_case
from hallclient.models import Case, User
from hallclient.permissions import PermissionDenied

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intake"))
from intake_helpers import desk_for, item_id, person  # noqa: E402


def test_an_administrator_cannot_start_or_accept_a_case(store):
    with store.session() as s:
        pid, gjj = person(s), item_id(s, "GJJ-001")
        with pytest.raises(PermissionDenied, match="无权进行“窗口受理”"):
            start_case(s, desk_for(s, username="admin"), gjj, pid)
        cid = start_case(s, desk_for(s), gjj, pid)  # a clerk may
    with store.session() as s:
        with pytest.raises(PermissionDenied):
            accept(s, cid, desk_for(s, username="admin"))
        assert s.get(Case, cid).state == "draft"


def test_a_deactivated_clerk_is_refused(store):
    with store.session() as s:
        desk = desk_for(s, username="clerk2")
        s.scalars(select(User).where(User.username == "clerk2")).one().active = False
    with store.session() as s:
        with pytest.raises(PermissionDenied, match="已停用"):
            start_case(s, desk, item_id(s, "GJJ-001"), person(s))
        assert s.scalar(select(func.count()).select_from(Case)) == 0
