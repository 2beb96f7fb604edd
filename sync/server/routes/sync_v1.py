"""The sync endpoints of protocol version 1: health, hello, push, pull, bootstrap."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from hallclient.models import utcnow
from sync import protocol
from sync.server import schemas, service
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB
from sync.server.web import BODY_ERRORS, body_spec, current_device, errors, json_response, read_json, server_db

router = APIRouter(prefix=protocol.API_PREFIX, tags=["sync"])


def check_push(body: Any) -> list[dict[str, Any]]:
    """The envelope of a push; item contents are judged one by one later."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise RequestRejected(422, "请求体应为 {\"items\": [...]}")
    items = body["items"]
    if len(items) > protocol.MAX_PUSH_ITEMS:
        raise RequestRejected(413, f"一批最多 {protocol.MAX_PUSH_ITEMS} 条记录")
    seen = set()
    for n, it in enumerate(items):
        if not isinstance(it, dict):
            raise RequestRejected(422, f"第 {n + 1} 条记录不是 JSON 对象")
        u = it.get("uuid")
        if not isinstance(u, str) or not protocol.UUID_RE.match(u):
            raise RequestRejected(422, f"第 {n + 1} 条记录的 uuid 无效")
        if u in seen:
            raise RequestRejected(422, f"同一批中 uuid 重复：{u}")
        seen.add(u)
        unknown = set(it) - {"uuid", "kind", "payload", "created_at"}
        if unknown:
            raise RequestRejected(422, f"第 {n + 1} 条记录含未知字段：{', '.join(sorted(map(str, unknown)))[:100]}")
    return items


def check_pull(body: Any) -> tuple[dict[str, str], int]:
    if not isinstance(body, dict) or not isinstance(body.get("cursors"), dict):
        raise RequestRejected(422, "请求体应为 {\"cursors\": {\"流名\": \"游标\"}, \"limit\": N}")
    cursors = body["cursors"]
    for stream, cursor in cursors.items():
        if stream not in protocol.STREAMS:
            raise RequestRejected(422, f"未知的数据流：{str(stream)[:40]}")
        if not isinstance(cursor, str):
            raise RequestRejected(422, f"数据流 {stream} 的游标应为字符串")
        service.parse_cursor(cursor)
    limit = body.get("limit", 500)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= protocol.MAX_PULL_LIMIT:
        raise RequestRejected(422, f"limit 应为 1 到 {protocol.MAX_PULL_LIMIT} 的整数")
    return cursors, limit


@router.get("/health", summary="Liveness and the server clock (no authentication)", response_model=schemas.Health)
async def health(request: Request) -> Response:
    return json_response(request, {"status": "ok", "protocol": protocol.PROTOCOL_VERSION, "server_time": utcnow().isoformat()})


@router.post("/hello", summary="Check a device token; returns the device and the server clock",
             response_model=schemas.Hello, responses=errors(401))
async def hello(request: Request, dev: DeviceInfo = Depends(current_device)) -> Response:
    return json_response(
        request,
        {
            "device_id": dev.device_id,
            "name": dev.name,
            "hall_code": dev.hall_code,
            "protocol": protocol.PROTOCOL_VERSION,
            "streams": list(protocol.STREAMS),
            "server_time": utcnow().isoformat(),
        },
    )


@router.post("/push", summary="Push outbox items; one result per item (accepted or rejected with a reason)",
             response_model=schemas.PushAnswer, responses=errors(*BODY_ERRORS, 503),
             openapi_extra=body_spec(schemas.PushBody))
async def push(request: Request, dev: DeviceInfo = Depends(current_device), db: ServerDB = Depends(server_db)) -> Response:
    items = check_push(await read_json(request))
    results = await run_in_threadpool(service.push, db, dev, items)
    return json_response(request, {"results": results, "server_time": utcnow().isoformat()})


@router.post("/pull", summary="Rows of each stream after its cursor, oldest first, paged",
             response_model=schemas.PullAnswer, responses=errors(*BODY_ERRORS),
             openapi_extra=body_spec(schemas.PullBody))
async def pull(request: Request, dev: DeviceInfo = Depends(current_device), db: ServerDB = Depends(server_db)) -> Response:
    cursors, limit = check_pull(await read_json(request))
    streams = await run_in_threadpool(service.pull, db, dev, cursors, limit)
    return json_response(request, {"streams": streams, "server_time": utcnow().isoformat()})


@router.get("/bootstrap", summary="High-water cursors of every stream: pull from 0 up to them for a snapshot",
            response_model=schemas.Bootstrap, responses=errors(401))
async def bootstrap(request: Request, dev: DeviceInfo = Depends(current_device), db: ServerDB = Depends(server_db)) -> Response:
    hw = await run_in_threadpool(service.high_water, db, dev)
    return json_response(request, {"high_water": hw, "server_time": utcnow().isoformat()})
