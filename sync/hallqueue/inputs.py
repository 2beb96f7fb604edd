"""What the hall queue service accepts: every field bounded, every string storable.

Bounds follow the columns of sync/hallqueue/tables.py, so nothing longer than its column ever
reaches the database (PostgreSQL would refuse it with an error, SQLite would store it and serve
it back in every event). Strings may not hold NUL (PostgreSQL refuses it) or lone surrogates
(not encodable as UTF-8); numbers are finite and in range; times carry their offset and lie in
2000–2099. Everything refused here is a 422 with a Chinese reason, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MAX_BODY = 64 * 1024  # bytes of a request body; the largest real one (a work profile) is < 2 KiB
YEAR_MIN, YEAR_MAX = 2000, 2099
SEQ_MAX = 2**63 - 1

PREFIX = r"^[A-Za-z]{1,4}$"
WINDOW = r"^[0-9A-Za-z]{1,8}$"
TICKET = r"^[A-Za-z]{1,4}[0-9]{1,8}$"
APPOINTMENT = r"^[0-9A-Za-z_-]{1,20}$"


def storable(v: str) -> str:
    """A string every database can store and every client can read back."""
    if "\x00" in v:
        raise ValueError("不能含有空字符（NUL）")
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("含有无法编码的字符（孤立的代理项）") from None
    return v


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - a type factory, used like a type
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(storable)]


def _in_years(v: datetime) -> datetime:
    # Checked on the value as given: converting year 9999 with a −14:00 offset to UTC overflows.
    if not YEAR_MIN <= v.year <= YEAR_MAX:
        raise ValueError(f"时间应在 {YEAR_MIN}–{YEAR_MAX} 年之间")
    return v


def day_in_range(v: date) -> date:
    if not YEAR_MIN <= v.year <= YEAR_MAX:
        raise ValueError(f"日期应在 {YEAR_MIN}–{YEAR_MAX} 年之间")
    return v


Prefix = Annotated[str, StringConstraints(pattern=PREFIX, max_length=4), AfterValidator(str.upper)]
OptPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{0,4}$", max_length=4), AfterValidator(str.upper)]
WindowCode = Annotated[str, StringConstraints(pattern=WINDOW, max_length=8)]
OptWindowCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{0,8}$", max_length=8)]
TicketNo = Annotated[str, StringConstraints(pattern=TICKET, max_length=12), AfterValidator(str.upper)]
Moment = Annotated[AwareDatetime, AfterValidator(_in_years)]
Minutes = Annotated[float, Field(ge=0, le=24 * 60, allow_inf_nan=False)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueIn(Strict):
    queue: Prefix = Field(description="ticket prefix of the queue, e.g. A")
    priority: Literal["", "elderly", "disabled", "pregnant", "military"] = Field("", description="green channel, or empty")


class CheckInIn(Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z_-]{0,20}$", max_length=20)] = ""
    id_number: Text(40) = ""


class AppointmentIn(Strict):
    code: Annotated[str, StringConstraints(pattern=APPOINTMENT, max_length=20)]
    queue: Prefix
    booked_at: Moment = Field(description="with its offset, e.g. 2026-03-02T09:30:00+08:00; naive times are refused")
    id_number: Text(40) = ""
    name: Text(60) = ""


class ConditionRuleIn(Strict):
    queue: Prefix
    waited_over_min: Minutes


class ProfileIn(Strict):
    queues: list[Prefix] = Field(default_factory=list, max_length=64)
    mode: Literal["order", "weights", "longest_wait"] = "order"
    weights: dict[Prefix, Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=dict, max_length=64)
    rules: list[ConditionRuleIn] = Field(default_factory=list, max_length=64)
    starvation: Literal["ratio", "ageing"] = "ratio"
    priority_ratio: Annotated[int, Field(ge=1, le=100)] = 3
    ageing_credit_min: Minutes = 20.0
    help_others: bool = False


class WindowIn(Strict):
    name: Text(40) = ""
    profile: ProfileIn | None = Field(None, description="work profile: queues, mode, weights, rules, starvation …")
    clerk: Text(40) | None = None


class RulesIn(Strict):
    """Any subset of the hall's call rules."""

    recall_limit: Annotated[int, Field(ge=0, le=20)] | None = None
    recall_min_gap_s: Annotated[int, Field(ge=0, le=3600)] | None = None
    no_show_after_calls: Annotated[int, Field(ge=1, le=21)] | None = None
    late_requeue: Literal["refuse", "end", "keep", "behind"] | None = None
    late_behind: Annotated[int, Field(ge=1, le=1000)] | None = None
    late_window_min: Annotated[int, Field(ge=0, le=1440)] | None = None
    checkin_early_min: Annotated[int, Field(ge=0, le=1440)] | None = None
    checkin_late_min: Annotated[int, Field(ge=0, le=1440)] | None = None


class TicketIn(Strict):
    ticket: TicketNo


class TransferIn(Strict):
    to_queue: OptPrefix = ""
    to_window: OptWindowCode = ""
    keep_position: bool = True


class PauseIn(Strict):
    reason: Text(100)


class QueueIn(Strict):
    name: Text(40, min_length=1)


class Problem(BaseModel):
    """Every refusal: `detail` says in Chinese what was wrong and what to do."""

    detail: str


_TYPE_TEXT = {
    "missing": "缺少此项",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "too_long": "项数过多",
    "string_pattern_mismatch": "格式不对",
    "string_type": "应为文字",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字", "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "太小", "less_than_equal": "太大", "greater_than": "太小", "less_than": "太大",
    "literal_error": "不是允许的取值",
    "extra_forbidden": "不认识这一项",
    "timezone_aware": "要带时区（如 +08:00）",
    "datetime_type": "应为带时区的时间", "datetime_parsing": "应为带时区的时间（如 2026-03-02T09:30:00+08:00）",
    "datetime_from_date_parsing": "应为带时区的时间", "date_parsing": "应为日期（YYYY-MM-DD）", "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "json_invalid": "不是有效的 JSON", "model_attributes_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象",
    "list_type": "应为列表", "json_type": "不是有效的 JSON",
}


def explain(errors: list[dict]) -> str:
    """FastAPI's validation errors as one Chinese sentence (never echoing the input)."""
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
        if e.get("type") == "value_error":
            why = str(e.get("ctx", {}).get("error", "")) or "取值无效"
        else:
            why = _TYPE_TEXT.get(e.get("type", ""), "取值无效")
            limit = (e.get("ctx") or {}).get("max_length")
            if limit is not None and e.get("type") == "string_too_long":
                why += f"（最多 {limit} 个字符）"
        parts.append(f"{loc or '请求'}：{why}")
    return "请求内容无效：" + "；".join(parts) + "。"
