"""Business days of fee records and the read-only rule of a closed day (日结)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.fees.records import CLOSED_MESSAGE, FeeDayClose


class DayClosed(ValidationFailed):
    pass


def is_closed(session: Session, clerk_id: int, day: date) -> bool:
    return session.scalar(
        select(FeeDayClose.id).where(FeeDayClose.clerk_id == clerk_id, FeeDayClose.business_day == day)
    ) is not None


def ensure_open(session: Session, clerk_id: int, day: date) -> None:
    if is_closed(session, clerk_id, day):
        raise DayClosed(f"{day:%Y年%m月%d日} 的收费已日结，当天的收费记录不能再变动。如需处理，请明天办理或联系值班长。")


def first_open_day(session: Session, clerk_id: int, day: date) -> date:
    """`day`, or the first day after it that the clerk has not closed: where a record that
    arrives later (a payment confirmed through sync after the close) is booked."""
    while is_closed(session, clerk_id, day):
        day += timedelta(days=1)
    return day


@contextmanager
def closed_guard() -> Iterator[None]:
    """Turn the store's refusal (trigger of a closed day) into the clerk's message."""
    try:
        yield
    except IntegrityError as e:
        if CLOSED_MESSAGE in str(e.orig):
            raise DayClosed("当天的收费已日结，记录不能再变动（数据库已拒绝），本次操作未保存。") from None
        raise
