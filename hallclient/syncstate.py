"""Local tables of synchronisation (owned by sync/, kept in the core so migrations see them).

`SyncState` is the single row of this device's registration and sync health: the device
token lives here, in the local store, and is never written to a log. `MirrorRow` keeps rows of
pulled streams that have no table of their own (appointments, the hall's cases of the day).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.models import Base
from hallclient.personal import PersonalJSON, PersonalText


class SyncState(Base):
    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    device_id: Mapped[str | None] = mapped_column(String(36), default=None)
    device_name: Mapped[str | None] = mapped_column(String(100), default=None)
    hall_code: Mapped[str | None] = mapped_column(String(12), default=None)
    token: Mapped[str | None] = mapped_column(PersonalText, default=None)  # encrypted at rest like personal data
    registered_at: Mapped[datetime | None] = mapped_column(default=None)
    clock_offset_ms: Mapped[int | None] = mapped_column(BigInteger, default=None)  # server minus local
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)


class MirrorRow(Base):
    __tablename__ = "sync_mirror"
    stream: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(PersonalJSON)  # appointments and cases carry the parties
