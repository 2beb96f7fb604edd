"""The reference server's schema. Its own declarative base: none of this is in the client file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hallclient.models import UTCDateTime, utcnow


class ServerBase(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Device(ServerBase):
    """A registered window PC. Only the SHA-256 of its token is kept."""

    __tablename__ = "srv_device"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    hall_code: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SupervisorDevice(ServerBase):
    """A device the administrator marked as a supervisor's PC: only these get the hall's day
    (`hall_day`, every window's cases with the applicants). A table of its own rather than a
    column of srv_device, so that a database of an earlier version gains it by create_all."""

    __tablename__ = "srv_supervisor_device"
    device_id: Mapped[str] = mapped_column(String(36), ForeignKey("srv_device.device_id"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Record(ServerBase):
    """One pushed outbox item, exactly once: the client's UUID is unique here."""

    __tablename__ = "srv_record"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("srv_device.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))  # of kind + payload: a reused UUID is caught
    created_at: Mapped[datetime | None] = mapped_column(default=None)  # the client's clock
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServerCase(ServerBase):
    """The server's view of a case, folded from its pushed events; the back office decides it."""

    __tablename__ = "srv_case"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_no: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    hall_code: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(20))
    last_event: Mapped[str] = mapped_column(String(30))
    item_code: Mapped[str | None] = mapped_column(String(40), default=None)
    events: Mapped[int] = mapped_column(Integer, default=0)
    decision: Mapped[str | None] = mapped_column(String(10), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StreamRow(ServerBase):
    """The latest version of one row of a pulled stream (a compacted change log).

    Every change gives the row a new `seq` from one counter, so "rows with seq > cursor, oldest
    first" is both the incremental pull and, from cursor 0, the snapshot of a new device.
    A deleted row stays as a tombstone (`data` NULL) so devices learn of the deletion."""

    __tablename__ = "srv_stream_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stream: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(12), default="")  # "" global, else a hall code
    key: Mapped[str] = mapped_column(String(80))
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("stream", "scope", "key"), Index("ix_srv_stream_seq", "stream", "seq"))


class Counter(ServerBase):
    """The stream sequence. Taking it (UPDATE ... RETURNING) locks the row until commit, so
    writers commit in seq order and a reader never skips a seq that commits late."""

    __tablename__ = "srv_counter"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)

import sync.server.licence_models  # noqa: E402,F401 - the 电子证照库 table, created with the others
