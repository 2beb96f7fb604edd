"""A supervisor's PC keeps the hall's day: which streams it pulls, and the queue log.

Window PCs pull what a window needs; a PC marked as the supervisor's (setting
`supervision.pull_hall_day`) also pulls `hall_day` from the central server and copies the
hall queue service's event log (tickets, calls, 过号 …), which never goes through the province.
Both are stored locally (hallclient.supervision.mirror), so the page works offline after.
"""

from __future__ import annotations

import logging

from hallclient import settings
from hallclient.db import Store
from hallclient.errors import HallError
from hallclient.models import SyncCursor, utcnow
from hallclient.supervision import config
from hallclient.supervision.mirror import apply_queue_events, queue_cursor
from hallclient.supervision.overview import QUEUE_CURSOR_STREAM
from sync import protocol

log = logging.getLogger(__name__)

WINDOW_STREAMS: tuple[str, ...] = tuple(s for s in protocol.STREAMS if s not in protocol.SUPERVISOR_STREAMS)
PAGE = 2000


def is_supervisor_pc(store: Store) -> bool:
    with store.session() as s:
        return bool(settings.get(s, config.PULL_HALL_DAY))


def pull_queue_log(store: Store, base_url: str | None = None, client=None, token: str | None = None) -> int:
    """Copy the queue service's events after the last one kept; returns how many were new.
    The PC's queue token (setting 叫号服务凭据; a display or admin token can read the event
    stream) is sent. An unreachable or refusing service is logged and skipped: the page says
    how old the queue data is."""
    from sync.hallqueue.client import QueueClient

    with store.session() as s:
        url = base_url if base_url is not None else settings.get(s, settings.QUEUE_SERVICE_URL)
        token = token if token is not None else settings.get(s, settings.QUEUE_TOKEN)
        after = queue_cursor(s)
    if not url and client is None:
        return 0
    qc = client or QueueClient(url, timeout=10, token=token)
    total = 0
    try:
        while True:
            page = qc.events(after, timeout=0, limit=PAGE)
            events = page.get("events") or []
            with store.session() as s:
                total += apply_queue_events(s, events)
                row = s.get(SyncCursor, QUEUE_CURSOR_STREAM) or SyncCursor(stream=QUEUE_CURSOR_STREAM)
                row.cursor, row.updated_at = str(max([after] + [e["seq"] for e in events if isinstance(e.get("seq"), int)])), utcnow()
                s.add(row)
            new_after = int(page.get("cursor") or after)
            if len(events) < PAGE or new_after <= after:
                return total
            after = new_after
    except HallError as e:
        log.warning("hall queue log not copied: %s", e.message)
        return total
    finally:
        if client is None:
            qc.close()
