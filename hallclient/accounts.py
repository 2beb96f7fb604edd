"""Users, roles and login with lockout. Passwords are hashed with Argon2id (memory-hard)."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient import settings
from hallclient.errors import LoginFailed
from hallclient.models import User, utcnow


class Role(str, enum.Enum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"clerk": "窗口人员", "supervisor": "值班长", "admin": "管理员"}[self.value]


# 64 MiB, 2 passes: ~60 ms on the target PC, slow enough against offline guessing of a synced
# hash table, fast enough for a login.
_hasher = PasswordHasher(time_cost=2, memory_cost=64 * 1024, parallelism=2)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password("not a password of anyone"))
    return _DUMMY[0]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(session: Session, username: str, display_name: str, role: Role, password: str) -> User:
    if len(password) < 6:
        raise ValueError("密码至少 6 位")
    user = User(username=username, display_name=display_name, role=Role(role).value, password_hash=hash_password(password))
    session.add(user)
    return user


def login(session: Session, username: str, password: str, now: datetime | None = None) -> User:
    """Check a password; count failures and lock the account after too many.

    Raises LoginFailed with a message for the person at the keyboard. The caller commits the
    session either way, so failed attempts are recorded.
    """
    now = now or utcnow()
    user = session.scalars(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active:
        # Verify against a throw-away hash anyway, so an unknown user name takes as long as
        # a wrong password and the timing does not tell which user names exist.
        verify_password(_dummy_hash(), password)
        raise LoginFailed("用户名或密码错误")
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试，或联系管理员解锁")
    if not verify_password(user.password_hash, password):
        user.failed_attempts += 1
        limit = settings.get(session, settings.LOGIN_MAX_FAILURES)
        if user.failed_attempts >= limit:
            user.locked_until = now + timedelta(minutes=settings.get(session, settings.LOGIN_LOCK_MINUTES))
            user.failed_attempts = 0
            raise LoginFailed(f"密码连续错误 {limit} 次，账号已锁定 {settings.get(session, settings.LOGIN_LOCK_MINUTES)} 分钟")
        raise LoginFailed(f"用户名或密码错误（还可尝试 {limit - user.failed_attempts} 次）")
    user.failed_attempts = 0
    user.locked_until = None
    return user


def unlock(session: Session, username: str) -> None:
    user = session.scalars(select(User).where(User.username == username)).one()
    user.failed_attempts = 0
    user.locked_until = None
