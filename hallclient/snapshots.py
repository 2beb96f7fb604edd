"""Plain-data views of a case, for documents, screens and other threads.

Built from ORM rows inside a session (`case_snapshot`), then safe to hand to printing/, to a
worker thread or to a widget: no lazy loading, no live ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class PartyInfo:
    kind: str  # person | organisation
    name: str
    id_type: str
    id_number: str
    phone: str = ""
    address: str = ""
    legal_rep_name: str = ""


@dataclass(frozen=True)
class MaterialLine:
    seq: int
    name: str
    required: bool
    status: str  # received | missing | defective | gap | exempt | not_applicable
    original_expected: int
    copies_expected: int
    original_received: int
    copies_received: int
    reason: str = ""  # why missing/defective; where to get it
    gap_due_date: date | None = None
    e_licence_no: str = ""
    source: str = ""  # where the applicant can get it


@dataclass(frozen=True)
class EventLine:
    type: str
    at: datetime
    actor: str
    payload: dict


@dataclass(frozen=True)
class CaseSnapshot:
    id: str
    case_no: str  # "" until accepted
    query_password: str
    state: str  # draft | accepted | supplement | refused | withdrawn | completed ...
    case_type: str  # key of the case type code table
    case_type_name: str  # 即办件 ...
    item_code: str
    item_name: str
    department: str
    legal_basis: str
    applicant: PartyInfo
    agent: PartyInfo | None
    materials: tuple[MaterialLine, ...]
    received_at: datetime | None
    accepted_at: datetime | None
    promised_date: date | None
    legal_limit_days: int
    promised_limit_days: int
    clerk_name: str
    window_name: str
    hall_name: str
    ticket_no: str = ""
    outcome_reason: str = ""  # refusal / supplement summary
    redirect_authority: str = ""  # refusal: where to apply instead
    training: bool = False
    events: tuple[EventLine, ...] = field(default_factory=tuple)
    promised_provisional: bool = False  # 暂定: counted without the year's holiday schedule
