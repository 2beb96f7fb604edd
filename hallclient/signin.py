"""Signing in and out, locking the window, unlocking or taking over, changing passwords. Qt-free.

Every step is an audit record written in the same transaction as its effect (a failed attempt
counts towards the lockout and is recorded together). The UI's login dialog, lock overlay and
password dialog call these functions in a writer `Op`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient import accounts, audit
from hallclient.audit import AuditAction
from hallclient.caselog import enqueue
from hallclient.errors import HallError, LoginFailed
from hallclient.models import User, utcnow
from hallclient.permissions import Action, Actor, PermissionDenied, allowed

PASSWORD_MIN = 8
OUTBOX_PASSWORD = "user.password"


class PasswordRejected(HallError):
    pass


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str
    display_name: str
    role: str
    must_change_password: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.role, self.display_name)


def _signed(user: User) -> SignedIn:
    return SignedIn(user.id, user.username, user.display_name, user.role, bool(user.must_change_password))


def sign_in(session: Session, username: str, password: str, *, window_code: str = "",
            now: datetime | None = None) -> SignedIn:
    """Check the password (lockout rules of `accounts.login`) and record the login or the
    failure. The caller commits either way: a failure is recorded, then re-raised."""
    now = now or utcnow()
    try:
        user = accounts.login(session, username, password, now=now)
    except LoginFailed as e:
        audit.record(session, audit.typed_user_name(session, username), AuditAction.LOGIN_FAILED,
                     {"window": window_code, "reason": e.message}, now)
        raise
    audit.record(session, Actor(user.id, user.username, user.role), AuditAction.LOGIN, {"window": window_code}, now)
    return _signed(user)


def sign_out(session: Session, actor: Actor, *, window_code: str = "", now: datetime | None = None) -> None:
    audit.record(session, actor, AuditAction.LOGOUT, {"window": window_code}, now)


def lock(session: Session, actor: Actor, reason: str, *, window_code: str = "", now: datetime | None = None) -> None:
    """Record that the window locked: `reason` "idle" (auto-lock) or "key" (Ctrl+L)."""
    audit.record(session, actor, AuditAction.LOCK, {"reason": reason, "window": window_code}, now)


def unlock(session: Session, locked: Actor, username: str, password: str, *, window_code: str = "",
           now: datetime | None = None) -> SignedIn:
    """Unlock a locked window: the same user with their password, or a supervisor, who then
    takes the window over (the returned user is the one now working). Anybody else is refused.
    A wrong password counts towards the lockout, as at login. The caller commits either way."""
    now = now or utcnow()
    name = username.strip() or locked.username
    takeover = name != locked.username
    if takeover:
        other = session.scalars(select(User).where(User.username == name)).first()
        if other is None or not allowed(other.role, Action.SUPERVISE) or other.role == "admin":
            audit.record(session, audit.typed_user_name(session, name), AuditAction.LOGIN_FAILED,
                         {"window": window_code, "reason": "unlock by another user refused", "locked_user": locked.username}, now)
            raise PermissionDenied("只有本人或值班长可以解锁这台窗口")
    try:
        user = accounts.login(session, name, password, now=now)
    except LoginFailed as e:
        audit.record(session, name[:40], AuditAction.LOGIN_FAILED,
                     {"window": window_code, "reason": e.message, "locked_user": locked.username}, now)
        raise
    signed = _signed(user)
    if takeover:
        audit.record(session, signed.actor, AuditAction.TAKEOVER, {"window": window_code, "from_user": locked.username}, now)
    else:
        audit.record(session, signed.actor, AuditAction.UNLOCK, {"window": window_code}, now)
    return signed


def check_new_password(username: str, new: str, old: str | None = None) -> None:
    """The password rules, said in Chinese: at least 8 characters, letters and digits, not the
    user name, not the old password."""
    if len(new) < PASSWORD_MIN:
        raise PasswordRejected(f"新密码至少 {PASSWORD_MIN} 位")
    if not (any(c.isdigit() for c in new) and any(c.isalpha() for c in new)):
        raise PasswordRejected("新密码须同时包含字母和数字")
    if new.lower() == username.lower() or username.lower() in new.lower():
        raise PasswordRejected("新密码不能包含用户名")
    if old is not None and new == old:
        raise PasswordRejected("新密码不能与原密码相同")


def change_password(session: Session, actor: Actor, old: str, new: str, *, now: datetime | None = None) -> None:
    """Change one's own password (checked against the current one). The new hash goes to the
    central server through the outbox, with the hash it replaces, so every window PC gets it
    and a pull of the users never brings the old one back. The caller commits."""
    now = now or utcnow()
    user = session.get(User, actor.user_id)
    if user is None or not user.active:
        raise PermissionDenied("该用户已停用")
    if not accounts.verify_password(user.password_hash, old):
        audit.record(session, actor, AuditAction.LOGIN_FAILED, {"reason": "wrong password at password change"}, now)
        raise PasswordRejected("原密码不正确")
    check_new_password(user.username, new, old)
    previous = user.password_hash
    user.password_hash = accounts.hash_password(new)
    user.must_change_password = False
    user.updated_at = now
    enqueue(session, OUTBOX_PASSWORD, {"username": user.username, "password_hash": user.password_hash,
                                       "previous_hash": previous, "at": now.isoformat()})
    audit.record(session, actor, AuditAction.PASSWORD_CHANGE, {"forced": False}, now)
