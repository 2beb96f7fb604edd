"""Who may do what: one matrix of actions × roles, checked by the core functions themselves.

Every core function that does something not every role may do takes an `Actor` and calls
`require(actor, Action.X)` first, so a clerk calling a supervisor-only function is refused
whatever the UI shows. The UI asks `allowed(role, action)` only to disable what the role
cannot do.

Privileged actions that a clerk may do *with a supervisor's on-the-spot authorisation*
(fee reversal, certificate reprint, …) take an `Authorisation` made by `authorise()`: the
supervisor's credentials checked offline against the synced password hashes, never the
requester's own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hallclient.accounts import Role, login
from hallclient.errors import HallError, LoginFailed
from hallclient.models import utcnow


class PermissionDenied(HallError):
    pass


class Action(str, enum.Enum):
    """A thing a role may or may not do. The value is stable: it is stored in audit records."""

    SERVE_VISIT = "serve_visit"                    # call numbers, accept / supplement / refuse
    TAKE_FEE = "take_fee"                          # record a payment, issue a receipt
    REVERSE_FEE = "reverse_fee"                    # 冲红 / 作废 / refund
    CLOSE_DAY = "close_day"                        # 日结 of one's own fees
    PRINT_CERTIFICATE = "print_certificate"
    REPRINT_CERTIFICATE = "reprint_certificate"
    SPOIL_CERTIFICATE = "spoil_certificate"        # record a spoiled sheet (作废)
    MANAGE_STOCK = "manage_stock"                  # register receipt / certificate stock ranges
    HAND_OVER = "hand_over"                        # 出件
    OVERRIDE_CHECKLIST = "override_checklist"
    EDIT_ACCEPTED_CASE = "edit_accepted_case"
    VIEW_FULL_ID = "view_full_id"                  # show an unmasked ID number
    SUPERVISE = "supervise"                        # the supervisor's page, figures, warnings
    FOLLOW_UP_RATING = "follow_up_rating"          # 回访 / 整改 of a 差评
    EXPORT_REPORT = "export_report"
    CHANGE_SETTINGS = "change_settings"
    MANAGE_DEVICES = "manage_devices"
    VERIFY_AUDIT = "verify_audit"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Action.SERVE_VISIT: "窗口受理",
    Action.TAKE_FEE: "收费",
    Action.REVERSE_FEE: "收费冲红/作废/退款",
    Action.CLOSE_DAY: "日结",
    Action.PRINT_CERTIFICATE: "打印证照",
    Action.REPRINT_CERTIFICATE: "补打证照",
    Action.SPOIL_CERTIFICATE: "证照作废",
    Action.MANAGE_STOCK: "票据/空白证书入库",
    Action.HAND_OVER: "出件",
    Action.OVERRIDE_CHECKLIST: "越过材料核验",
    Action.EDIT_ACCEPTED_CASE: "修改已受理办件",
    Action.VIEW_FULL_ID: "查看完整证件号码",
    Action.SUPERVISE: "值班长监察",
    Action.FOLLOW_UP_RATING: "差评回访整改",
    Action.EXPORT_REPORT: "导出报表",
    Action.CHANGE_SETTINGS: "修改设置",
    Action.MANAGE_DEVICES: "设备设置",
    Action.VERIFY_AUDIT: "审计校验",
}

_C, _S, _A = Role.CLERK, Role.SUPERVISOR, Role.ADMIN

# What each role may do by itself.
MATRIX: dict[Action, frozenset[Role]] = {
    Action.SERVE_VISIT: frozenset({_C, _S}),
    Action.TAKE_FEE: frozenset({_C, _S}),
    Action.REVERSE_FEE: frozenset({_S}),
    Action.CLOSE_DAY: frozenset({_C, _S}),
    Action.PRINT_CERTIFICATE: frozenset({_C, _S}),
    Action.REPRINT_CERTIFICATE: frozenset({_S}),
    Action.SPOIL_CERTIFICATE: frozenset({_C, _S}),
    Action.MANAGE_STOCK: frozenset({_S, _A}),
    Action.HAND_OVER: frozenset({_C, _S}),
    Action.OVERRIDE_CHECKLIST: frozenset({_S}),
    Action.EDIT_ACCEPTED_CASE: frozenset({_S}),
    Action.VIEW_FULL_ID: frozenset({_S}),
    Action.SUPERVISE: frozenset({_S, _A}),
    Action.FOLLOW_UP_RATING: frozenset({_S}),
    Action.EXPORT_REPORT: frozenset({_S, _A}),
    Action.CHANGE_SETTINGS: frozenset({_S, _A}),
    Action.MANAGE_DEVICES: frozenset({_S, _A}),
    Action.VERIFY_AUDIT: frozenset({_S, _A}),
}

# Actions a clerk may do with a supervisor's on-the-spot authorisation (the authoriser's role
# must allow the action by itself).
AUTHORISABLE: frozenset[Action] = frozenset({
    Action.REVERSE_FEE,
    Action.REPRINT_CERTIFICATE,
    Action.OVERRIDE_CHECKLIST,
    Action.EDIT_ACCEPTED_CASE,
    Action.VIEW_FULL_ID,
})


@dataclass(frozen=True)
class Actor:
    """Who is acting: plain data, safe across threads (the UI's `Session` carries the same)."""

    user_id: int
    username: str
    role: str
    display_name: str = ""


@dataclass(frozen=True)
class Authorisation:
    """A supervisor's on-the-spot authorisation of one action for one requester."""

    action: Action
    authoriser_id: int
    authoriser_username: str
    authoriser_name: str
    requester_id: int
    at: datetime


def allowed(role: str | Role, action: Action) -> bool:
    try:
        return Role(role) in MATRIX[action]
    except ValueError:
        return False


def require(actor: Actor, action: Action, authorisation: Authorisation | None = None) -> None:
    """Refuse (PermissionDenied, in Chinese) unless the actor's role may do `action`, or an
    authorisation for exactly this action and this actor is given."""
    if allowed(actor.role, action):
        return
    if authorisation is not None and action in AUTHORISABLE:
        if authorisation.action == action and authorisation.requester_id == actor.user_id \
                and authorisation.authoriser_id != actor.user_id:
            return
        raise PermissionDenied(f"“{action.label}”的授权与本次操作不符，请重新请值班长授权")
    if action in AUTHORISABLE:
        raise PermissionDenied(f"“{action.label}”需要值班长现场授权")
    raise PermissionDenied(f"您的角色无权进行“{action.label}”")


def authorise(session: Session, action: Action, requester: Actor, username: str, password: str,
              now: datetime | None = None) -> Authorisation:
    """Check a supervisor's credentials (offline, against the synced hash) for `action`.

    Refuses the requester authorising themselves and an authoriser whose role may not do the
    action. Wrong passwords count towards the authoriser's lockout like a failed login; the
    caller commits the session either way.
    """
    from hallclient import audit  # the audit trail records every attempt, granted or not

    now = now or utcnow()

    def refused(message: str, reason: str) -> PermissionDenied:
        audit.record(session, requester, audit.AuditAction.AUTHORISE_FAILED,
                     {"action": action.value, "authoriser": audit.typed_user_name(session, username), "reason": reason}, now)
        return PermissionDenied(message)

    if action not in AUTHORISABLE:
        raise PermissionDenied(f"“{action.label}”不能由他人授权")
    if username.strip() == requester.username:
        raise refused("不能为自己授权，请由另一位值班长输入账号和密码", "self")
    try:
        user = login(session, username, password, now=now)
    except LoginFailed as e:
        raise refused(f"授权失败：{e.message}", "credentials") from e
    if user.id == requester.user_id:
        raise refused("不能为自己授权，请由另一位值班长输入账号和密码", "self")
    if not allowed(user.role, action):
        raise refused(f"{user.display_name} 无权授权“{action.label}”，请由值班长授权", "role")
    audit.record(session, requester, audit.AuditAction.AUTHORISE,
                 {"action": action.value, "authoriser": user.username, "authoriser_id": user.id}, now)
    return Authorisation(action, user.id, user.username, user.display_name, requester.user_id, now)
