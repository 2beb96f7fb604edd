"""Shared helpers of the intake tests (imported by test modules; not a test file)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from hallclient.intake import ApplicantInput, Desk, save_applicant, start_case, update_material
from hallclient.models import Hall, ServiceItem, User, Window
from hallclient.validation import id_check_char, uscc_check_char


def make_id(first17: str = "44030519900101123") -> str:
    return first17 + id_check_char(first17)


def make_uscc(first17: str = "91440300MA5FXXXX1".replace("X", "0")) -> str:
    return first17 + uscc_check_char(first17)


def at(y, m, d, h=2) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=timezone.utc)


def desk_for(session, window_code: str = "03", username: str = "clerk") -> Desk:
    hall = session.scalars(select(Hall)).first()
    win = session.scalars(select(Window).where(Window.code == window_code)).one()
    user = session.scalars(select(User).where(User.username == username)).one()
    return Desk(user.id, win.id, win.code, hall.code)


def item_id(session, code: str) -> int:
    return session.scalars(select(ServiceItem.id).where(ServiceItem.code == code)).one()


def person(session, name: str = "张䶮", first17: str = "44030519900101123") -> int:
    return save_applicant(session, ApplicantInput("person", name, make_id(first17)))


def receive_all(session, case_id: str, today) -> None:
    from hallclient.intake.cases import load_case

    for row in load_case(session, case_id).materials:
        if row.required:
            update_material(session, case_id, row.id, "received", today=today)


def new_case(session, code: str = "SCJG-003", window: str = "03", when=None, **kw) -> tuple[str, Desk]:
    d = desk_for(session, window)
    cid = start_case(session, d, item_id(session, code), person(session), now=when, **kw)
    return cid, d
