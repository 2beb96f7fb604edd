"""The fees endpoint: a payment platform confirms that a payment notice was paid.

Authenticated like every device route (a token issued with `server admin register-device` for
the hall the platform serves); it confirms only that hall's notices (`DeviceInfo.hall_code`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync import protocol
from sync.server.fees import FeeRefused, confirm_payment
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB
from sync.server.web import BODY_ERRORS, current_device, errors, json_response, read_json, server_db

router = APIRouter(prefix=protocol.API_PREFIX, tags=["fees"])

CONFIRM_FIELDS = {"payment_code", "amount_fen", "channel", "transaction_id", "paid_at"}
# The body as documented in OpenAPI (/docs); it is read and checked by hand below, with the
# size limits and value checks every body gets (web.read_json).
CONFIRM_SCHEMA = {
    "type": "object",
    "required": ["payment_code", "amount_fen"],
    "additionalProperties": False,
    "properties": {
        "payment_code": {"type": "string", "pattern": "^[0-9]{20}$", "description": "非税缴款码（Luhn 校验位）"},
        "amount_fen": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000, "description": "实缴金额（分）"},
        "channel": {"type": "string", "enum": ["wechat", "alipay", "unionpay", "pos", "bank"], "default": "wechat"},
        "transaction_id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{6,64}$"},
        "paid_at": {"type": "string", "format": "date-time", "description": "带时区的 ISO 8601 时间"},
    },
}


def check_confirm_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise RequestRejected(422, "请求体应为 JSON 对象：{\"payment_code\", \"amount_fen\", \"channel\", \"transaction_id\", \"paid_at\"}")
    unknown = set(body) - CONFIRM_FIELDS
    if unknown:
        raise RequestRejected(422, f"含未知字段：{', '.join(sorted(map(str, unknown)))[:100]}")
    for k in ("payment_code", "amount_fen"):
        if k not in body:
            raise RequestRejected(422, f"缺少字段 {k}")
    return body


@router.post("/fees/confirm", summary="A payment platform confirms that a payment notice was paid (once per notice)",
             responses=errors(*BODY_ERRORS, 404, 409),
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": CONFIRM_SCHEMA}}}})
async def confirm(request: Request, dev: DeviceInfo = Depends(current_device), db: ServerDB = Depends(server_db)) -> Response:
    body = check_confirm_body(await read_json(request))
    try:
        result = await run_in_threadpool(
            confirm_payment, db, body["payment_code"], body["amount_fen"], body.get("channel", "wechat"),
            body.get("transaction_id"), body.get("paid_at"), dev.hall_code)
    except FeeRefused as e:
        raise RequestRejected(e.status, e.message) from None
    return json_response(request, {**result, "server_time": result["confirmed_at"]})
