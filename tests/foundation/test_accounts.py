from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from hallclient import accounts
from hallclient.errors import LoginFailed
from hallclient.models import User, utcnow


def test_password_is_stored_as_argon2id_never_plain(store):
    with store.session() as s:
        u = s.query(User).filter_by(username="clerk").one()
        assert u.password_hash.startswith("$argon2id$")
        assert "clerk123" not in u.password_hash
        assert PasswordHasher().verify(u.password_hash, "clerk123")


def test_login_ok_resets_failures(store):
    with store.session() as s:
        user = accounts.login(s, "clerk", "clerk123")
        assert user.display_name == "王晓敏"


def test_lockout_after_repeated_failures_and_unlock(store):
    for i in range(4):
        with store.session() as s:
            with pytest.raises(LoginFailed) as e:
                accounts.login(s, "clerk", "wrong")
            s.commit()
        assert f"还可尝试 {4 - i} 次" in e.value.message
    with store.session() as s:
        with pytest.raises(LoginFailed) as e:
            accounts.login(s, "clerk", "wrong")
        s.commit()
    assert "账号已锁定" in e.value.message
    # even the right password is refused while locked
    with store.session() as s:
        with pytest.raises(LoginFailed) as e:
            accounts.login(s, "clerk", "clerk123")
    assert "分钟后再试" in e.value.message
    # after the lock period it works again
    with store.session() as s:
        assert accounts.login(s, "clerk", "clerk123", now=utcnow() + timedelta(minutes=16)).username == "clerk"


def test_unknown_user_gets_the_same_message(store):
    with store.session() as s:
        with pytest.raises(LoginFailed) as e:
            accounts.login(s, "nobody", "x")
    assert e.value.message == "用户名或密码错误"
