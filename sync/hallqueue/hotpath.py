"""The queue service's hot requests, answered before FastAPI's routing.

A window's call-next and end, a kiosk's new ticket and a display's long poll are nearly all of
the service's traffic. Profiled under the bench, FastAPI spent more on each of them than the
action itself: matching the path against every route in turn, then solving the dependency tree
(token, right, body) — about two thirds of the service's CPU, against ~0.5 ms for the
transaction. Here they take one regular expression, one token lookup (cached, tokens.py) and the
same action as the route.

Only the plain, well-formed case is answered here: anything else — no or unknown token,
another window's token, a body, an unusual query, a refused value — goes on to the FastAPI app
unchanged, which answers it exactly as before (401, 403, 413, 422 with their Chinese reasons).
Errors raised by an action are answered by the app's own exception handlers. The OpenAPI
schema still describes these routes (app.py declares them).
"""

from __future__ import annotations

import asyncio
import re
from typing import Awaitable, Callable

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sync.hallqueue.inputs import MAX_POLL_S, SEQ_MAX, IssueIn
from sync.hallqueue.tokens import Kind, Principal, Right

_WINDOW_ACTION = re.compile(r"/windows/([0-9A-Za-z]{1,8})/(call-next|recall|no-show|park|end)")
_METHOD = {"call-next": "call_next", "recall": "recall", "no-show": "no_show", "park": "park", "end": "end"}
_INT = re.compile(r"[0-9]{1,19}")
_SECONDS = re.compile(r"[0-9]{1,2}(\.[0-9]{1,6})?")
_SMALL_BODY = 1024  # a new ticket's body is ~40 bytes; anything larger takes the full path


class HotPaths:
    """ASGI middleware: the hot requests of `service`, everything else to `app`."""

    def __init__(self, app, service, handlers: dict, answer_events: Callable[[int, float, int], Awaitable[Response]]):
        self.app, self.svc, self.handlers, self.answer_events = app, service, handlers, answer_events

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            method, path = scope["method"], _route_path(scope)
            if method == "POST":
                m = _WINDOW_ACTION.fullmatch(path)
                if m is not None:
                    response = await self._window_action(scope, m.group(1), m.group(2))
                    if response is not None:
                        return await response(scope, receive, send)
                elif path == "/tickets":
                    response, receive = await self._issue(scope, receive)
                    if response is not None:
                        return await response(scope, receive, send)
            elif method == "GET" and path == "/events":
                response = await self._events(scope)
                if response is not None:
                    return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    # -- requests ---------------------------------------------------------------------------
    def _principal(self, scope) -> Principal | None:
        auth = _header(scope, b"authorization")
        if auth is None or not auth.startswith(b"Bearer "):
            return None
        try:
            token = auth[7:].decode("ascii")
        except UnicodeDecodeError:
            return None
        return self.svc.tokens.lookup(token)

    async def _window_action(self, scope, code: str, action: str) -> Response | None:
        if not _no_body(scope):
            return None
        p = self._principal(scope)
        if p is None or p.kind is not Kind.WINDOW or p.window != code:
            return None
        return await self._run(scope, getattr(self.svc, _METHOD[action]), code)

    async def _issue(self, scope, receive):
        length = _header(scope, b"content-length")
        if (length is None or not length.isdigit() or int(length) > _SMALL_BODY or _header(scope, b"transfer-encoding")
                or _header(scope, b"content-type") != b"application/json"):
            return None, receive
        p = self._principal(scope)
        if p is None or not p.may(Right.ISSUE):
            return None, receive
        chunks = []
        while True:
            msg = await receive()
            if msg["type"] != "http.request":  # the client went away
                return Response(status_code=400), receive
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            ticket = IssueIn.model_validate_json(body)
        except (ValidationError, ValueError, RecursionError):
            return None, _replay(body, receive)  # the app answers 422 with its reasons
        return await self._run(scope, self.svc.issue, ticket.queue, ticket.priority), receive

    async def _events(self, scope) -> Response | None:
        p = self._principal(scope)
        if p is None or not p.may(Right.READ):
            return None
        q = _query(scope)
        if q is None:
            return None
        after, timeout, limit = q.get("after", "0"), q.get("timeout", "20"), q.get("limit", "500")
        if not (_INT.fullmatch(after) and _SECONDS.fullmatch(timeout) and _INT.fullmatch(limit)):
            return None
        after_i, timeout_f, limit_i = int(after), float(timeout), int(limit)
        if after_i > SEQ_MAX or timeout_f > MAX_POLL_S or not 1 <= limit_i <= 5000:
            return None
        return await self.answer_events(after_i, timeout_f, limit_i)

    async def _run(self, scope, fn, *args) -> Response:
        try:
            if self.svc.group_commit:
                return JSONResponse(await asyncio.wrap_future(self.svc.submit_action(fn, *args)))
            return JSONResponse(fn(*args))
        except Exception as exc:  # noqa: BLE001 - answered by the app's own handler, or re-raised
            for cls in type(exc).__mro__:
                handler = self.handlers.get(cls)
                if handler is not None:
                    return _Deferred(handler, Request(scope), exc)
            raise


class _Deferred:
    """The response an async exception handler of the app makes, as an ASGI response."""

    def __init__(self, handler, request, exc):
        self.handler, self.request, self.exc = handler, request, exc

    async def __call__(self, scope, receive, send):
        response = await self.handler(self.request, self.exc)
        await response(scope, receive, send)


def _route_path(scope) -> str:
    """The path below the mount point (`/queue` in `hallclient server`), as Starlette routes it."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        return path[len(root):]
    return path


def _header(scope, name: bytes) -> bytes | None:
    found = None
    for k, v in scope["headers"]:
        if k == name:
            if found is not None:  # repeated: let the app decide
                return b"\0"
            found = v
    return found


def _no_body(scope) -> bool:
    length = _header(scope, b"content-length")
    return (length is None or length == b"0") and _header(scope, b"transfer-encoding") is None


def _query(scope) -> dict[str, str] | None:
    """The query as a dict when every key is one of the long poll's, given once; else None."""
    out: dict[str, str] = {}
    qs = scope.get("query_string", b"")
    if not qs:
        return out
    for part in qs.split(b"&"):
        k, sep, v = part.partition(b"=")
        key = k.decode("latin-1")
        if not sep or key not in ("after", "timeout", "limit") or key in out:
            return None
        out[key] = v.decode("latin-1")
    return out


def _replay(body: bytes, receive):
    """`receive` for the app after this module read the body: the body once, then the client's."""
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
