"""The central 电子证照库 (electronic licence library) table of the reference server."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.models import utcnow
from sync.server.models import ServerBase


class ELicenceRow(ServerBase):
    """One electronic licence: every certificate a window issues becomes one."""

    __tablename__ = "srv_elicence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[str] = mapped_column(String(120), unique=True)  # 证照标识
    licence_type: Mapped[str] = mapped_column(String(60))
    certificate_no: Mapped[str] = mapped_column(String(40), default="")
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_code: Mapped[str] = mapped_column(String(40))
    holder_code_type: Mapped[str] = mapped_column(String(3))  # 111 resident ID, 001 USCC
    authority_name: Mapped[str] = mapped_column(String(100))
    authority_uscc: Mapped[str] = mapped_column(String(18))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="valid")  # valid | revoked
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    hall_code: Mapped[str] = mapped_column(String(12), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_srv_elicence_holder", "holder_code"),)
