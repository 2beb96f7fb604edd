"""The HTTP face of the reference server (FastAPI; OpenAPI at /openapi.json, docs at /docs).

    app = create_app("sqlite:///central.sqlite3")
    app.mount("/queue", create_queue_app(...))   # other services mount beside /v1

Authentication is a dependency of the /v1 router, not a middleware, so sub-applications
mounted on the app keep their own rules. Request bodies may be gzip-compressed; they are read
with size limits before parsing, so a hostile body is refused without being held whole.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from hallclient import __version__
from hallclient.models import utcnow
from sync import protocol
from sync.server import service
from sync.server.jsoncheck import BadValue, check_values, reject_constant
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB


def _json(request: Request, obj: Any, status: int = 200) -> Response:
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {}
    if len(body) > 1024 and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def read_json(request: Request) -> Any:
    """The request's JSON body: size-limited, gzip allowed; RequestRejected otherwise."""
    declared = request.headers.get("content-length")
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses (a 500).
    if declared and (not (declared.isascii() and declared.isdigit()) or int(declared) > protocol.MAX_BODY_BYTES):
        raise RequestRejected(413, "请求体过大")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > protocol.MAX_BODY_BYTES:
            raise RequestRejected(413, "请求体过大")
    enc = request.headers.get("content-encoding", "identity").lower()
    if enc == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = d.decompress(bytes(raw), protocol.MAX_BODY_BYTES + 1)
        except zlib.error:
            raise RequestRejected(400, "gzip 数据损坏") from None
        if len(data) > protocol.MAX_BODY_BYTES or d.unconsumed_tail:
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


def _check_push(body: Any) -> list[dict[str, Any]]:
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


def _check_pull(body: Any) -> tuple[dict[str, str], int]:
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


def create_app(db_url: str | ServerDB) -> FastAPI:
    """The reference server on a database URL (or an opened ServerDB)."""
    db = db_url if isinstance(db_url, ServerDB) else ServerDB(db_url)
    app = FastAPI(
        title="政务服务窗口客户端 · 中心同步参考服务器",
        version=__version__,
        description="Reference central server of the hall window client; protocol in docs/sync-protocol.md.",
    )
    app.state.db = db

    @app.exception_handler(RequestRejected)
    async def _rejected(request: Request, exc: RequestRejected):  # noqa: ANN202
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse({"error": exc.reason, "server_time": utcnow().isoformat()}, status_code=exc.status, headers=headers)

    async def device(request: Request) -> DeviceInfo:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        return await run_in_threadpool(service.authenticate, db, token)

    v1 = APIRouter(prefix=protocol.API_PREFIX)

    @v1.get("/health", summary="Liveness and the server clock (no authentication)")
    async def health(request: Request) -> Response:
        return _json(request, {"status": "ok", "protocol": protocol.PROTOCOL_VERSION, "server_time": utcnow().isoformat()})

    @v1.post("/hello", summary="Check a device token; returns the device and the server clock")
    async def hello(request: Request, dev: DeviceInfo = Depends(device)) -> Response:
        return _json(
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

    @v1.post("/push", summary="Push outbox items; one result per item (accepted or rejected with a reason)")
    async def push(request: Request, dev: DeviceInfo = Depends(device)) -> Response:
        items = _check_push(await read_json(request))
        results = await run_in_threadpool(service.push, db, dev, items)
        return _json(request, {"results": results, "server_time": utcnow().isoformat()})

    @v1.post("/pull", summary="Rows of each stream after its cursor, oldest first, paged")
    async def pull(request: Request, dev: DeviceInfo = Depends(device)) -> Response:
        cursors, limit = _check_pull(await read_json(request))
        streams = await run_in_threadpool(service.pull, db, dev, cursors, limit)
        return _json(request, {"streams": streams, "server_time": utcnow().isoformat()})

    @v1.get("/bootstrap", summary="High-water cursors of every stream: pull from 0 up to them for a snapshot")
    async def bootstrap(request: Request, dev: DeviceInfo = Depends(device)) -> Response:
        hw = await run_in_threadpool(service.high_water, db, dev)
        return _json(request, {"high_water": hw, "server_time": utcnow().isoformat()})

    from sync.server.fees_api import add_fee_routes

    add_fee_routes(v1, db, device)
    app.include_router(v1)
    return app
