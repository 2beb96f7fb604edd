"""Local tables of certificates, blank stock and calibration (revision 0007)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.models import Base, new_uuid, utcnow
from hallclient.personal import PersonalJSON, PersonalText


class CertificateTemplate(Base):
    """A certificate template (JSON data, versioned), delivered with the catalogue."""

    __tablename__ = "certificate_template"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    licence_type: Mapped[str] = mapped_column(String(60))  # 电子证照 type name, e.g. 营业执照
    data: Mapped[dict[str, Any]] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(Base):
    """A certificate issued for a case (one per case and template version)."""

    __tablename__ = "certificate"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    template_key: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    licence_id: Mapped[str] = mapped_column(String(120), unique=True)  # 证照标识
    licence_type: Mapped[str] = mapped_column(String(60))
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_code: Mapped[str] = mapped_column(PersonalText)
    holder_code_type: Mapped[str] = mapped_column(String(3))  # 111 resident ID, 001 USCC
    authority_name: Mapped[str] = mapped_column(String(100))
    authority_uscc: Mapped[str] = mapped_column(String(18))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)  # None: 长期
    fields: Mapped[dict[str, Any]] = mapped_column(PersonalJSON, default=dict)
    # issued | printed | handed_over
    status: Mapped[str] = mapped_column(String(16), default="issued")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StockRange(Base):
    """A range of pre-numbered blank stock registered for one certificate type."""

    __tablename__ = "certificate_stock_range"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_key: Mapped[str] = mapped_column(String(60), index=True)
    prefix: Mapped[str] = mapped_column(String(12), default="")
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=7)  # digits printed on the stock
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class StockSheet(Base):
    """One consumed sheet of blank stock: printed (used) or spoiled (作废), never reused."""

    __tablename__ = "certificate_stock_sheet"
    id: Mapped[int] = mapped_column(primary_key=True)
    range_id: Mapped[int] = mapped_column(ForeignKey("certificate_stock_range.id"))
    serial: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # used | spoiled
    certificate_id: Mapped[str | None] = mapped_column(ForeignKey("certificate.id"), default=None, index=True)
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # reprint or spoil reason
    authoriser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    printer: Mapped[str] = mapped_column(String(120), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    spoiled_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (UniqueConstraint("range_id", "serial"), Index("ix_stock_sheet_range", "range_id", "serial"))


class PrinterCalibration(Base):
    """The x/y offset (mm) of one printer at one workstation, read off the calibration sheet."""

    __tablename__ = "printer_calibration"
    workstation: Mapped[str] = mapped_column(String(80), primary_key=True)
    printer: Mapped[str] = mapped_column(String(120), primary_key=True)
    dx_mm: Mapped[float] = mapped_column(Float, default=0.0)
    dy_mm: Mapped[float] = mapped_column(Float, default=0.0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """A hand-over (出件): in person or by mail; what the 送达回证 records."""

    __tablename__ = "certificate_delivery"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    certificate_id: Mapped[str] = mapped_column(ForeignKey("certificate.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))  # in_person | mail
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_id_number: Mapped[str | None] = mapped_column(PersonalText, default=None)
    relation: Mapped[str] = mapped_column(String(20), default="")  # applicant | legal_rep | agent
    agent_reason: Mapped[str] = mapped_column(Text, default="")
    courier: Mapped[str] = mapped_column(String(40), default="")
    tracking_no: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str | None] = mapped_column(PersonalText, default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
