"""The central 电子证照库 of the reference server.

A window's `certificate.issued` outbox item (hallclient.certificates.issue.licence_payload)
becomes an e-licence here, exactly once (the item's UUID is the certificate's id). Devices look
a holder's valid licences up by holder code (ID number or USCC): `GET /v1/licences?holder_code=`.
The back office revokes a licence with `hallclient server admin revoke-licence`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import insert, or_, select
from starlette.concurrency import run_in_threadpool

from hallclient.models import utcnow
from sync.server.licence_models import ELicenceRow
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB
from sync.server.web import current_device, json_response, server_db

KIND = "certificate.issued"
_TEXT = {"licence_id": 120, "licence_type": 60, "certificate_no": 40, "holder_name": 200, "holder_code": 40,
         "holder_code_type": 3, "authority_name": 100, "authority_uscc": 18}
MAX_RESULTS = 200


def _day(v: Any) -> date | None:
    try:
        return date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None


def validate(payload: dict[str, Any]) -> str | None:
    """Why a certificate.issued payload is not acceptable (Chinese), or None."""
    for k, limit in _TEXT.items():
        v = payload.get(k)
        if not isinstance(v, str) or not v or len(v) > limit:
            if k == "certificate_no" and v is not None and isinstance(v, str) and len(v) <= limit:
                continue
            return f"字段 {k} 缺失或无效（应为不超过 {limit} 字的文本）"
    if payload["holder_code_type"] not in ("111", "001", "999"):
        return "字段 holder_code_type 应为 111、001 或 999"
    for k in ("issue_date", "valid_from"):
        if _day(payload.get(k)) is None:
            return f"字段 {k} 不是 YYYY-MM-DD 日期"
    if payload.get("valid_to") is not None and _day(payload.get("valid_to")) is None:
        return "字段 valid_to 不是 YYYY-MM-DD 日期"
    return None


def fold(s, hall_code: str, payloads: list[dict[str, Any]]) -> None:
    """Create e-licences from accepted certificate.issued payloads (in the push's transaction).
    A licence identifier seen before is left as it is (a second device's copy)."""
    if not payloads:
        return
    ids = [p["licence_id"] for p in payloads]
    known = set(s.scalars(select(ELicenceRow.licence_id).where(ELicenceRow.licence_id.in_(ids))))
    rows = []
    for p in payloads:
        if p["licence_id"] in known:
            continue
        known.add(p["licence_id"])
        rows.append({
            **{k: p.get(k) or "" for k in _TEXT}, "issue_date": _day(p["issue_date"]), "valid_from": _day(p["valid_from"]),
            "valid_to": _day(p.get("valid_to")), "status": "valid", "case_id": p.get("case_id") if isinstance(p.get("case_id"), str) else None,
            "hall_code": hall_code, "created_at": utcnow(),
        })
    if rows:
        s.execute(insert(ELicenceRow), rows)


def as_json(r: ELicenceRow) -> dict[str, Any]:
    return {
        "licence_id": r.licence_id, "licence_type": r.licence_type, "certificate_no": r.certificate_no,
        "holder_name": r.holder_name, "holder_code": r.holder_code, "holder_code_type": r.holder_code_type,
        "authority_name": r.authority_name, "authority_uscc": r.authority_uscc, "issue_date": r.issue_date.isoformat(),
        "valid_from": r.valid_from.isoformat(), "valid_to": r.valid_to.isoformat() if r.valid_to else None,
        "status": r.status,
    }


def lookup(db: ServerDB, holder_code: str, today: date | None = None) -> list[dict[str, Any]]:
    """The holder's valid licences today (not revoked, within their validity)."""
    today = today or utcnow().astimezone().date()
    with db.session(read_only=True) as s:
        rows = s.scalars(
            select(ELicenceRow).where(ELicenceRow.holder_code == holder_code, ELicenceRow.status == "valid",
                                      ELicenceRow.valid_from <= today,
                                      or_(ELicenceRow.valid_to.is_(None), ELicenceRow.valid_to >= today))
            .order_by(ELicenceRow.valid_from.desc()).limit(MAX_RESULTS)).all()
        return [as_json(r) for r in rows]


def revoke(db: ServerDB, licence_id: str) -> dict[str, Any]:
    from sync.server.admin import AdminError

    with db.session() as s:
        r = s.scalars(select(ELicenceRow).where(ELicenceRow.licence_id == licence_id)).first()
        if r is None:
            raise AdminError(f"电子证照库中没有证照 {licence_id}")
        r.status = "revoked"
        return as_json(r)


def add_licences(db: ServerDB, rows: list[dict[str, Any]]) -> int:
    """Store licences given whole (other authorities' licences: a demo or a load test)."""
    with db.session() as s:
        for i in range(0, len(rows), 5000):
            s.execute(insert(ELicenceRow), rows[i:i + 5000])
    return len(rows)


router = APIRouter(tags=["licences"])


@router.get("/v1/licences", summary="A holder's valid electronic licences (电子证照) by ID number or USCC")
async def licences(request: Request, holder_code: str = "", dev: DeviceInfo = Depends(current_device),
                   db: ServerDB = Depends(server_db)) -> Response:
    code = holder_code.strip().upper()
    if not 15 <= len(code) <= 18 or not code.isascii() or not code.isalnum():
        raise RequestRejected(422, "holder_code 应为 15–18 位证件号码或统一社会信用代码")
    found = await run_in_threadpool(lookup, db, code)
    return json_response(request, {"holder_code": code, "licences": found, "server_time": utcnow().isoformat()})
