"""The service's own database (SQLite by default, PostgreSQL-compatible).

Separate from the window client's local store: the hall runs one queue database for all its
windows. Rows mirror the plain data of hallclient.queue.model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hallclient.models import UTCDateTime


class QBase(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class QQueue(QBase):
    __tablename__ = "q_queue"
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class QWindow(QBase):
    __tablename__ = "q_window"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), default="")
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    clerk: Mapped[str] = mapped_column(String(40), default="")
    current: Mapped[str] = mapped_column(String(12), default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str] = mapped_column(String(100), default="")
    consecutive_priority: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class QTicket(QBase):
    __tablename__ = "q_ticket"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    no: Mapped[str] = mapped_column(String(12))
    queue: Mapped[str] = mapped_column(String(4))
    original_queue: Mapped[str] = mapped_column(String(4), default="")
    issued_at: Mapped[datetime] = mapped_column()
    position: Mapped[datetime] = mapped_column()
    priority: Mapped[str] = mapped_column(String(16), default="")
    booked_at: Mapped[datetime | None] = mapped_column(default=None)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    window: Mapped[str] = mapped_column(String(8), default="")
    target_window: Mapped[str] = mapped_column(String(8), default="")
    calls: Mapped[int] = mapped_column(Integer, default=0)
    first_call_at: Mapped[datetime | None] = mapped_column(default=None)
    last_call_at: Mapped[datetime | None] = mapped_column(default=None)
    no_show_at: Mapped[datetime | None] = mapped_column(default=None)
    # Optimistic guard under the lock: an UPDATE that finds another version changes nothing and
    # the ORM raises, so even a second server process could never call a ticket twice.
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("day", "no"), Index("ix_q_ticket_day_state", "day", "state", "queue", "position"))


class QEvent(QBase):
    """Every action with its outcome; `seq` is the resume cursor of the event stream."""

    __tablename__ = "q_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)  # /stats reads one day's events, not all ever stored
    type: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(20))
    window: Mapped[str] = mapped_column(String(8), default="")
    clerk: Mapped[str] = mapped_column(String(40), default="")
    ticket: Mapped[str] = mapped_column(String(12), default="")
    queue: Mapped[str] = mapped_column(String(4), default="")
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QSequence(QBase):
    """Per-day number sequence of a queue."""

    __tablename__ = "q_sequence"
    queue: Mapped[str] = mapped_column(String(4), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class QAppointment(QBase):
    """A booked appointment (from the online booking system); checked in at the kiosk."""

    __tablename__ = "q_appointment"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    id_key: Mapped[str] = mapped_column(String(80), default="", index=True)  # "h1:" + 64 hex of a keyed hash
    name: Mapped[str] = mapped_column(String(60), default="")
    queue: Mapped[str] = mapped_column(String(4))
    booked_at: Mapped[datetime] = mapped_column()
    ticket_no: Mapped[str] = mapped_column(String(12), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(default=None)


class QConfig(QBase):
    __tablename__ = "q_config"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
