"""Demo data for an empty store: the hall, its windows, demo users and the demo catalogue.

The demo users and their passwords are listed in the README; a real installation gets its
users from the central server (sync) and should change or disable these.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient import settings
from hallclient.accounts import Role, create_user
from hallclient.catalogue import demo_catalogue, load_catalogue
from hallclient.models import Hall, User, Window

DEMO_USERS = [
    ("clerk", "王晓敏", Role.CLERK, "clerk123"),
    ("clerk2", "李䶮", Role.CLERK, "clerk123"),
    ("supervisor", "陈建国", Role.SUPERVISOR, "super123"),
    ("admin", "系统管理员", Role.ADMIN, "admin123"),
]

DEMO_QUEUES = {"01": ["A"], "02": ["A"], "03": ["A", "B"], "04": ["B"], "05": ["C"], "06": ["C", "D"], "07": ["E", "F"], "08": ["G", "A"]}


def provision_hall_if_empty(session: Session) -> bool:
    """A real installation's first start: the hall and its windows from the settings
    大厅名称 / 大厅编码 / 窗口数量 (the registered hall code wins). Users and the catalogue
    are not invented here: they come from the central server (`hallclient sync`).
    Returns True when it created the hall."""
    if session.scalar(select(func.count()).select_from(Hall)):
        return False
    from hallclient.syncstate import SyncState

    state = session.get(SyncState, 1)
    code = (state.hall_code if state and state.hall_code else None) or settings.get(session, settings.HALL_CODE)
    session.add(Hall(code=code, name=settings.get(session, settings.HALL_NAME), region_code=code[:6]))
    session.flush()
    # Stored, not left at their defaults, so the settings dialog shows what the hall is.
    settings.set_value(session, settings.HALL_CODE, code)
    settings.set_value(session, settings.HALL_NAME, settings.get(session, settings.HALL_NAME))
    settings.set_value(session, settings.HALL_WINDOWS, settings.get(session, settings.HALL_WINDOWS))
    return True


def has_users(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))))


def seed_if_empty(session: Session) -> bool:
    """Seed an empty store with the demo hall, users and catalogue (demo and tests only: the
    demo users have published passwords). Returns True when it seeded."""
    if session.scalar(select(func.count()).select_from(Hall)):
        return False
    hall = Hall(code=settings.HALL_CODE.default, name=settings.HALL_NAME.default, region_code="440300")
    session.add(hall)
    for code, queues in DEMO_QUEUES.items():
        session.add(Window(hall=hall, code=code, name=f"{int(code)}号窗口", queues=queues))
    if not session.scalar(select(func.count()).select_from(User)):
        for username, name, role, password in DEMO_USERS:
            create_user(session, username, name, role, password)
    load_catalogue(session, demo_catalogue())
    from hallclient.certificates.stock import seed_demo_stock

    seed_demo_stock(session)  # so the demo can print certificates at once
    return True
