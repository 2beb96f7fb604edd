"""The hall's day for its supervisors: every record a device of the hall pushes, published
on the hall-scoped stream `hall_day` (key: the record's UUID; data: kind, payload, when it
was received). A supervisor's PC pulls it and keeps the hall's cases, events, ratings, fees,
certificates and reviews offline (hallclient.supervision.mirror folds them).

Records are published once, when first stored; a repeat push stores and publishes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sync.server.store import publish

STREAM = "hall_day"


def publish_records(s: Session, hall_code: str, rows: list[dict[str, Any]], now: datetime) -> None:
    """Publish newly stored records (dicts of uuid, kind, payload) on the hall's stream."""
    publish(s, STREAM, [(hall_code, r["uuid"], {"kind": r["kind"], "payload": r["payload"], "received_at": now.isoformat()})
                        for r in rows], now)
