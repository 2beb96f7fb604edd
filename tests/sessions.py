"""A logged-in window session for tests that build the main window (not a test file)."""

from __future__ import annotations

from sqlalchemy import select

from hallclient.models import Hall, User, Window


def window_session(store, username: str = "clerk", window_code: str = "03"):
    """The ui.login.Session of `username` at the window `window_code` of the seeded hall."""
    from ui.login import Session

    with store.read() as s:
        u = s.scalars(select(User).where(User.username == username)).one()
        w = s.scalars(select(Window).where(Window.code == window_code)).one()
        h = s.scalars(select(Hall)).one()
        return Session(u.id, u.username, u.display_name, u.role, w.id, w.code, w.name, h.code, h.name)
