"""Constants of the sync protocol shared by the client and the reference server.

The wire format is described in docs/sync-protocol.md; this module holds the numbers both
sides must agree on, so that neither imports the other.
"""

from __future__ import annotations

import re

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"

# Streams the server publishes, in the order a client applies them (the catalogue before
# anything that refers to items, users before results that name clerks).
STREAMS: tuple[str, ...] = ("catalogue", "users", "calendar", "approvals", "appointments", "cases_today", "hall_day")
# Streams whose rows belong to one hall; the others are global.
HALL_STREAMS = frozenset({"approvals", "appointments", "cases_today", "hall_day"})
# Streams only a supervisor's PC pulls (setting supervision.pull_hall_day): every record of
# the hall, far more than a window needs.
SUPERVISOR_STREAMS = frozenset({"hall_day"})

MAX_PUSH_ITEMS = 1000  # items per push request
MAX_PAYLOAD_BYTES = 64 * 1024  # one item's payload, serialised
MAX_BODY_BYTES = 16 * 1024 * 1024  # a request body after decompression
MAX_PULL_LIMIT = 2000  # rows per stream per pull

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Item results of a push.
ACCEPTED = "accepted"
REJECTED = "rejected"

# Decisions the back office sends down (approvals stream) and the case states they set.
DECISION_STATES = {"approve": "approved", "deny": "denied"}
# The case states a decision may follow: a case accepted at the window and waiting for the back
# office. Refused, withdrawn, completed-on-the-spot or already decided cases get none.
DECIDABLE_STATES = frozenset({"accepted"})
