"""Request and response bodies of the /v1 sync endpoints, as pydantic models.

The routes read bodies raw (sync.server.web.read_json: gzip, size limits, value checks) and
check them by hand with Chinese reasons; these models declare the same shapes in the OpenAPI
schema (web.body_spec) so that clients and schemathesis know them. A constraint added to a
route's checks belongs here too, and the other way round.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from sync import protocol

UUID_PATTERN = protocol.UUID_RE.pattern
KIND_PATTERN = protocol.KIND_RE.pattern
CURSOR_PATTERN = r"^[0-9]{0,19}$"


class PushItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uuid: str = Field(pattern=UUID_PATTERN, description="the outbox row's UUID; each is stored once")
    kind: str = Field(pattern=KIND_PATTERN, max_length=30, description="case.event, rating, ...")
    payload: dict[str, Any] = Field(description="a JSON object of at most 64 KiB")
    created_at: Optional[str] = Field(None, json_schema_extra={"format": "date-time"},
                                      description="the client's clock, ISO 8601 with offset, 1970–2199 (else the item is rejected)")


class PushBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    items: list[PushItem] = Field(max_length=protocol.MAX_PUSH_ITEMS, description="UUIDs unique within the batch")


class PushResult(BaseModel):
    uuid: str
    status: Literal["accepted", "rejected"]
    id: Optional[int] = Field(None, description="accepted: the server's record id")
    received_at: Optional[str] = Field(None, description="accepted: when the server stored it")
    repeat: Optional[bool] = Field(None, description="accepted earlier; nothing stored now")
    code: Optional[int] = Field(None, description="rejected: 403 not this device's hall, 409 conflict, 422 invalid")
    reason: Optional[str] = Field(None, description="rejected: why, in Simplified Chinese")


class PushAnswer(BaseModel):
    results: list[PushResult]
    server_time: str


StreamName = Literal[protocol.STREAMS]  # type: ignore[valid-type]


class PullBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    cursors: dict[StreamName, Annotated[str, Field(pattern=CURSOR_PATTERN)]] = Field(description='stream -> cursor ("" from the start; ASCII digits)')
    limit: int = Field(500, ge=1, le=protocol.MAX_PULL_LIMIT)


class StreamRowOut(BaseModel):
    seq: int
    key: str
    data: Optional[dict[str, Any]] = Field(description="null: the row was deleted (tombstone)")


class StreamPage(BaseModel):
    rows: list[StreamRowOut]
    cursor: str
    more: bool
    denied: Optional[str] = Field(None, description="why this device gets no rows of the stream (hall_day: not a supervisor's PC)")


class PullAnswer(BaseModel):
    streams: dict[str, StreamPage]
    server_time: str


class Hello(BaseModel):
    device_id: str
    name: str
    hall_code: str
    protocol: int
    streams: list[str]
    server_time: str


class Health(BaseModel):
    status: Literal["ok"]
    protocol: int
    server_time: str


class Bootstrap(BaseModel):
    high_water: dict[str, str]
    server_time: str
