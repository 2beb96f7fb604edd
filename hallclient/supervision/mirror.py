"""Folding the hall's records into the supervisor's local tables.

Rows come from the central server's `hall_day` stream (every record a device of the hall
pushed: case events, ratings, 办不成事, fees, certificates, reviews) and from the hall queue
service's event log. Applying a row twice changes nothing (records are keyed by their UUID,
queue events by their sequence), so a page pulled again after a crash is harmless.

A case is rebuilt from all its events in time order each time one of them arrives: a window
that was offline for a day pushes its events late and out of order with the others.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.models import User, Window, utcnow
from hallclient.queue.model import HALL_TZ, local_day
from hallclient.supervision.tables import CaseReview, HallCase, HallEvent, HallQueueEvent, HallRecord, RatingFollowUp

log = logging.getLogger(__name__)

# What each event type requires of the state before it; anything else is a broken history.
_PRIOR_STATES: dict[str, tuple[str, ...]] = {
    "accepted": ("draft",),
    "completed": ("accepted",),
    "supplement_requested": ("draft",),
    "resumed": ("supplement",),
    "refused": ("draft", "supplement"),
    "withdrawn": ("draft", "supplement", "accepted"),
}


def mask_id_number(n: str | None) -> str:
    """First 6 and last 4 characters (DOMAIN.md §13), the rest as *."""
    n = (n or "").strip()
    if len(n) <= 10:
        return "*" * len(n)
    return n[:6] + "*" * (len(n) - 10) + n[-4:]


def _time(v: Any) -> datetime | None:
    if not isinstance(v, str):
        return None
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return None
    return t if t.tzinfo else None


def _day(v: Any) -> date | None:
    if not isinstance(v, str):
        return None
    try:
        return date.fromisoformat(v[:10])
    except ValueError:
        return None


class _Names:
    """Local user and window ids of a payload that carries ids instead of names (records
    written before the names were added). The hall's users and windows are the same rows on
    every PC of the hall, synced from the server / made from the hall settings."""

    def __init__(self, s: Session):
        self.s = s
        self._users: dict[int, str] | None = None
        self._windows: dict[int, str] | None = None

    def user(self, payload: dict, name_key: str = "clerk", id_key: str = "clerk_id") -> str:
        v = payload.get(name_key)
        if isinstance(v, str) and v:
            return v[:40]
        if self._users is None:
            self._users = dict(self.s.execute(select(User.id, User.username)).all())
        uid = payload.get(id_key)
        return self._users.get(uid, "") if isinstance(uid, int) else ""

    def window(self, payload: dict) -> str:
        v = payload.get("window_code")
        if isinstance(v, str) and v:
            return v[:8]
        if self._windows is None:
            self._windows = dict(self.s.execute(select(Window.id, Window.code)).all())
        wid = payload.get("window_id")
        return self._windows.get(wid, "") if isinstance(wid, int) else ""


def apply_hall_records(s: Session, rows: list[dict[str, Any]]) -> int:
    """Apply one page of the `hall_day` stream: rows `{"key": uuid, "data": {"kind",
    "payload", "received_at"}}` (data None: a withdrawn record, removed). Returns rows applied."""
    names = _Names(s)
    keys = [r["key"] for r in rows]
    known_events = set(s.scalars(select(HallEvent.uuid).where(HallEvent.uuid.in_(keys))))
    known_records = {r.uuid: r for r in s.scalars(select(HallRecord).where(HallRecord.uuid.in_(keys)))}
    touched: set[str] = set()
    parties: dict[str, dict] = {}  # applicant of a case as seen in this page (not kept in events)
    for r in rows:
        data = r.get("data")
        if data is None:
            rec = known_records.pop(r["key"], None)
            if rec is not None:
                s.delete(rec)
            continue
        kind, payload = data.get("kind"), data.get("payload") or {}
        if not isinstance(payload, dict) or not isinstance(kind, str):
            continue
        if kind == "case.event":
            case_id = payload.get("case_id")
            at = _time(payload.get("at"))
            if not isinstance(case_id, str) or at is None:
                log.warning("hall record %s: case event without case or time", r["key"])
                continue
            if r["key"] in known_events:
                continue
            inner = payload.get("payload") if isinstance(payload.get("payload"), dict) else {}
            s.add(HallEvent(
                uuid=r["key"], case_id=case_id, type=str(payload.get("type", ""))[:30],
                state=str(payload.get("state", ""))[:20], at=at, actor=names.user(payload, "actor", "actor_id"),
                window_code=names.window(payload) or names.window(inner), data=_strip_parties(inner),
            ))
            known_events.add(r["key"])
            touched.add(case_id)
            if (party := _party_of(inner)) is not None:
                parties[case_id] = party
            continue
        at = _time(payload.get("at")) or _time(data.get("received_at")) or utcnow()
        rec = known_records.get(r["key"])
        if rec is None:
            rec = HallRecord(uuid=r["key"])
            s.add(rec)
            known_records[r["key"]] = rec
        rec.kind, rec.at, rec.data = kind[:30], at, payload
        rec.window_code, rec.clerk = names.window(payload), names.user(payload)
        rec.case_id = payload.get("case_id") if isinstance(payload.get("case_id"), str) else None
        if kind == "rating.follow_up":
            _fold_follow_up(s, payload, at)
        elif kind == "case.review":
            _fold_review(s, payload, at)
    if touched:
        s.flush()
        rebuild_cases(s, touched, parties)
    return len(rows)


def _fold_follow_up(s: Session, p: dict, at: datetime) -> None:
    """Another supervisor's step of a 差评 follow-up (or this PC's own, coming back): the
    newest state wins."""
    rid = p.get("rating_id")
    if not isinstance(rid, str) or p.get("status") not in ("open", "called", "fixing", "closed"):
        return
    f = s.get(RatingFollowUp, rid)
    if f is not None and f.updated_at >= at:
        return
    if f is None:
        f = RatingFollowUp(rating_id=rid)
        s.add(f)
    f.status, f.callback_note, f.callback_at = p["status"], str(p.get("callback_note") or ""), _time(p.get("callback_at"))
    f.fix_plan, f.fix_deadline, f.result = str(p.get("fix_plan") or ""), _day(p.get("fix_deadline")), str(p.get("result") or "")
    f.closed_at, f.by, f.updated_at = _time(p.get("closed_at")), str(p.get("clerk") or "")[:40], at


def _fold_review(s: Session, p: dict, at: datetime) -> None:
    rid, cid = p.get("id"), p.get("case_id")
    if not isinstance(rid, str) or not isinstance(cid, str) or p.get("kind") not in ("note", "flag"):
        return
    r = s.get(CaseReview, rid)
    if r is None:
        r = CaseReview(id=rid, case_id=cid, kind=p["kind"], at=at)
        s.add(r)
    r.text, r.deadline, r.done, r.by = str(p.get("text") or ""), _day(p.get("deadline")), bool(p.get("done")), str(p.get("clerk") or "")[:40]


def _party_of(inner: dict) -> dict | None:
    p = inner.get("applicant")
    return p if isinstance(p, dict) else None


def _strip_parties(inner: dict) -> dict:
    return {k: v for k, v in inner.items() if k not in ("applicant", "agent")}


def rebuild_cases(s: Session, case_ids: Iterable[str], parties: dict[str, dict] | None = None) -> None:
    """Fold each case's events, oldest first, into its `hall_case` row."""
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        cases = {c.case_id: c for c in s.scalars(select(HallCase).where(HallCase.case_id.in_(chunk)))}
        events: dict[str, list[HallEvent]] = {}
        for ev in s.scalars(select(HallEvent).where(HallEvent.case_id.in_(chunk)).order_by(HallEvent.at, HallEvent.uuid)):
            events.setdefault(ev.case_id, []).append(ev)
        for cid in chunk:
            c = cases.get(cid)
            if c is None:
                c = HallCase(case_id=cid, applicant_name="", applicant_id_masked="")
                s.add(c)
            _fold(c, events.get(cid, []), (parties or {}).get(cid))


def _fold(c: HallCase, events: list[HallEvent], party: dict | None) -> None:
    problems: list[str] = []
    state = None
    c.gaps = []
    c.supplement_deadline = None
    c.promised_provisional, c.promised_moved_from = False, None
    for n, ev in enumerate(events):
        d = ev.data or {}
        if n == 0 and ev.type != "created":
            problems.append(f"缺少“创建”记录，最早的记录是“{ev.type}”")
        need = _PRIOR_STATES.get(ev.type)
        if need is not None and state is not None and state not in need:
            problems.append(f"{ev.at.astimezone(HALL_TZ):%m-%d %H:%M} “{ev.type}”发生在状态“{state}”之后")
        if ev.type == "created":
            c.item_code = str(d.get("item_code") or c.item_code or "")[:40]
            c.ticket_no = str(d.get("ticket_no") or "")[:12]
            c.received_at = ev.at
            c.day = local_day(ev.at)
        elif ev.type == "accepted":
            c.case_no = d.get("case_no") or c.case_no
            c.item_code = str(d.get("item_code") or c.item_code or "")[:40]
            c.case_type = str(d.get("case_type") or c.case_type or "")[:16]
            c.accepted_at = ev.at
            c.promised_date = _day(d.get("promised_date"))
            c.promised_provisional = bool(d.get("promised_provisional"))
            c.legal_due_date = _day(d.get("legal_due_date"))
            c.gaps = [{"name": m.get("name", ""), "due": m.get("gap_due_date"), "supplied": False}
                      for m in d.get("materials") or [] if isinstance(m, dict) and m.get("status") == "gap"]
        elif ev.type == "supplement_requested":
            c.supplement_deadline = _day(d.get("deadline"))
            c.outcome_reason = "需补正：" + "；".join(str(m.get("name", "")) for m in d.get("materials") or [] if isinstance(m, dict))
        elif ev.type == "resumed":
            c.supplement_deadline = None
            c.received_at = _time(d.get("received_at")) or ev.at
        elif ev.type in ("refused", "withdrawn", "completed", "decision"):
            c.decided_at = ev.at
            c.outcome_reason = str(d.get("reason") or c.outcome_reason or "")
            if ev.type == "refused":
                c.legal_basis = str(d.get("legal_basis") or "")
        elif ev.type == "due_date_settled":  # a 暂定 date settled once the year's schedule came
            final, before = _day(d.get("final")), _day(d.get("provisional"))
            if d.get("field") == "promised" and final:
                c.promised_date, c.promised_provisional = final, False
                c.promised_moved_from = before if before and before != final else None
            elif d.get("field") == "legal" and final:
                c.legal_due_date = final
        elif ev.type in ("gap_supplied", "material_supplied"):
            for g in c.gaps:
                if g["name"] == d.get("name"):
                    g["supplied"] = True
        if ev.window_code:
            c.window_code = ev.window_code
        if ev.actor and ev.type not in ("decision",):
            c.clerk = ev.actor
        state = ev.state or state
    if events and c.day is None:
        c.day = local_day(events[0].at)
    if party:
        c.applicant_name = str(party.get("name") or "")[:200]
        c.applicant_id_masked = mask_id_number(party.get("id_number"))
    c.state = state or c.state or "draft"
    c.events = len(events)
    c.broken = "；".join(problems)
    c.updated_at = utcnow()


def apply_queue_events(s: Session, events: list[dict[str, Any]]) -> int:
    """Store events of the hall queue service's log (`GET /events`), each once by its seq."""
    seqs = [e["seq"] for e in events if isinstance(e.get("seq"), int)]
    known = set(s.scalars(select(HallQueueEvent.seq).where(HallQueueEvent.seq.in_(seqs))))
    n = 0
    for e in events:
        at = _time(e.get("at"))
        if not isinstance(e.get("seq"), int) or e["seq"] in known or at is None:
            continue
        issued = _time(e.get("issued_at"))
        ticket = str(e.get("ticket") or "")[:12]
        s.add(HallQueueEvent(
            seq=e["seq"], at=at, type=str(e.get("type", ""))[:16], outcome=str(e.get("outcome", ""))[:20],
            window=str(e.get("window") or "")[:8], clerk=str(e.get("clerk") or "")[:40], ticket=ticket,
            queue=str(e.get("queue") or "")[:4], issued_at=issued,
            at_ms=round(at.timestamp() * 1000), issued_ms=round(issued.timestamp() * 1000) if issued else None,
            # the ticket key of hallclient.queue.stats: the UTC date and the number
            tkey=f"{issued.astimezone(timezone.utc).date() if issued else ''}/{ticket}",
            hour=at.astimezone(HALL_TZ).strftime("%H:00"),
        ))
        known.add(e["seq"])
        n += 1
    return n


def queue_cursor(s: Session) -> int:
    from sqlalchemy import func

    return int(s.scalar(select(func.max(HallQueueEvent.seq))) or 0)
