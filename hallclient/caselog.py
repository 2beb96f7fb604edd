"""Case events and the outbox: the only way a case changes state.

`record_event` appends to the case's event log and, unless the case is training data, writes
the matching outbox row, all in the caller's session, so that state, event and outbox commit
or roll back together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hallclient.models import Case, CaseEvent, OutboxEntry, User, Window, new_uuid, utcnow


def enqueue(session: Session, kind: str, payload: dict[str, Any], uuid: str | None = None, *,
            now: datetime | None = None) -> OutboxEntry:
    """Queue a record for the central server in the caller's transaction (stamped with the
    operation's `now`, the clock only when the caller has none)."""
    entry = OutboxEntry(uuid=uuid or new_uuid(), kind=kind, payload=payload, created_at=now or utcnow())
    session.add(entry)
    return entry


def record_event(
    session: Session,
    case: Case,
    type: str,
    payload: dict[str, Any] | None = None,
    actor_id: int | None = None,
    *,
    outbox: bool = True,
    now: datetime | None = None,
) -> CaseEvent:
    """Append an event to the case's log (and its outbox row) in the caller's transaction.

    `outbox=False` records an event that came from the central server (an approval result):
    sending it back would echo the server's own record to it.

    `now` is the operation's time (a training case generated for last Tuesday happened last
    Tuesday); the event, the case's `updated_at` and, for a person's action, its
    `last_activity_at` (today's cases of a window) all take it."""
    now = now or utcnow()
    ev = CaseEvent(uuid=new_uuid(), case_id=case.id, type=type, payload=payload or {}, actor_id=actor_id, at=now)
    session.add(ev)
    case.updated_at = now
    if actor_id is not None or type == "created":
        case.last_activity_at = now
    if outbox and not case.training:
        enqueue(
            session,
            "case.event",
            {
                "event_uuid": ev.uuid,
                "case_id": case.id,
                "case_no": case.case_no,
                "type": type,
                "state": case.state,
                "payload": ev.payload,
                "actor_id": actor_id,
                "at": now.isoformat(),
                # Names, not local row ids: the hall's supervisors read these on other PCs.
                "actor": _username(session, actor_id),
                "window_code": _window_code(session, case.window_id),
            },
            uuid=ev.uuid,
            now=now,
        )
    return ev


def _username(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.username if user is not None else ""


def _window_code(session: Session, window_id: int | None) -> str:
    window = session.get(Window, window_id) if window_id is not None else None
    return window.code if window is not None else ""
