"""好差评: storing a rating with its case and clerk, and its outbox row for the central server."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient import caselog
from hallclient.errors import ValidationFailed
from hallclient.models import Case, Rating, new_uuid, utcnow

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD_REASONS = ("等候时间太长", "办事效率低", "服务态度差", "一次性告知不清楚", "材料要求繁琐", "系统故障", "其他")


def record_rating(session: Session, level: int, *, reasons: list[str] | None = None, comment: str = "",
                  ticket_no: str = "", case_id: str | None = None, clerk_id: int | None = None,
                  window_id: int | None = None, source: str = "screen", now: datetime | None = None) -> Rating:
    """Store a rating in the caller's transaction. A bad rating (≤ 2) needs a reason chosen or
    written; the case is found by the ticket number (today's latest case) when not given."""
    if level not in LEVELS:
        raise ValidationFailed("评价等级应为 1 到 5")
    reasons = [r for r in (reasons or []) if r.strip()]
    comment = (comment or "").strip()
    if level <= 2 and not reasons and not comment:
        raise ValidationFailed("不满意的评价请选择或填写原因")
    now = now or utcnow()
    if case_id is None and ticket_no:
        since = now - timedelta(hours=16)
        case_id = session.scalar(select(Case.id).where(Case.ticket_no == ticket_no, Case.created_at >= since)
                                 .order_by(Case.created_at.desc()).limit(1))
    r = Rating(id=new_uuid(), case_id=case_id, ticket_no=ticket_no or None, clerk_id=clerk_id, window_id=window_id,
               level=level, reasons=reasons, comment=comment, source=source, at=now)
    session.add(r)
    caselog.enqueue(session, "rating", {
        "rating_id": r.id, "case_id": case_id, "ticket_no": ticket_no, "clerk_id": clerk_id, "window_id": window_id,
        "level": level, "level_name": LEVELS[level], "reasons": reasons, "comment": comment, "source": source,
        "at": r.at.isoformat(),
    }, uuid=r.id, now=now)
    return r
