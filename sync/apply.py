"""Applying pulled stream rows to the local store, in the caller's transaction.

Each stream's rows are upserts keyed by `key`; `data` None is a deletion (tombstone).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hallclient.catalogue import load_catalogue
from hallclient.intake.cases import apply_decision
from hallclient.intake.numbering import note_issued_elsewhere, parse_case_number
from hallclient.models import ServiceItem, User, utcnow
from hallclient.supervision.mirror import apply_hall_records
from hallclient.syncstate import MirrorRow
from hallclient.workcalendar import set_year_schedule

log = logging.getLogger(__name__)


def apply_rows(s: Session, stream: str, rows: list[dict[str, Any]]) -> int:
    """Apply one page of a stream; returns the number of rows applied."""
    if not rows:
        return 0
    APPLIERS[stream](s, rows)
    return len(rows)


def _catalogue(s: Session, rows: list[dict[str, Any]]) -> None:
    merged: dict[str, list] = {"case_types": [], "departments": [], "items": [], "certificate_templates": []}
    retired = []
    for r in rows:
        if r["data"] is None:
            if r["key"].startswith("item:"):
                retired.append(r["key"][5:])
            continue
        for part in merged:
            merged[part].extend(r["data"].get(part, []))
    load_catalogue(s, merged)
    if retired:
        for item in s.scalars(select(ServiceItem).where(ServiceItem.code.in_(retired))):
            item.active = False  # cases refer to items: retire, never delete


def _users(s: Session, rows: list[dict[str, Any]]) -> None:
    existing = {u.username: u for u in s.scalars(select(User).where(User.username.in_([r["key"] for r in rows])))}
    for r in rows:
        d, user = r["data"], existing.get(r["key"])
        if d is None:
            if user is not None:
                user.active = False
            continue
        if user is None:
            user = User(username=d["username"], failed_attempts=0)
            s.add(user)
            existing[user.username] = user
        # Failed attempts and lockouts are this hall's own: the server does not reset them.
        user.display_name, user.role, user.password_hash = d["display_name"], d["role"], d["password_hash"]
        user.active = bool(d.get("active", True))
        user.must_change_password = bool(d.get("must_change_password", False))
        user.updated_at = utcnow()


def _calendar(s: Session, rows: list[dict[str, Any]]) -> None:
    for r in rows:
        d = r["data"]
        if d is None:
            continue
        days = {date.fromisoformat(k): (bool(v[0]), str(v[1])) for k, v in d["days"].items()}
        set_year_schedule(s, int(d["year"]), days, source="server")


def _approvals(s: Session, rows: list[dict[str, Any]]) -> None:
    """A back-office decision changes the local case and its log, but is not queued for the
    server: it is the server's own record. Only a decision for a case of this hall, in a state
    that may be decided, is applied; others are logged and left (the page still applies)."""
    for r in rows:
        d = r["data"]
        if d is None:
            continue
        outcome = apply_decision(s, r["key"], d.get("decision", ""), hall_code=d.get("hall_code"), reason=d.get("reason"),
                                 decided_at=_time(d.get("decided_at")),
                                 fields=d.get("fields") if isinstance(d.get("fields"), dict) else None)
        if outcome not in ("applied", "repeat"):
            log.warning("approval result for case %s not applied: %s", d.get("case_no") or r["key"], outcome)
        elif outcome == "applied" and d.get("decision") == "approve":
            _issue_certificate(s, r["key"])


def _issue_certificate(s: Session, case_id: str) -> None:
    """An approval of an item with a certificate creates its certificate record now; a
    template not configured yet is left for the certificate page to report."""
    from hallclient.certificates.issue import issue_if_configured

    issue_if_configured(s, case_id)


def _time(v: Any) -> datetime | None:
    try:
        t = datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return None
    return t if t.tzinfo else None


def _mirror(stream: str):
    def apply(s: Session, rows: list[dict[str, Any]]) -> None:
        keys = [r["key"] for r in rows]
        existing = {m.key: m for m in s.scalars(select(MirrorRow).where(MirrorRow.stream == stream, MirrorRow.key.in_(keys)))}
        for r in rows:
            m = existing.get(r["key"])
            if r["data"] is None:
                if m is not None:
                    s.execute(delete(MirrorRow).where(MirrorRow.stream == stream, MirrorRow.key == r["key"]))
                    existing.pop(r["key"])
                continue
            if m is None:
                m = MirrorRow(stream=stream, key=r["key"])
                s.add(m)
                existing[r["key"]] = m
            m.seq, m.data = r["seq"], r["data"]

    return apply


_mirror_cases = _mirror("cases_today")

#: Markers of the daily stream: for each hall day, the lowest `seq` pulled that day (key: the
#: ISO day). Kept as mirror rows of a stream no one reads, so no table is needed.
DAY_MARKS = "cases_today.day"


def prune_daily_mirror(s: Session, seqs: list[int], today: date) -> int:
    """The server sends `cases_today` rows only on the day they changed, so the client's copy of
    earlier days is never updated again; without this it grew by the hall's whole day, every
    day, for as long as the PC runs. Keep today's and the previous pulled day's rows (a case
    that changes again comes back with a new `seq`); delete the rest. Returns rows deleted."""
    key = today.isoformat()
    mark = s.get(MirrorRow, (DAY_MARKS, key))
    if seqs:
        if mark is None:
            s.add(MirrorRow(stream=DAY_MARKS, key=key, seq=min(seqs), data={}))
        elif min(seqs) < mark.seq:
            mark.seq = min(seqs)
    s.flush()
    previous = s.scalars(select(MirrorRow).where(MirrorRow.stream == DAY_MARKS, MirrorRow.key < key)
                         .order_by(MirrorRow.key.desc()).limit(1)).first()
    if previous is None:
        return 0
    gone = s.execute(delete(MirrorRow).where(MirrorRow.stream == "cases_today", MirrorRow.seq < previous.seq)).rowcount
    s.execute(delete(MirrorRow).where(MirrorRow.stream == DAY_MARKS, MirrorRow.key < previous.key))
    return gone or 0


def _cases_today(s: Session, rows: list[dict[str, Any]]) -> None:
    _mirror_cases(s, rows)
    # Every number the hall has issued moves this store's counters past it: a replacement PC
    # at the same window (or a restored backup) must not issue them again.
    # Only the highest number per window of a page matters (a page holds up to 1,000 cases).
    highest: dict[tuple[str, str], tuple[str, str]] = {}  # (hall, window) -> (seq, case_no)
    for r in rows:
        case_no = (r["data"] or {}).get("case_no") or ""
        parts = parse_case_number(case_no)
        if parts:
            key = (parts["hall"], parts["window"])
            highest[key] = max(highest.get(key, ("", "")), (parts["seq"], case_no))
    for _, case_no in highest.values():
        note_issued_elsewhere(s, case_no)


def _fees(s: Session, rows: list[dict[str, Any]]) -> None:
    from hallclient.fees.payments import apply_fee_row

    for r in rows:
        if r["data"] is not None:
            apply_fee_row(s, r["data"])


APPLIERS = {
    "catalogue": _catalogue,
    "users": _users,
    "calendar": _calendar,
    "approvals": _approvals,
    "appointments": _mirror("appointments"),
    "cases_today": _cases_today,
    "fees": _fees,
    "hall_day": apply_hall_records,  # a supervisor's PC: every record of the hall
}
