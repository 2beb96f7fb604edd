"""A scripted hall day for the supervision tests (imported by test modules; not a test file).

Rows are in the shape the `hall_day` stream delivers them, and the queue events in the
shape of the queue service's log, so they go through the real fold (mirror.py)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta, timezone

from hallclient.queue.model import HALL_TZ

_n = itertools.count(1)


def hall(day: date, h: int, m: int = 0) -> datetime:
    """A hall-local time of `day`, as an aware datetime."""
    return datetime.combine(day, datetime.min.time(), HALL_TZ) + timedelta(hours=h, minutes=m)


def uid() -> str:
    return str(uuid.uuid4())


def record(kind: str, payload: dict, key: str | None = None) -> dict:
    return {"key": key or uid(), "data": {"kind": kind, "payload": payload, "received_at": datetime.now(timezone.utc).isoformat()}}


def event(case_id: str, typ: str, state: str, at: datetime, inner: dict | None = None, *, window: str = "01",
          clerk: str = "clerk", case_no: str | None = None) -> dict:
    u = uid()
    return record("case.event", {"event_uuid": u, "case_id": case_id, "case_no": case_no, "type": typ, "state": state,
                                 "payload": inner or {}, "actor": clerk, "window_code": window, "at": at.isoformat()}, key=u)


PARTY = {"kind": "person", "name": "张䶮", "id_type": "resident", "id_number": "440305199001011234", "phone": ""}


def accepted_case(day: date, h: int, *, item: str = "SCJG-003", window: str = "01", clerk: str = "clerk",
                  promised: date | None = None, case_type: str = "promised", gaps: list | None = None,
                  case_id: str | None = None) -> tuple[str, list[dict]]:
    cid = case_id or uid()
    no = f"44030000101{day:%Y%m%d}{next(_n):05d}"
    t0 = hall(day, h)
    return cid, [
        event(cid, "created", "draft", t0, {"item_code": item, "ticket_no": "A001", "applicant": PARTY}, window=window, clerk=clerk),
        event(cid, "accepted", "accepted", t0 + timedelta(minutes=10),
              {"case_no": no, "item_code": item, "case_type": case_type, "promised_date": (promised or day).isoformat(),
               "legal_due_date": None, "applicant": PARTY, "materials": gaps or [], "window_code": window},
              window=window, clerk=clerk, case_no=no),
    ]


def q(seq: int, typ: str, at: datetime, ticket: str, queue: str = "A", window: str = "", clerk: str = "",
      issued: datetime | None = None, outcome: str = "ok") -> dict:
    return {"seq": seq, "type": typ, "outcome": outcome, "at": at.isoformat(), "window": window, "clerk": clerk,
            "ticket": ticket, "queue": queue, "issued_at": (issued or at).isoformat()}


def apply(store, rows: list[dict] = (), queue_events: list[dict] = ()) -> None:
    from hallclient.supervision.mirror import apply_hall_records, apply_queue_events

    with store.session() as s:
        if rows:
            apply_hall_records(s, list(rows))
        if queue_events:
            apply_queue_events(s, list(queue_events))


SUPERVISOR = None


def supervisor():
    from hallclient.permissions import Actor

    return Actor(3, "supervisor", "supervisor", "值班长")


def clerk():
    from hallclient.permissions import Actor

    return Actor(1, "clerk", "clerk", "王晓敏")
