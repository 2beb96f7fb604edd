"""HTTP plumbing every endpoint of the central server shares (the rules are in
docs/sync-protocol.md, "Rules every endpoint follows"):

- `read_json(request)` reads a body with size limits, gzip, a stall timeout and the value
  checks of jsoncheck; every failure is a `RequestRejected` (a 4xx with a Chinese reason);
- `json_response(request, obj)` answers JSON, gzip-compressed when the client accepts it;
- `body_spec(Model)` declares a raw-read body in the OpenAPI schema (openapi_extra), and
  `ERRORS` documents the error shape for the statuses a route may answer;
- `BodyTimeout` drops a request whose body stalls; `install(app)` adds it and the handlers.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import time
import zlib
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from hallclient.models import utcnow
from sync import protocol
from sync.server.jsoncheck import BadValue, check_values, reject_constant
from sync.server import service
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB

log = logging.getLogger("sync.server")

BODY_IDLE_TIMEOUT_S = 30.0  # no byte of a started body for this long: the request is dropped
BODY_TOTAL_TIMEOUT_S = 300.0  # a body still incomplete after this long (a drip feed): dropped


class ErrorBody(BaseModel):
    """Every refusal: a reason in Simplified Chinese and the server clock."""

    error: str = Field(description="what happened and what to do, in Simplified Chinese")
    server_time: str = Field(description="ISO 8601, UTC")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries of the error shape for these statuses."""
    text = {
        400: "malformed body (not UTF-8 JSON, broken gzip, an unusable cursor)",
        401: "device token missing, wrong or revoked",
        403: "the device may not do this",
        408: "the request body stalled",
        409: "conflicts with what the server holds",
        413: "body or batch too large",
        415: "unsupported Content-Encoding",
        422: "well-formed JSON of the wrong shape or with disallowed values",
        503: "busy; retry after Retry-After seconds",
    }
    return {s: {"model": ErrorBody, "description": text.get(s, "refused")} for s in statuses}


# What a route reading a JSON body can answer besides its own statuses.
BODY_ERRORS = (400, 401, 408, 413, 415, 422)


def body_spec(model: type[BaseModel], example: Any | None = None) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the request body of a route that reads it raw
    (read_json), so clients and schemathesis see the shape the route checks by hand."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    spec: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": media}}}
    if defs:
        spec["x-defs"] = defs  # moved into components.schemas by install()
    return spec


def json_response(request: Request, obj: Any, status: int = 200) -> Response:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {}
    if len(body) > 1024 and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def refusal(status: int, reason: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": reason, "server_time": utcnow().isoformat()}, status_code=status, headers=headers)


async def read_json(request: Request, max_bytes: int = protocol.MAX_BODY_BYTES) -> Any:
    """The request's JSON body: size-limited, gzip allowed, values checked; RequestRejected
    otherwise. A client that goes away mid-upload is one log line, not a traceback."""
    declared = request.headers.get("content-length")
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses (a 500).
    if declared and (not (declared.isascii() and declared.isdigit()) or int(declared) > max_bytes):
        raise RequestRejected(413, "请求体过大")
    raw = bytearray()
    try:
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_bytes:
                raise RequestRejected(413, "请求体过大")
    except ClientDisconnect:
        log.info("client %s went away during the upload of %s (%d bytes received)", _peer(request), request.url.path, len(raw))
        raise RequestRejected(400, "请求体未传完，连接已断开") from None
    enc = request.headers.get("content-encoding", "identity").lower()
    if enc == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = d.decompress(bytes(raw), max_bytes + 1)
        except zlib.error:
            raise RequestRejected(400, "gzip 数据损坏") from None
        if len(data) > max_bytes or d.unconsumed_tail:
            raise RequestRejected(413, "解压后的请求体过大")
        if not d.eof:
            raise RequestRejected(400, "gzip 数据不完整")
    elif enc == "identity":
        data = bytes(raw)
    else:
        raise RequestRejected(415, f"不支持的内容编码：{enc[:20]}")
    try:
        obj = json.loads(data.decode("utf-8"), parse_constant=reject_constant)
    except BadValue as e:
        raise RequestRejected(422, str(e)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestRejected(400, f"请求体不是有效的 UTF-8 JSON：{e}") from None
    except ValueError:  # an integer of more digits than Python converts (sys.int_info)
        raise RequestRejected(400, "请求体含位数过多的整数") from None
    except RecursionError:
        raise RequestRejected(400, "请求体的嵌套层数过多") from None
    try:
        check_values(obj)
    except BadValue as e:
        raise RequestRejected(422, str(e)) from None
    return obj


def server_db(request: Request) -> ServerDB:
    """Dependency: the server's database (app.state.db)."""
    return request.app.state.db


# Declares the device token in the OpenAPI schema (securitySchemes); the check is ours, so
# that a missing or wrong token gets the protocol's 401 with a Chinese reason.
device_token = HTTPBearer(auto_error=False, scheme_name="device_token", description="the device token of `admin register-device`")


async def current_device(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(device_token)) -> DeviceInfo:
    """Dependency of every device endpoint: the device of the request's bearer token (401
    otherwise; a revoked token is refused from its next request on). Routes act only on
    this device's hall (`DeviceInfo.hall_code`)."""
    token = creds.credentials.strip() if creds is not None else None
    return await run_in_threadpool(service.authenticate, request.app.state.db, token)


def _peer(request: Request) -> str:
    return f"{request.client.host}:{request.client.port}" if request.client else "?"


class _Stalled(Exception):
    pass


class BodyTimeout:
    """ASGI middleware: a request whose body stops arriving for `idle_s` (or is not complete
    after `total_s`) is answered 408 and its connection closed, so a slow or stalled client
    cannot hold a worker and its buffers. uvicorn has no such limit for bodies."""

    def __init__(self, app, idle_s: float = BODY_IDLE_TIMEOUT_S, total_s: float = BODY_TOTAL_TIMEOUT_S):
        self.app, self.idle_s, self.total_s = app, idle_s, total_s

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        done = False
        deadline = time.monotonic() + self.total_s
        started = False

        async def timed_receive():
            nonlocal done
            if done:  # the body is in: waiting for a disconnect may take as long as it takes
                return await receive()
            wait = min(self.idle_s, deadline - time.monotonic())
            try:
                msg = await asyncio.wait_for(receive(), max(wait, 0.001))
            except asyncio.TimeoutError:
                raise _Stalled from None
            if msg["type"] != "http.request" or not msg.get("more_body", False):
                done = True
            return msg

        async def tracked_send(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, timed_receive, tracked_send)
        except _Stalled:
            client = scope.get("client") or ("?", "?")
            log.info("request body from %s:%s to %s stalled; dropped", client[0], client[1], scope.get("path"))
            if not started:
                body = json.dumps({"error": "请求体传输中断超时，连接已关闭，请重试", "server_time": utcnow().isoformat()}, ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 408,
                            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})


def install(app: FastAPI, body_idle_s: float = BODY_IDLE_TIMEOUT_S) -> None:
    """The shared error handling, the body timeout, and components for body_spec's models."""

    @app.exception_handler(RequestRejected)
    async def _rejected(request: Request, exc: RequestRejected):  # noqa: ANN202
        return refusal(exc.status, exc.reason, exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):  # noqa: ANN202
        # Parameters FastAPI validates itself (query, path) get the protocol's error shape too.
        where = "、".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()[:3])
        return refusal(422, f"请求参数无效：{where}"[:200])

    app.add_middleware(BodyTimeout, idle_s=body_idle_s)

    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = original()
        comps = spec.setdefault("components", {}).setdefault("schemas", {})
        for item in spec.get("paths", {}).values():
            for op in item.values():
                if isinstance(op, dict) and "x-defs" in op:
                    comps.update(op.pop("x-defs"))
                    # FastAPI's default 422 (HTTPValidationError) is not what this server sends.
                if isinstance(op, dict) and "422" in op.get("responses", {}):
                    op["responses"]["422"] = {
                        "description": "well-formed JSON of the wrong shape or with disallowed values",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
                    }
        comps.setdefault("ErrorBody", ErrorBody.model_json_schema())
        comps.pop("HTTPValidationError", None)
        comps.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
