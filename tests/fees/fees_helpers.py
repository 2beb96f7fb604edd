"""Shared helpers of the fee tests (imported by test modules; not a test file)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parent.parent / "intake"))

from intake_helpers import at, desk_for, new_case, receive_all  # noqa: E402,F401

from hallclient.intake import accept  # noqa: E402
from hallclient.models import User  # noqa: E402
from hallclient.permissions import Actor  # noqa: E402


def actor(session, username: str = "clerk") -> Actor:
    u = session.scalars(select(User).where(User.username == username)).one()
    return Actor(u.id, u.username, u.role, u.display_name)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def accepted_case(session, code: str = "BDC-002", window: str = "03", username: str = "clerk"):
    """An accepted case of `code` (today), with its desk."""
    from hallclient.workcalendar import LIBRARY_YEARS, set_year_schedule

    when = now_utc()
    for year in (when.year, when.year + 1):  # the tests run on any day, promised dates go past New Year
        if year not in LIBRARY_YEARS:
            set_year_schedule(session, year, {}, source="test")
    cid, d = new_case(session, code, window=window, when=when)
    receive_all(session, cid, when.astimezone().date())
    accept(session, cid, d, now=when)
    if username != "clerk":
        from hallclient.intake.cases import Desk

        u = actor(session, username)
        d = Desk(u.user_id, d.window_id, d.window_code, d.hall_code)
    return cid, d
