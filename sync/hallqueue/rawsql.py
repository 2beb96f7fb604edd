"""The hot write path of the queue service in plain SQL on the writer's own DBAPI connection.

Measured under load, a call-next spent most of its time building SQLAlchemy statements, their
cache keys and execution contexts (about 3.5 ms per action on the development machine),
against some 25 µs per statement in SQLite itself. Issue, call and the window actions run
several times a second per window, so they speak SQL directly here (about 0.5 ms per action);
configuration and reads stay on SQLAlchemy. Values are stored exactly as SQLAlchemy stores them
through sync/hallqueue/tables.py (naive-UTC datetimes, ISO dates, JSON text and 0/1 on SQLite),
so both paths read each other's rows.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any

from hallclient.queue.model import Ticket, TicketState, WindowState

TICKET_COLS = ("no", "queue", "issued_at", "day", "position", "priority", "booked_at", "state", "window",
               "target_window", "calls", "first_call_at", "last_call_at", "no_show_at", "original_queue")
_DT = {"issued_at", "position", "booked_at", "first_call_at", "last_call_at", "no_show_at", "at", "checked_in_at"}
WINDOW_COLS = ("code", "name", "current", "paused", "pause_reason", "clerk", "consecutive_priority", "served", "profile", "version")


def q(col: str) -> str:
    return f'"{col}"'


TICKET_SELECT = "SELECT id, version, " + ", ".join(q(c) for c in TICKET_COLS) + " FROM q_ticket "
WINDOW_SELECT = "SELECT " + ", ".join(q(c) for c in WINDOW_COLS) + " FROM q_window WHERE code = :code"
_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


class Raw:
    """The writer's connection: plain SQL with `:name` parameters on SQLite or PostgreSQL."""

    def __init__(self, engine):
        self.pg = engine.dialect.name == "postgresql"
        self.proxy = engine.raw_connection()  # from the pool, so SQLite gets the service's pragmas
        self.db = self.proxy.driver_connection
        self.cur = self.db.cursor()
        self._sql: dict[str, str] = {}
        if self.pg:
            from psycopg.types.json import Json

            self._json = Json

    def close(self) -> None:
        try:
            self.proxy.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass

    # -- statements ---------------------------------------------------------------------------
    def _s(self, sql: str) -> str:
        s = self._sql.get(sql)
        if s is None:
            s = self._sql[sql] = _PARAM.sub(r"%(\1)s", sql.replace("%", "%%")) if self.pg else sql
        return s

    def begin(self) -> None:
        if not self.pg:  # psycopg opens the transaction with the first statement
            self.cur.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    def all(self, sql: str, params: dict | None = None) -> list[tuple]:
        self.cur.execute(self._s(sql), params or {})
        return self.cur.fetchall()

    def one(self, sql: str, params: dict | None = None) -> tuple | None:
        self.cur.execute(self._s(sql), params or {})
        return self.cur.fetchone()

    def run(self, sql: str, params: dict | None = None) -> int:
        self.cur.execute(self._s(sql), params or {})
        return self.cur.rowcount

    def lock(self, sql: str) -> str:
        """`sql` with row locks on PostgreSQL (a second process must skip, not wait)."""
        return sql + " FOR UPDATE SKIP LOCKED" if self.pg else sql

    # -- values -------------------------------------------------------------------------------
    def dt(self, v: datetime | None):
        if v is None:
            return None
        v = v.astimezone(timezone.utc).replace(tzinfo=None)
        return v if self.pg else v.isoformat(" ", "microseconds")

    def dt_in(self, v) -> datetime | None:
        if v is None:
            return None
        if isinstance(v, str):
            v = datetime.fromisoformat(v)
        return v.replace(tzinfo=timezone.utc)

    def day(self, d: date):
        return d if self.pg else d.isoformat()

    def day_in(self, v) -> date:
        return date.fromisoformat(v) if isinstance(v, str) else v

    def js(self, v: Any):
        return self._json(v) if self.pg else json.dumps(v)

    def js_in(self, v) -> Any:
        return json.loads(v) if isinstance(v, str) else v

    def b(self, v: bool):
        return bool(v) if self.pg else int(bool(v))

    # -- rows ---------------------------------------------------------------------------------
    def ticket(self, r: tuple) -> tuple[int, int, Ticket]:
        """(id, version, Ticket) of a TICKET_SELECT row."""
        d = dict(zip(TICKET_COLS, r[2:]))
        for k in ("issued_at", "position", "booked_at", "first_call_at", "last_call_at", "no_show_at"):
            d[k] = self.dt_in(d[k])
        d["day"] = self.day_in(d["day"])
        d["state"] = TicketState(d["state"])
        return r[0], r[1], Ticket(**d)

    def ticket_params(self, t: Ticket, keys=TICKET_COLS) -> dict:
        out = {}
        for k in keys:
            v = getattr(t, k)
            if k in _DT:
                v = self.dt(v)
            elif k == "day":
                v = self.day(v)
            elif k == "state":
                v = v.value
            out[k] = v
        return out

    def window(self, r: tuple) -> tuple[WindowState, dict, int, dict]:
        """(WindowState, profile, version, the row's values) of a WINDOW_SELECT row."""
        d = dict(zip(WINDOW_COLS, r))
        d["paused"] = bool(d["paused"])
        d["served"] = self.js_in(d["served"]) or {}
        d["profile"] = self.js_in(d["profile"]) or {}
        w = WindowState(code=d["code"], name=d["name"], current=d["current"], paused=d["paused"], pause_reason=d["pause_reason"],
                        clerk=d["clerk"], consecutive_priority=d["consecutive_priority"], served=dict(d["served"]))
        return w, d["profile"], d["version"], d

    def insert_event(self, ev) -> int:
        return self.one('INSERT INTO q_event ("at", "type", outcome, "window", clerk, ticket, queue, issued_at, data) '
                        "VALUES (:at, :type, :outcome, :window, :clerk, :ticket, :queue, :issued_at, :data) RETURNING seq",
                        {"at": self.dt(ev.at), "type": ev.type, "outcome": ev.outcome, "window": ev.window, "clerk": ev.clerk,
                         "ticket": ev.ticket, "queue": ev.queue, "issued_at": self.dt(ev.issued_at), "data": self.js(ev.data)})[0]
