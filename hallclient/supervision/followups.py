"""好差评 follow-up (回访 → 整改 → 办结) and the supervisor's review actions on cases.

Every 差评 (level ≤ 2) is followed up: a note of the call back (回访), a fix (整改) with a
deadline in working days, and closing, which needs a written result. Each step is written
with its outbox record in the caller's transaction (kind `rating.follow_up`, the whole
follow-up each time; `case.review` for notes and flags), so the central platform sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import enqueue
from hallclient.errors import ValidationFailed
from hallclient.models import new_uuid, utcnow
from hallclient.permissions import Action, Actor, require
from hallclient.supervision.records import rating_by_id
from hallclient.supervision.tables import CaseReview, HallCase, RatingFollowUp
from hallclient.workcalendar import WorkCalendar

STATUS_LABELS = {"open": "待回访", "called": "已回访", "fixing": "整改中", "closed": "已办结"}


@dataclass(frozen=True)
class FollowUpView:
    rating_id: str
    status: str
    status_label: str
    callback_note: str
    callback_at: datetime | None
    fix_plan: str
    fix_deadline: date | None
    result: str
    closed_at: datetime | None
    by: str


def _view(f: RatingFollowUp) -> FollowUpView:
    return FollowUpView(f.rating_id, f.status, STATUS_LABELS[f.status], f.callback_note, f.callback_at, f.fix_plan,
                        f.fix_deadline, f.result, f.closed_at, f.by)


def _bad_rating_follow_up(s: Session, actor: Actor, rating_id: str) -> RatingFollowUp:
    require(actor, Action.FOLLOW_UP_RATING)
    r = rating_by_id(s, rating_id)
    if r is None:
        raise ValidationFailed("找不到这条评价，请先同步大厅数据")
    if r.level > 2:
        raise ValidationFailed("只有“不满意”和“非常不满意”的评价需要回访整改")
    f = s.get(RatingFollowUp, rating_id)
    if f is None:
        f = RatingFollowUp(rating_id=rating_id, status="open", callback_note="", fix_plan="", result="", by="")
        s.add(f)
    return f


def _publish(s: Session, f: RatingFollowUp, step: str) -> None:
    enqueue(s, "rating.follow_up", {
        "rating_id": f.rating_id, "step": step, "status": f.status, "callback_note": f.callback_note,
        "callback_at": f.callback_at.isoformat() if f.callback_at else None, "fix_plan": f.fix_plan,
        "fix_deadline": f.fix_deadline.isoformat() if f.fix_deadline else None, "result": f.result,
        "closed_at": f.closed_at.isoformat() if f.closed_at else None, "clerk": f.by, "at": f.updated_at.isoformat(),
    })


def follow_up(s: Session, rating_id: str) -> FollowUpView | None:
    f = s.get(RatingFollowUp, rating_id)
    return _view(f) if f else None


def follow_ups(s: Session, rating_ids: list[str]) -> dict[str, FollowUpView]:
    out: dict[str, FollowUpView] = {}
    for i in range(0, len(rating_ids), 500):
        for f in s.scalars(select(RatingFollowUp).where(RatingFollowUp.rating_id.in_(rating_ids[i:i + 500]))):
            out[f.rating_id] = _view(f)
    return out


def record_callback(s: Session, actor: Actor, rating_id: str, note: str, *, now: datetime | None = None) -> FollowUpView:
    """回访: what the citizen said when called back."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写回访情况（联系了谁、对方的意见）")
    f = _bad_rating_follow_up(s, actor, rating_id)
    if f.status == "closed":
        raise ValidationFailed("该差评已办结，不能再修改")
    f.callback_note, f.callback_at = note, now or utcnow()
    f.status = "called" if f.status == "open" else f.status
    f.by, f.updated_at = actor.username, now or utcnow()
    _publish(s, f, "callback")
    return _view(f)


def start_fix(s: Session, actor: Actor, rating_id: str, plan: str, working_days: int, *, today: date,
              calendar: WorkCalendar | None = None, now: datetime | None = None) -> FollowUpView:
    """整改: the plan and its deadline, `working_days` working days after today."""
    plan = (plan or "").strip()
    if not plan:
        raise ValidationFailed("请填写整改措施")
    if not 1 <= working_days <= 60:
        raise ValidationFailed("整改期限应为 1 到 60 个工作日")
    f = _bad_rating_follow_up(s, actor, rating_id)
    if f.status == "open":
        raise ValidationFailed("请先回访申请人，再安排整改")
    if f.status == "closed":
        raise ValidationFailed("该差评已办结，不能再修改")
    cal = calendar or WorkCalendar.from_session(s)
    f.fix_plan, f.fix_deadline, f.status = plan, cal.add_working_days(today, working_days), "fixing"
    f.by, f.updated_at = actor.username, now or utcnow()
    _publish(s, f, "fix")
    return _view(f)


def close(s: Session, actor: Actor, rating_id: str, result: str, *, now: datetime | None = None) -> FollowUpView:
    """办结: only with the result of the fix written down."""
    result = (result or "").strip()
    if not result:
        raise ValidationFailed("办结差评须填写整改结果")
    f = _bad_rating_follow_up(s, actor, rating_id)
    if f.status == "closed":
        raise ValidationFailed("该差评已办结")
    if f.status != "fixing":
        raise ValidationFailed("请先回访并安排整改，整改完成后再办结")
    f.result, f.status, f.closed_at = result, "closed", now or utcnow()
    f.by, f.updated_at = actor.username, now or utcnow()
    _publish(s, f, "close")
    return _view(f)


@dataclass(frozen=True)
class ReviewView:
    id: str
    case_id: str
    kind: str
    text: str
    deadline: date | None
    done: bool
    by: str
    at: datetime


def _review_view(r: CaseReview) -> ReviewView:
    return ReviewView(r.id, r.case_id, r.kind, r.text, r.deadline, r.done, r.by, r.at)


def add_review(s: Session, actor: Actor, case_id: str, text: str, *, deadline: date | None = None,
               today: date | None = None, now: datetime | None = None) -> ReviewView:
    """A note on a hall case, or (with a deadline) a follow-up flag (督办)."""
    require(actor, Action.SUPERVISE)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写批注或督办内容")
    if s.get(HallCase, case_id) is None:
        raise ValidationFailed("办件不存在，请先同步大厅数据")
    if deadline is not None and today is not None and deadline < today:
        raise ValidationFailed(f"督办期限 {deadline:%Y-%m-%d} 已经过去，请选择今天或以后的日期")
    r = CaseReview(id=new_uuid(), case_id=case_id, kind="flag" if deadline else "note", text=text, deadline=deadline,
                   done=False, by=actor.username, at=now or utcnow())
    s.add(r)
    _publish_review(s, r)
    return _review_view(r)


def finish_flag(s: Session, actor: Actor, review_id: str, *, now: datetime | None = None) -> ReviewView:
    require(actor, Action.SUPERVISE)
    r = s.get(CaseReview, review_id)
    if r is None or r.kind != "flag":
        raise ValidationFailed("找不到这条督办")
    r.done = True
    _publish_review(s, r)
    return _review_view(r)


def _publish_review(s: Session, r: CaseReview) -> None:
    enqueue(s, "case.review", {"id": r.id, "case_id": r.case_id, "kind": r.kind, "text": r.text,
                               "deadline": r.deadline.isoformat() if r.deadline else None, "done": r.done,
                               "clerk": r.by, "at": r.at.isoformat()})


def reviews_of(s: Session, case_id: str) -> list[ReviewView]:
    return [_review_view(r) for r in s.scalars(select(CaseReview).where(CaseReview.case_id == case_id).order_by(CaseReview.at))]
