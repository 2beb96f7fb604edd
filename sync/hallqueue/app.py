"""FastAPI app of the hall queue service. See docs/queue-api.md; OpenAPI at /openapi.json."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from hallclient.errors import ValidationFailed
from hallclient.queue.model import day_bounds, local_day
from sync.hallqueue.service import QueueService, UnknownWindow

MAX_POLL_S = 30.0
# How long a woken long poll waits for more events before answering (adds at most this to the
# call-to-display latency, target p99 200 ms).
COALESCE_S = 0.03


class IssueIn(BaseModel):
    queue: str = Field(description="ticket prefix of the queue, e.g. A")
    priority: str = Field("", description="elderly | disabled | pregnant | military, or empty")


class CheckInIn(BaseModel):
    code: str = ""
    id_number: str = ""


class AppointmentIn(BaseModel):
    code: str
    queue: str
    booked_at: datetime
    id_number: str = ""
    name: str = ""


class WindowIn(BaseModel):
    name: str = ""
    profile: dict | None = Field(None, description="work profile: queues, mode, weights, rules, starvation …")
    clerk: str | None = None


class TicketIn(BaseModel):
    ticket: str


class TransferIn(BaseModel):
    to_queue: str = ""
    to_window: str = ""
    keep_position: bool = True


class PauseIn(BaseModel):
    reason: str


class QueueIn(BaseModel):
    name: str


def create_queue_app(db_url: str, *, seed_demo: bool = True, service: QueueService | None = None) -> FastAPI:
    """The hall queue service on the database at `db_url` (SQLite file or PostgreSQL)."""
    svc = service or QueueService(db_url, seed_demo=seed_demo)
    app = FastAPI(title="Hall queue service (排队叫号服务)", version="1",
                  description="Tickets, window calls and the event stream of one service hall.")
    app.state.queue_service = svc
    # The event stream reads on threads of its own: under load the shared threadpool is full of
    # window actions waiting for the single writer, and displays would queue behind them.
    stream_readers = ThreadPoolExecutor(2, thread_name_prefix="queue-events")

    async def read_events(after: int, limit: int):
        return await asyncio.get_running_loop().run_in_executor(stream_readers, svc.events_after, after, limit)

    def window_call(fn, *args):
        try:
            return JSONResponse(fn(*args))
        except UnknownWindow as e:
            raise HTTPException(404, f"没有窗口 {e.args[0]}，请先在叫号服务中登记该窗口") from None

    @app.get("/health")
    def health():
        return {"ok": True}

    @app.get("/queues")
    def queues():
        return [{"prefix": q.prefix, "name": q.name} for q in svc.queues()]

    @app.put("/queues/{prefix}")
    def put_queue(prefix: str, body: QueueIn):
        return svc.set_queue(prefix.upper(), body.name)

    @app.get("/rules")
    def get_rules():
        return svc.rules()

    @app.put("/rules")
    def put_rules(body: dict):
        try:
            return svc.set_rules(body)
        except ValidationFailed as e:
            raise HTTPException(422, e.message) from None

    @app.put("/windows/{code}")
    def put_window(code: str, body: WindowIn):
        try:
            return svc.set_window(code, body.name, body.profile, body.clerk)
        except ValidationFailed as e:
            raise HTTPException(422, e.message) from None

    @app.post("/tickets")
    def issue(body: IssueIn):
        return JSONResponse(svc.issue(body.queue, body.priority))

    @app.post("/appointments")
    def add_appointment(body: AppointmentIn):
        return svc.add_appointment(body.code, body.queue.upper(), body.booked_at, body.id_number, body.name)

    @app.post("/appointments/check-in")
    def check_in(body: CheckInIn):
        return svc.check_in(body.code, body.id_number)

    @app.post("/tickets/{ticket}/requeue")
    def requeue(ticket: str):
        return svc.requeue_late(ticket)

    @app.post("/windows/{code}/call-next")
    def call_next(code: str):
        return window_call(svc.call_next, code)

    @app.post("/windows/{code}/call")
    def call(code: str, body: TicketIn):
        return window_call(svc.call_specific, code, body.ticket)

    @app.post("/windows/{code}/recall")
    def recall(code: str):
        return window_call(svc.recall, code)

    @app.post("/windows/{code}/no-show")
    def no_show(code: str):
        return window_call(svc.no_show, code)

    @app.post("/windows/{code}/transfer")
    def transfer(code: str, body: TransferIn):
        return window_call(svc.transfer, code, body.to_queue, body.to_window, body.keep_position)

    @app.post("/windows/{code}/park")
    def park(code: str):
        return window_call(svc.park, code)

    @app.post("/windows/{code}/call-back")
    def call_back(code: str, body: TicketIn):
        return window_call(svc.call_back, code, body.ticket)

    @app.post("/windows/{code}/pause")
    def pause(code: str, body: PauseIn):
        return window_call(svc.pause, code, body.reason)

    @app.post("/windows/{code}/resume")
    def resume(code: str):
        return window_call(svc.resume, code)

    @app.post("/windows/{code}/end")
    def end(code: str):
        return window_call(svc.end, code)

    @app.get("/status")
    def status(window: str = ""):
        return svc.status(window)

    @app.get("/events")
    async def events(after: int = Query(0, ge=0), timeout: float = Query(20.0, ge=0, le=MAX_POLL_S),
                     limit: int = Query(500, ge=1, le=5000)):
        """Long poll: events with seq > after, waiting up to `timeout` s for the first one.
        Resume with the returned `cursor`; nothing is ever skipped."""
        evs, cursor = await read_events(after, limit)
        if not evs and timeout > 0:
            if await svc.notifier.wait(after, timeout):
                # Woken by a commit: wait a moment so the rest of a burst (fifty windows calling
                # at once) comes in this answer, not in one request per event; that read load
                # would otherwise take the service's CPU from call-next.
                await asyncio.sleep(COALESCE_S)
            evs, cursor = await read_events(after, limit)
        return JSONResponse({"events": evs, "cursor": cursor})

    @app.get("/stats")
    def stats(by: str = Query("window", pattern="^(clerk|window|queue|hour)$"),
              day: date | None = Query(None, description="the hall's local day, YYYY-MM-DD; today when omitted")):
        """Stats of one hall day: only that day's events are read (the table keeps every day)."""
        from hallclient.queue.stats import compute_stats

        since, until = day_bounds(day or local_day(svc.clock()))
        return {k: v.as_json() for k, v in compute_stats(svc.all_events(since, until), by).items()}

    return app
