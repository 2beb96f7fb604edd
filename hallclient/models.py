"""The local store's schema (SQLAlchemy 2 ORM). Qt-free.

Changing a table means an Alembic revision in hallclient/migrations/versions and a fixture
database of the previous version in tests/fixtures (see docs/architecture.md).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Index,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from hallclient.personal import PersonalBytes, PersonalJSON, PersonalText


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_uuid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC; naive values are refused (they are bugs)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- hall, windows, people -------------------------------------------------------------------


class Hall(Base):
    __tablename__ = "hall"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. region code + 3 digits
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(6), default="")
    windows: Mapped[list["Window"]] = relationship(back_populates="hall")


class Window(Base):
    """A counter (窗口) of the hall."""

    __tablename__ = "window"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    code: Mapped[str] = mapped_column(String(4))  # "03"
    name: Mapped[str] = mapped_column(String(50))  # "3号窗口"
    queues: Mapped[list[Any]] = mapped_column(default=list)  # queue prefixes served, in order
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    hall: Mapped[Hall] = relationship(back_populates="windows")


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(16))  # clerk | supervisor | admin (hallclient.accounts.Role)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An initial password set by an administrator must be changed at the first login.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


# --- catalogue -------------------------------------------------------------------------------


class CaseType(Base):
    """Code table of case types. Platforms number them differently: map, never hard-code."""

    __tablename__ = "case_type"
    key: Mapped[str] = mapped_column(String(16), primary_key=True)  # immediate|promised|reported|joint
    name: Mapped[str] = mapped_column(String(20))  # 即办件 ...
    platform_code: Mapped[str] = mapped_column(String(8))  # the central platform's number


class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    uscc: Mapped[str] = mapped_column(String(18), default="")  # issuing authority's code (证照标识)
    authority: Mapped[str] = mapped_column(String(100), default="")  # full name, e.g. 示例市市场监督管理局


class ServiceItem(Base):
    """A service item (事项) of the catalogue."""

    __tablename__ = "service_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    case_type: Mapped[str] = mapped_column(ForeignKey("case_type.key"))
    legal_limit_days: Mapped[int] = mapped_column(Integer)  # working days
    promised_limit_days: Mapped[int] = mapped_column(Integer)  # working days; 0 for 即办件
    queue_category: Mapped[str] = mapped_column(String(4))  # ticket prefix, e.g. "A"
    # Fee rules: [{"name": ..., "kind": "fixed"|"per_unit", "amount_fen": int, "unit": "本"}]
    fee_rules: Mapped[list[Any]] = mapped_column(default=list)
    certificate_template: Mapped[str | None] = mapped_column(String(60), default=None)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    pinyin_initials: Mapped[str] = mapped_column(String(120), default="")  # search key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    department: Mapped[Department] = relationship()
    materials: Mapped[list["Material"]] = relationship(
        back_populates="item", order_by="Material.seq", cascade="all, delete-orphan"
    )


class Material(Base):
    """A material (材料) the applicant brings for an item."""

    __tablename__ = "material"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    original_count: Mapped[int] = mapped_column(Integer, default=0)
    copy_count: Mapped[int] = mapped_column(Integer, default=0)
    medium: Mapped[str] = mapped_column(String(12), default="paper")  # paper|electronic|either
    gap_allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # 容缺
    e_licence_type: Mapped[str | None] = mapped_column(String(60), default=None)  # 免于提交 via 电子证照
    source: Mapped[str] = mapped_column(String(200), default="")  # where the applicant gets it
    notes: Mapped[str] = mapped_column(Text, default="")
    item: Mapped[ServiceItem] = relationship(back_populates="materials")


# --- applicants and cases --------------------------------------------------------------------


class Applicant(Base):
    """A person or an organisation that applies; also used for agents (代办人)."""

    __tablename__ = "applicant"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # person | organisation
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(20))  # resident|gat_permit|foreign_old|foreign_2023|uscc|passport
    id_number: Mapped[str] = mapped_column(PersonalText)
    id_key: Mapped[str] = mapped_column(String(128), index=True)  # hallclient.personal.id_lookup_key
    phone: Mapped[str | None] = mapped_column(PersonalText, default=None)
    # Search columns (revision 0004). phone_key: hallclient.personal.phone_lookup_key, set by
    # save_applicant. name_key: the name as searched (exact and prefix through its index), set
    # by the store's own triggers from `name`, like the trigram index applicant_name_fts;
    # names are searchable by design, so this column stays plain text.
    phone_key: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    name_key: Mapped[str | None] = mapped_column(String(200), default=None, index=True)
    address: Mapped[str | None] = mapped_column(PersonalText, default=None)
    photo_wlt: Mapped[bytes | None] = mapped_column(PersonalBytes, default=None)
    gender: Mapped[str | None] = mapped_column(String(4), default=None)
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    legal_rep_name: Mapped[str | None] = mapped_column(String(100), default=None)  # organisations
    legal_rep_id_number: Mapped[str | None] = mapped_column(PersonalText, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    """A case (办件). State changes go through hallclient.caselog so each has its event."""

    __tablename__ = "case_record"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_no: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_item.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), default=None)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), default=None)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    case_type: Mapped[str] = mapped_column(ForeignKey("case_type.key"))
    query_password: Mapped[str | None] = mapped_column(String(12), default=None)
    ticket_no: Mapped[str | None] = mapped_column(String(12), default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    clock_start: Mapped[date | None] = mapped_column(Date, default=None)  # day counting starts from
    promised_date: Mapped[date | None] = mapped_column(Date, default=None)
    legal_due_date: Mapped[date | None] = mapped_column(Date, default=None)
    outcome_reason: Mapped[str | None] = mapped_column(Text, default=None)
    training: Mapped[bool] = mapped_column(Boolean, default=False)  # training data, never synced
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last time a person worked on the case at its window (created, or an event with an
    # actor): today's cases of a window are one range of ix_case_window_activity.
    last_activity_at: Mapped[datetime | None] = mapped_column(default=None)
    item: Mapped[ServiceItem] = relationship()
    applicant: Mapped[Applicant] = relationship(foreign_keys=[applicant_id])
    agent: Mapped[Applicant | None] = relationship(foreign_keys=[agent_id])
    materials: Mapped[list["CaseMaterial"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseMaterial.seq"
    )
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", viewonly=True
    )

    __table_args__ = (Index("ix_case_created", "created_at"), Index("ix_case_window_day", "window_id", "created_at"),
                      Index("ix_case_applicant", "applicant_id"), Index("ix_case_agent", "agent_id"),
                      Index("ix_case_item_created", "item_id", "created_at"),
                      Index("ix_case_window_activity", "window_id", "last_activity_at"),
                      Index("ix_case_activity", "last_activity_at"))


class CaseMaterial(Base):
    """One row of a case's material checklist (材料核验)."""

    __tablename__ = "case_material"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)  # ix_case_material_case_id (0004)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material.id"), default=None)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))  # copied: the catalogue may change later
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # received | missing | defective | gap (容缺) | exempt (免于提交) | not_applicable
    status: Mapped[str] = mapped_column(String(16), default="missing")
    original_expected: Mapped[int] = mapped_column(Integer, default=0)
    copies_expected: Mapped[int] = mapped_column(Integer, default=0)
    original_received: Mapped[int] = mapped_column(Integer, default=0)
    copies_received: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # defective / missing reason
    gap_due_date: Mapped[date | None] = mapped_column(Date, default=None)
    e_licence_no: Mapped[str | None] = mapped_column(String(80), default=None)
    case: Mapped[Case] = relationship(back_populates="materials")


class CaseEvent(Base):
    """Append-only log of a case; written in the same transaction as the state it records."""

    __tablename__ = "case_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict[str, Any]] = mapped_column(PersonalJSON, default=dict)  # holds the parties
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    case: Mapped[Case] = relationship(back_populates="events", viewonly=True)


class UnresolvedRequest(Base):
    """"办不成事" record: the citizen could not get it done; followed up later."""

    __tablename__ = "unresolved_request"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), default=None)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("service_item.id"), default=None)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_record.id"), default=None, index=True)
    reason: Mapped[str] = mapped_column(Text)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    followed_up: Mapped[bool] = mapped_column(Boolean, default=False)


class PrintRecord(Base):
    """Every document printed: who, when, which, first print or reprint (补打)."""

    __tablename__ = "print_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_record.id"), default=None, index=True)
    document_kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    printer: Mapped[str] = mapped_column(String(120), default="")


class Rating(Base):
    """A 好差评 rating: level 5 (非常满意) .. 1 (非常不满意); levels ≤ 2 carry reasons."""

    __tablename__ = "rating"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_record.id"), default=None, index=True)
    ticket_no: Mapped[str | None] = mapped_column(String(12), default=None)
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id"), default=None)
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12), default="screen")  # pad | screen
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- infrastructure ---------------------------------------------------------------------------


class NumberSequence(Base):
    """Persistent counters (case numbers, receipts). Incremented inside the caller's transaction."""

    __tablename__ = "number_sequence"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class OutboxEntry(Base):
    """Transactional outbox: a change that must reach the central server, written in the same
    transaction as the change itself; sync/ drains it in `id` order."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(30))  # case.accepted, case.event, rating, ...
    payload: Mapped[dict[str, Any]] = mapped_column(PersonalJSON, default=dict)  # holds the parties
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|rejected
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_outbox_status_id", "status", "id"),)


class SyncCursor(Base):
    """Server-assigned cursor of each pulled stream."""

    __tablename__ = "sync_cursor"
    stream: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarOverride(Base):
    """A day whose working status the central server (or an admin) set, over chinesecalendar."""

    __tablename__ = "calendar_override"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(20), default="server")


class CalendarYear(Base):
    """A year whose official schedule is fully known from overrides (e.g. published by the
    State Council and delivered by the server after the library's release)."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20), default="server")


class Setting(Base):
    """Values of the typed settings declared in hallclient.settings."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class DeviceConfig(Base):
    """A configured counter device (ID reader, ticket printer, LED strip, rating pad, scanner)."""

    __tablename__ = "device_config"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # id_reader|ticket_printer|led|rating_pad|scanner
    driver: Mapped[str] = mapped_column(String(40), default="default")  # plug-in name
    port: Mapped[str] = mapped_column(String(200))  # /dev/ttyUSB0, COM3, tcp://host:9100, file:...
    baud: Mapped[int] = mapped_column(Integer, default=115200)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
