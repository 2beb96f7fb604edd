"""The permission matrix in the core and the one on-the-spot authorisation."""

import pytest
from sqlalchemy import select

from hallclient.models import User
from hallclient.permissions import (
    AUTHORISABLE, MATRIX, Action, Actor, PermissionDenied, allowed, authorise, require,
)


def _actor(store, username) -> Actor:
    with store.session() as s:
        u = s.scalars(select(User).where(User.username == username)).one()
        return Actor(u.id, u.username, u.role, u.display_name)


def test_every_action_has_a_row_and_a_label():
    assert set(MATRIX) == set(Action)
    for a in Action:
        assert a.label


def test_clerk_refused_a_supervisor_only_action(store):
    clerk = _actor(store, "clerk")
    with pytest.raises(PermissionDenied) as e:
        require(clerk, Action.SUPERVISE)
    assert "无权" in e.value.message
    with pytest.raises(PermissionDenied) as e:
        require(clerk, Action.REVERSE_FEE)
    assert "值班长现场授权" in e.value.message
    require(_actor(store, "supervisor"), Action.SUPERVISE)
    assert allowed("clerk", Action.SERVE_VISIT) and not allowed("nobody", Action.SERVE_VISIT)


def test_supervisor_authorises_a_clerk_for_exactly_one_action(store):
    clerk = _actor(store, "clerk")
    with store.session() as s:
        auth = authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "super123")
        s.commit()
    assert auth.authoriser_username == "supervisor" and auth.requester_id == clerk.user_id
    require(clerk, Action.REVERSE_FEE, auth)
    with pytest.raises(PermissionDenied):  # not for another action
        require(clerk, Action.REPRINT_CERTIFICATE, auth)
    with pytest.raises(PermissionDenied):  # not for another clerk
        require(_actor(store, "clerk2"), Action.REVERSE_FEE, auth)


def test_nobody_authorises_themselves_and_a_clerk_cannot_authorise(store):
    sup, clerk = _actor(store, "supervisor"), _actor(store, "clerk")
    with store.session() as s:
        with pytest.raises(PermissionDenied) as e:
            authorise(s, Action.REVERSE_FEE, sup, "supervisor", "super123")
        assert "不能为自己授权" in e.value.message
        with pytest.raises(PermissionDenied) as e:
            authorise(s, Action.REVERSE_FEE, clerk, "clerk2", "clerk123")
        assert "无权授权" in e.value.message
        with pytest.raises(PermissionDenied) as e:
            authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "wrong")
        assert "授权失败" in e.value.message
        with pytest.raises(PermissionDenied):
            authorise(s, Action.SUPERVISE, clerk, "supervisor", "super123")
    assert Action.SUPERVISE not in AUTHORISABLE


def test_dialog_grants_and_refuses(qtbot, store):
    from ui.authorise import AuthoriseDialog
    from ui.ops import wait_all

    clerk = _actor(store, "clerk")
    dlg = AuthoriseDialog(store, Action.REPRINT_CERTIFICATE, clerk)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.user, "clerk")
    qtbot.keyClicks(dlg.password, "clerk123")
    dlg._submit()
    qtbot.waitUntil(lambda: "不能为自己授权" in dlg.message.text() or "无权" in dlg.message.text() or "不能" in dlg.message.text())
    assert dlg.result_authorisation is None
    dlg.user.setText("supervisor")
    qtbot.keyClicks(dlg.password, "super123")
    with qtbot.waitSignal(dlg.accepted):
        dlg._submit()
    assert dlg.result_authorisation.action == Action.REPRINT_CERTIFICATE
    wait_all()
