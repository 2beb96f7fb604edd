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
MAX_POLL_S = 30.0  # longest wait of a long poll on /events

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


_FIELD_TEXT = {
    "queue": "业务类别", "priority": "优先类别", "code": "编号", "id_number": "证件号码", "booked_at": "预约时间",
    "name": "名称", "clerk": "工作人员", "reason": "原因", "ticket": "号码", "to_queue": "转到的队列",
    "to_window": "转到的窗口", "keep_position": "保留排队位置", "profile": "窗口工作方案", "queues": "服务的队列",
    "mode": "叫号方式", "weights": "权重", "rules": "条件规则", "starvation": "防止普通号久等的方式",
    "priority_ratio": "连续优先号上限", "ageing_credit_min": "优先号提前量（分钟）", "help_others": "空闲时帮其他队列",
    "waited_over_min": "等候超过（分钟）", "recall_limit": "重呼次数上限", "recall_min_gap_s": "两次呼叫最短间隔（秒）",
    "no_show_after_calls": "过号前最少呼叫次数", "late_requeue": "过号重排方式", "late_behind": "过号重排时排在几人之后",
    "late_window_min": "过号后可重新排队的时限（分钟）", "checkin_early_min": "预约提前签到（分钟）",
    "checkin_late_min": "预约迟到签到（分钟）", "after": "游标", "timeout": "等待时长", "limit": "条数", "day": "日期",
    "by": "统计方式", "window": "窗口", "prefix": "业务类别",
}


def explain(errors: list[dict]) -> str:
    """FastAPI's validation errors as one Chinese sentence (never echoing the input)."""
    parts = []
    for e in errors[:5]:
        # A location can hold the caller's own text (a dict key): never echo more than a little.
        loc = ".".join(_FIELD_TEXT.get(str(x), str(x)[:16]) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
        if e.get("type") == "value_error":
            why = str(e.get("ctx", {}).get("error", "")) or "取值无效"
        else:
            why = _TYPE_TEXT.get(e.get("type", ""), "取值无效")
            ctx = e.get("ctx") or {}
            if e.get("type") == "string_too_long":
                why += f"（最多 {ctx.get('max_length')} 个字符）"
            elif e.get("type") == "literal_error":
                why += f"（可选：{ctx.get('expected', '')}）"
            elif e.get("type") in ("greater_than_equal", "less_than_equal"):
                why += f"（{'不小于' if 'ge' in ctx else '不大于'} {ctx.get('ge', ctx.get('le'))}）"
        parts.append(f"{loc or '请求'}：{why}")
    return "请求内容无效：" + "；".join(parts) + "。"
