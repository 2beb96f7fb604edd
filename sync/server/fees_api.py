"""HTTP face of the server's fees: the endpoint a payment platform calls to confirm that a
payment notice was paid. Authenticated like every /v1 call (a token issued with
`server admin register-device`; the platform's token is registered for the hall it serves,
and it can confirm only that hall's notices)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.fees import FeeRefused, confirm_payment
from sync.server.service import DeviceInfo, RequestRejected
from sync.server.store import ServerDB

CONFIRM_FIELDS = {"payment_code", "amount_fen", "channel", "transaction_id", "paid_at"}
# The body as documented in OpenAPI (/docs); it is read and checked by hand below, with the
# size limits and value checks every /v1 body gets (app.read_json).
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


def add_fee_routes(v1: APIRouter, db: ServerDB, device) -> None:
    from sync.server.app import _json, read_json

    @v1.post("/fees/confirm", summary="A payment platform confirms that a payment notice was paid (once per notice)",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": CONFIRM_SCHEMA}}}})
    async def confirm(request: Request, dev: DeviceInfo = Depends(device)) -> Response:
        body = check_confirm_body(await read_json(request))
        try:
            result = await run_in_threadpool(
                confirm_payment, db, body["payment_code"], body["amount_fen"], body.get("channel", "wechat"),
                body.get("transaction_id"), body.get("paid_at"), dev.hall_code)
        except FeeRefused as e:
            raise RequestRejected(e.status, e.message) from None
        return _json(request, {**result, "server_time": result["confirmed_at"]})
