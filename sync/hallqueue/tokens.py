"""Credentials of the hall queue service: one kind of token per kind of caller.

A token is issued at registration (`hallclient queue token issue --kind window --window 03`),
shown once, and only its SHA-256 is stored (a token is 256 random bits, so a fast hash is
enough: nothing to brute-force). Each kind carries only the rights its caller needs:

| kind    | who                         | may                                                       |
|---------|-----------------------------|-----------------------------------------------------------|
| window  | one window's client (bound) | read; act on its own window (call … end, pause); sign in  |
| display | the hall display            | read (status, queues, event stream)                       |
| kiosk   | the ticket kiosk            | read; issue tickets, appointment check-in, late re-queue  |
| admin   | hall IT / supervisor        | read; stats; rules, queues, windows, appointments; pause/resume any window |

Lookups are cached for a few seconds: a request then costs one hash and one dict lookup, not a
database read. A token revoked from another process (the CLI) stops working within
`CACHE_S` seconds; revoked in this process, at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import DateTime, Integer, String, create_engine, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from hallclient.queue.model import utc_now
from sync.hallqueue.tables import QBase

CACHE_S = 5.0
MAX_TOKEN_LEN = 200
WINDOW_CODE = re.compile(r"^[0-9A-Za-z]{1,8}$")


class Kind(str, Enum):
    WINDOW = "window"
    DISPLAY = "display"
    KIOSK = "kiosk"
    ADMIN = "admin"


KIND_LABEL = {Kind.WINDOW: "窗口", Kind.DISPLAY: "叫号大屏", Kind.KIOSK: "取号机", Kind.ADMIN: "管理"}


class Right(str, Enum):
    READ = "read"  # /queues, /status, /events, GET /rules
    STATS = "stats"  # /stats
    ISSUE = "issue"  # tickets, appointment check-in, late re-queue
    WINDOW = "window"  # the window actions, on the token's own window only
    ADMIN = "admin"  # rules, queues, windows, appointments, pause/resume of any window


RIGHTS: dict[Kind, frozenset[Right]] = {
    Kind.WINDOW: frozenset({Right.READ, Right.WINDOW}),
    Kind.DISPLAY: frozenset({Right.READ}),
    Kind.KIOSK: frozenset({Right.READ, Right.ISSUE}),
    Kind.ADMIN: frozenset({Right.READ, Right.STATS, Right.ADMIN}),
}

RIGHT_TEXT = {
    Right.READ: "查看叫号信息", Right.STATS: "查看统计", Right.ISSUE: "取号和签到",
    Right.WINDOW: "窗口叫号操作", Right.ADMIN: "管理叫号规则、队列和窗口",
}


class QToken(QBase):
    __tablename__ = "q_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    window: Mapped[str] = mapped_column(String(8), default="")
    label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


@dataclass(frozen=True)
class Principal:
    """Who a request comes from."""

    token_id: int
    kind: Kind
    window: str = ""

    def may(self, right: Right) -> bool:
        return right in RIGHTS[self.kind]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class TokenError(ValueError):
    """A token request that cannot be carried out (message in Chinese)."""


class TokenStore:
    def __init__(self, engine: Engine, own_engine: bool = False):
        self.engine = engine
        self._own = own_engine
        QToken.__table__.create(engine, checkfirst=True)
        self._cache: dict[str, tuple[Principal | None, float]] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, db_url: str) -> "TokenStore":
        """A store on its own engine (the CLI and the bench, outside a running service)."""
        return cls(create_engine(db_url), own_engine=True)

    def close(self) -> None:
        if self._own:
            self.engine.dispose()

    def issue(self, kind: str, window: str = "", label: str = "") -> dict:
        """A new token of `kind` (bound to `window` for kind window). The token is in the answer
        only: it cannot be read back later."""
        try:
            k = Kind(kind)
        except ValueError:
            raise TokenError(f"凭据类型“{kind}”未知，可选：" + "、".join(f"{x.value}（{KIND_LABEL[x]}）" for x in Kind)) from None
        window = window.strip()
        if k is Kind.WINDOW and not WINDOW_CODE.match(window):
            raise TokenError("窗口凭据要指定窗口编号（1–8 位字母或数字，如 03）")
        if k is not Kind.WINDOW:
            window = ""
        if len(label) > 60 or "\x00" in label:
            raise TokenError("备注不能超过 60 个字符")
        token = "hq_" + secrets.token_urlsafe(32)
        with self.engine.begin() as c:
            tid = c.execute(insert(QToken).values(token_hash=token_hash(token), kind=k.value, window=window,
                                                  label=label, created_at=utc_now())).inserted_primary_key[0]
        return {"id": tid, "kind": k.value, "window": window, "label": label, "token": token}

    def revoke(self, token_id: int) -> bool:
        with self.engine.begin() as c:
            n = c.execute(update(QToken).where(QToken.id == token_id, QToken.revoked_at.is_(None))
                          .values(revoked_at=utc_now())).rowcount
        with self._lock:
            self._cache.clear()
        return bool(n)

    def revoke_label(self, label: str) -> int:
        """Revoke every live token with this label (the demo replaces its own at each start)."""
        with self.engine.begin() as c:
            n = c.execute(update(QToken).where(QToken.label == label, QToken.revoked_at.is_(None))
                          .values(revoked_at=utc_now())).rowcount
        with self._lock:
            self._cache.clear()
        return n

    def list(self) -> list[dict]:
        with self.engine.connect() as c:
            rows = c.execute(select(QToken).order_by(QToken.id)).all()
        return [{"id": r.id, "kind": r.kind, "window": r.window, "label": r.label,
                 "created_at": r.created_at.isoformat(), "revoked": r.revoked_at is not None} for r in rows]

    def lookup(self, token: str) -> Principal | None:
        """The principal of a live token, or None."""
        if not token or len(token) > MAX_TOKEN_LEN:
            return None
        h = token_hash(token)
        now = time.monotonic()
        hit = self._cache.get(h)
        if hit is not None and hit[1] > now:
            return hit[0]
        with self.engine.connect() as c:
            r = c.execute(select(QToken.id, QToken.kind, QToken.window)
                          .where(QToken.token_hash == h, QToken.revoked_at.is_(None))).first()
        p = Principal(r.id, Kind(r.kind), r.window) if r else None
        with self._lock:
            if len(self._cache) > 10_000:  # a flood of made-up tokens must not grow memory
                self._cache.clear()
            # Unknown tokens are remembered briefly too: a flood of them must not become a
            # flood of database reads.
            self._cache[h] = (p, now + (CACHE_S if p else 1.0))
        return p
