"""FastAPI app of the hall queue service. See docs/queue-api.md; OpenAPI at /openapi.json.

Every route but /health needs a token (sync/hallqueue/tokens.py) whose kind has the route's
right; window actions also need the token's own window. Bodies are at most 64 KiB and every
field is bounded (sync/hallqueue/inputs.py).

Tickets and window actions run on the event loop thread itself, under the service's writer
lock: one short transaction (~0.5 ms of CPU on SQLite) is cheaper than the two thread
hand-overs it took to run it elsewhere, and the loop serves them in arrival order. Configuration
writes (rules, queues, windows, appointments) run on a thread of the service; reads of the
database on the stream readers' threads. The displays' long polls are answered from the
service's memory of recent events (EventRing) without a read.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Annotated, Callable

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError, OperationalError

from hallclient.errors import ValidationFailed
from hallclient.queue.model import day_bounds, local_day
from sync.hallqueue.hotpath import HotPaths
from sync.hallqueue.inputs import (
    MAX_BODY,
    MAX_POLL_S,
    PREFIX,
    SEQ_MAX,
    TICKET,
    WINDOW,
    AppointmentIn,
    CheckInIn,
    IssueIn,
    PauseIn,
    Problem,
    QueueIn,
    RulesIn,
    TicketIn,
    TransferIn,
    WindowIn,
    day_in_range,
    explain,
)
from sync.hallqueue.service import QueueService, UnknownWindow
from sync.hallqueue.tokens import KIND_LABEL, RIGHT_TEXT, Kind, Principal, Right

log = logging.getLogger(__name__)

# How long a woken long poll waits for more events before answering (adds at most this to the
# call-to-display latency, target p99 200 ms).
COALESCE_S = 0.03

REFUSALS = {code: {"model": Problem, "description": what} for code, what in {
    401: "no token, or an unknown or revoked one", 403: "the token's kind lacks the right, or it is another window's",
    404: "unknown window", 413: "body larger than 64 KiB", 422: "invalid input (Chinese reason in `detail`)"}.items()}

WindowPath = Annotated[str, Path(pattern=WINDOW, max_length=8, description="window code, e.g. 03")]
PrefixPath = Annotated[str, Path(pattern=PREFIX, max_length=4)]
TicketPath = Annotated[str, Path(pattern=TICKET, max_length=12)]


class BodyLimit:
    """Refuses bodies over `limit` bytes with 413 before anything reads them: by Content-Length
    when given, else while receiving (a chunked body is buffered only up to the limit)."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def _refuse(self, send) -> None:
        body = ('{"detail":"提交的内容超过 %d KiB，叫号服务不接收。"}' % (self.limit // 1024)).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                return await self._refuse(send)
            return await self.app(scope, receive, send)
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return await self.app(scope, receive, send)
        chunks, total = [], 0
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                return
            chunks.append(msg.get("body", b""))
            total += len(chunks[-1])
            if total > self.limit:
                return await self._refuse(send)
            if not msg.get("more_body"):
                break
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)


def create_queue_app(db_url: str, *, seed_demo: bool = True, service: QueueService | None = None) -> FastAPI:
    """The hall queue service on the database at `db_url` (SQLite file or PostgreSQL)."""
    svc = service or QueueService(db_url, seed_demo=seed_demo)
    app = FastAPI(title="Hall queue service (排队叫号服务)", version="2",
                  description="Tickets, window calls and the event stream of one service hall. "
                              "Every route but /health needs `Authorization: Bearer <token>` (docs/queue-api.md).")
    app.state.queue_service = svc
    app.add_middleware(BodyLimit)
    # The event stream reads on threads of its own: displays never queue behind other reads.
    stream_readers = ThreadPoolExecutor(2, thread_name_prefix="queue-events")
    bearer = HTTPBearer(auto_error=False, description="token issued by `hallclient queue token issue`")

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": explain(list(exc.errors()))}, status_code=422)

    @app.exception_handler(ValidationFailed)
    async def refused(_request: Request, exc: ValidationFailed):
        return JSONResponse({"detail": exc.message}, status_code=422)

    @app.exception_handler(RecursionError)
    async def too_deep(_request: Request, _exc: RecursionError):  # json.loads of [[[[… within 64 KiB
        return JSONResponse({"detail": "提交的内容嵌套层数过多"}, status_code=422)

    @app.exception_handler(UnknownWindow)
    async def unknown_window(_request: Request, exc: UnknownWindow):
        return JSONResponse({"detail": f"没有窗口 {exc.args[0]}，请先在叫号服务中登记该窗口"}, status_code=404)

    @app.exception_handler(DBAPIError)
    async def database_refused(request: Request, exc: DBAPIError):
        # A safety net: input that passed validation but the database still would not take.
        if isinstance(exc, OperationalError):
            log.error("queue database unavailable: %s", exc.orig)
            return JSONResponse({"detail": "叫号服务的数据库暂时不可用，请稍后再试"}, status_code=503)
        log.warning("queue database refused %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
        return JSONResponse({"detail": "提交的内容无法保存（超出范围或含有不允许的字符）"}, status_code=422)

    # Dependencies are coroutines: FastAPI runs a plain `def` dependency on a worker thread,
    # which cost every request two thread switches (measured: a quarter of the service's CPU).
    async def principal(creds: HTTPAuthorizationCredentials | None = Security(bearer)) -> Principal:
        p = svc.tokens.lookup(creds.credentials) if creds is not None else None
        if p is None:
            raise HTTPException(401, "缺少或无效的叫号服务凭据：请信息化人员发放凭据（hallclient queue token issue），"
                                     "填入设置“叫号服务凭据”", headers={"WWW-Authenticate": "Bearer"})
        return p

    def need(right: Right) -> Callable[..., Principal]:
        async def check(p: Principal = Depends(principal)) -> Principal:
            if not p.may(right):
                raise HTTPException(403, f"{KIND_LABEL[p.kind]}凭据不能{RIGHT_TEXT[right]}")
            return p

        return check

    def own_window(p: Principal, code: str, admin_too: bool = False) -> None:
        if p.kind is Kind.WINDOW and p.window == code:
            return
        if admin_too and p.kind is Kind.ADMIN:
            return
        if p.kind is Kind.WINDOW:
            raise HTTPException(403, f"窗口 {p.window} 的凭据不能操作窗口 {code}")
        raise HTTPException(403, f"{KIND_LABEL[p.kind]}凭据不能{RIGHT_TEXT[Right.WINDOW]}")

    async def any_principal(p: Principal = Depends(principal)) -> Principal:
        return p

    async def write(fn, *args):
        """A configuration write (SQLAlchemy), off the event loop."""
        return JSONResponse(await asyncio.wrap_future(svc.submit(fn, *args)))

    async def act(fn, *args):
        """A ticket or window action: inline under the service's writer lock (SQLite), or
        through the group-commit writer (PostgreSQL, service.py)."""
        if svc.group_commit:
            return JSONResponse(await asyncio.wrap_future(svc.submit_action(fn, *args)))
        return JSONResponse(fn(*args))

    async def read(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(stream_readers, fn, *args)

    pub = APIRouter()
    api = APIRouter(responses=REFUSALS)
    reader, admin, kiosk = Depends(need(Right.READ)), Depends(need(Right.ADMIN)), Depends(need(Right.ISSUE))

    @pub.get("/health")
    def health():
        return {"ok": True}

    @api.get("/queues", dependencies=[reader])
    def queues():
        return [{"prefix": q.prefix, "name": q.name} for q in svc.queues()]

    @api.put("/queues/{prefix}", dependencies=[admin])
    async def put_queue(prefix: PrefixPath, body: QueueIn):
        return await write(svc.set_queue, prefix.upper(), body.name)

    @api.get("/rules", dependencies=[reader])
    def get_rules():
        return svc.rules()

    @api.put("/rules", dependencies=[admin])
    async def put_rules(body: RulesIn):
        return await write(svc.set_rules, body.model_dump(exclude_none=True))

    @api.put("/windows/{code}")
    async def put_window(code: WindowPath, body: WindowIn, p: Principal = Depends(any_principal)):
        """Admin: register or change any window. A window's own token: sign its clerk in, and
        register its window (name, profile) when the service does not know it yet."""
        own_window(p, code, admin_too=True)
        profile = body.profile.model_dump() if body.profile is not None else None
        if p.kind is Kind.WINDOW and (profile is not None or body.name) and await read(svc.window_exists, code):
            raise HTTPException(403, "窗口凭据只能登记本窗口的工作人员；已登记窗口的名称和工作方案由管理凭据修改")
        return await write(svc.set_window, code, body.name, profile, body.clerk, p.kind is Kind.WINDOW)

    @api.post("/tickets", dependencies=[kiosk])
    async def issue(body: IssueIn):
        return await act(svc.issue, body.queue, body.priority)

    @api.post("/appointments", dependencies=[admin])
    async def add_appointment(body: AppointmentIn):
        return await write(svc.add_appointment, body.code, body.queue, body.booked_at, body.id_number, body.name)

    @api.post("/appointments/check-in", dependencies=[kiosk])
    async def check_in(body: CheckInIn):
        return await act(svc.check_in, body.code, body.id_number)

    @api.post("/tickets/{ticket}/requeue", dependencies=[kiosk])
    async def requeue(ticket: TicketPath):
        return await act(svc.requeue_late, ticket)

    def window_route(path: str, fn_name: str, body_type=None, admin_too: bool = False):
        fn = getattr(svc, fn_name)
        if body_type is None:
            async def route(code: WindowPath, p: Principal = Depends(any_principal)):
                own_window(p, code, admin_too)
                return await act(fn, code)
        else:
            async def route(code: WindowPath, body: body_type, p: Principal = Depends(any_principal)):  # type: ignore[valid-type]
                own_window(p, code, admin_too)
                return await act(fn, code, *body.model_dump().values())
        route.__name__ = fn_name
        if body_type is not None:  # this module's annotations are strings; the body type is local
            route.__annotations__["body"] = body_type
        api.post(f"/windows/{{code}}/{path}")(route)

    window_route("call-next", "call_next")
    window_route("call", "call_specific", TicketIn)
    window_route("recall", "recall")
    window_route("no-show", "no_show")
    window_route("transfer", "transfer", TransferIn)
    window_route("park", "park")
    window_route("call-back", "call_back", TicketIn)
    window_route("pause", "pause", PauseIn, admin_too=True)
    window_route("resume", "resume", admin_too=True)
    window_route("end", "end")

    @api.get("/status", dependencies=[reader])
    async def status(window: Annotated[str, Query(pattern=r"^[0-9A-Za-z]{0,8}$", max_length=8)] = ""):
        return JSONResponse(await read(svc.status, window))

    @api.get("/events", dependencies=[reader])
    async def events(after: Annotated[int, Query(ge=0, le=SEQ_MAX)] = 0,
                     timeout: Annotated[float, Query(ge=0, le=MAX_POLL_S, allow_inf_nan=False)] = 20.0,
                     limit: Annotated[int, Query(ge=1, le=5000)] = 500):
        """Long poll: events with seq > after, waiting up to `timeout` s for the first one.
        Resume with the returned `cursor`; nothing is ever skipped."""
        return await answer_events(after, timeout, limit)

    async def answer_events(after: int, timeout: float, limit: int) -> JSONResponse:
        async def events_after():
            # From memory when the cursor is recent (every display following the hall), on a
            # reader thread otherwise.
            got = svc.events_cached(after, limit)
            return got if got is not None else await read(svc.events_stored, after, limit)

        evs, cursor = await events_after()
        if not evs and timeout > 0:
            if await svc.notifier.wait(after, timeout):
                # Woken by a commit: wait a moment so the rest of a burst (fifty windows calling
                # at once) comes in this answer, not in one request per event; that read load
                # would otherwise take the service's CPU from call-next.
                await asyncio.sleep(COALESCE_S)
            evs, cursor = await events_after()
        return JSONResponse({"events": evs, "cursor": cursor})

    @api.get("/stats", dependencies=[Depends(need(Right.STATS))])
    async def stats(by: Annotated[str, Query(pattern="^(clerk|window|queue|hour)$")] = "window",
                    day: Annotated[date | None, Query(description="the hall's local day, YYYY-MM-DD (2000–2099); today when omitted")] = None):
        """Stats of one hall day: only that day's events are read (the table keeps every day)."""
        from hallclient.queue.stats import compute_stats

        if day is not None:
            try:
                day_in_range(day)
            except ValueError as e:
                raise HTTPException(422, str(e)) from None
        since, until = day_bounds(day or local_day(svc.clock()))
        evs = await read(svc.all_events, since, until)
        return {k: v.as_json() for k, v in compute_stats(evs, by).items()}

    app.include_router(pub)
    app.include_router(api)
    # Outermost: the hot requests (call-next, end, new tickets, long polls) skip the routing.
    app.add_middleware(HotPaths, service=svc, handlers=app.exception_handlers, answer_events=answer_events)
    return app
