"""Local tables of the supervisor's view of the hall's day (值班长).

The hall's records come down from the central server (stream `hall_day`, every record any
window of the hall pushed) and from the hall queue service (its event log). They are kept
here, apart from the window's own `case_record`, so the page works offline and a
supervisor's PC that is also a window never mixes other windows' cases into its own.
Personal data is kept only as far as the supervisor needs it: the applicant's name and a
masked ID number (first 6 and last 4), never the full number.

The supervisor's own work (rating follow-ups, notes and flags on cases) lives in
`rating_follow_up` and `case_review`; every change also goes up as an outbox record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.models import Base, utcnow
from hallclient.personal import PersonalText

#: The 差评 (levels 1 and 2) among the hall's records: the partial index's WHERE and the query's.
BAD_RATING_SQL = "kind = 'rating' AND json_extract(data, '$.level') <= 2"


class HallCase(Base):
    """One case of any window of the hall, folded from its events."""

    __tablename__ = "hall_case"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    day: Mapped[date | None] = mapped_column(Date, default=None)  # hall-local day it was received
    window_code: Mapped[str] = mapped_column(String(8), default="")
    clerk: Mapped[str] = mapped_column(String(40), default="")  # username
    item_code: Mapped[str] = mapped_column(String(40), default="")
    case_type: Mapped[str] = mapped_column(String(16), default="")
    state: Mapped[str] = mapped_column(String(20), default="draft")
    applicant_name: Mapped[str] = mapped_column(PersonalText, default="")
    applicant_id_masked: Mapped[str] = mapped_column(String(40), default="")
    ticket_no: Mapped[str] = mapped_column(String(12), default="")
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    promised_date: Mapped[date | None] = mapped_column(Date, default=None)
    # 暂定: computed over weekends only for a year without its holiday schedule; settled later
    # (hallclient.provisional), the date it had before then kept in promised_moved_from.
    promised_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    promised_moved_from: Mapped[date | None] = mapped_column(Date, default=None)
    legal_due_date: Mapped[date | None] = mapped_column(Date, default=None)
    supplement_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    gaps: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"name", "due", "supplied"}]
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")  # of a refusal
    events: Mapped[int] = mapped_column(Integer, default=0)
    broken: Mapped[str] = mapped_column(Text, default="")  # why its event history does not add up
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # state and broken: the open cases are read over all days kept (migration 0010).
    __table_args__ = (Index("ix_hall_case_day", "day"), Index("ix_hall_case_state", "state", "promised_date"), Index("ix_hall_case_broken", "broken"))


class HallEvent(Base):
    """One event of a hall case (its timeline); parties are not kept."""

    __tablename__ = "hall_event"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default="")
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(40), default="")
    window_code: Mapped[str] = mapped_column(String(8), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_hall_event_at", "at"),)


class HallRecord(Base):
    """Any other record of the hall: ratings, 办不成事, fees, certificates, reviews.

    Kept by kind with its payload; hallclient.supervision.records reads each kind."""

    __tablename__ = "hall_record"
    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column()
    window_code: Mapped[str] = mapped_column(String(8), default="")
    clerk: Mapped[str] = mapped_column(String(40), default="")
    case_id: Mapped[str | None] = mapped_column(String(36), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_hall_record_kind_at", "kind", "at"), Index("ix_hall_record_at", "at"),
                      # the 差评 of all days kept (records.ratings(bad_only=True)); the query repeats
                      # this WHERE word for word, or SQLite cannot use the partial index
                      Index("ix_hall_record_bad_rating", "at", sqlite_where=text(BAD_RATING_SQL)))


class HallQueueEvent(Base):
    """One event of the hall queue service's log (issue, call, end, 过号 …)."""

    __tablename__ = "hall_queue_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(20))
    window: Mapped[str] = mapped_column(String(8), default="")
    clerk: Mapped[str] = mapped_column(String(40), default="")
    ticket: Mapped[str] = mapped_column(String(12), default="")
    queue: Mapped[str] = mapped_column(String(4), default="")
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    # Derived once when stored, so the figures read numbers instead of parsing 15,000 times
    # a day: epoch milliseconds, the ticket's key (UTC issue date/number), the hall-local hour.
    at_ms: Mapped[int] = mapped_column(Integer, default=0)
    issued_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    tkey: Mapped[str] = mapped_column(String(24), default="")
    hour: Mapped[str] = mapped_column(String(5), default="")


class RatingFollowUp(Base):
    """好差评 follow-up of one 差评: 回访, then 整改 with a deadline, closed only with a result."""

    __tablename__ = "rating_follow_up"
    rating_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|called|fixing|closed
    callback_note: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[datetime | None] = mapped_column(default=None)
    fix_plan: Mapped[str] = mapped_column(Text, default="")
    fix_deadline: Mapped[date | None] = mapped_column(Date, default=None)
    result: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    by: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseReview(Base):
    """A supervisor's note on a hall case, or a follow-up flag with a deadline."""

    __tablename__ = "case_review"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # note | flag
    text: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
