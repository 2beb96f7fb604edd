"""Checks of hall rules and window work profiles before they are stored.

A rule set or profile that the queue cannot act on must be refused when it is configured, with
a message the hall IT staff can act on, not discovered at call time as a ticket that can be
neither recalled nor marked 过号, or as a typo that silently falls back to a default.
"""

from __future__ import annotations

from typing import Any, Iterable

from hallclient.errors import ValidationFailed
from hallclient.queue.model import Rules
from hallclient.queue.profile import WorkProfile

LATE_REQUEUE = {"refuse": "不再排队", "end": "排到队尾", "keep": "保留原位置", "behind": "排在若干人之后"}
PROFILE_MODES = {"order": "按顺序", "weights": "按权重", "longest_wait": "等候最久优先"}
STARVATION = {"ratio": "比例", "ageing": "老化"}

_RULE_MIN = {  # field: (smallest allowed value, label)
    "recall_limit": (0, "重呼次数上限"),
    "recall_min_gap_s": (0, "两次呼叫最短间隔（秒）"),
    "no_show_after_calls": (1, "过号前最少呼叫次数"),
    "late_behind": (1, "过号重排时排在几人之后"),
    "late_window_min": (0, "过号后可重新排队的时限（分钟）"),
    "checkin_early_min": (0, "预约提前签到（分钟）"),
    "checkin_late_min": (0, "预约迟到签到（分钟）"),
}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _fail(problems: list[str], what: str) -> None:
    if problems:
        raise ValidationFailed(f"{what}无效：" + "；".join(problems) + "。请改正后再保存。")


def check_rules(values: dict[str, Any]) -> Rules:
    """The complete rules `values` (all fields), or ValidationFailed naming every problem."""
    problems = [f"没有“{k}”这项规则" for k in values if k not in Rules.__dataclass_fields__]
    for k, (low, label) in _RULE_MIN.items():
        v = values.get(k, getattr(Rules(), k))
        if not _is_int(v) or v < low:
            problems.append(f"{label}必须是不小于 {low} 的整数（现为 {v!r}）")
    late = values.get("late_requeue", Rules.late_requeue)
    if late not in LATE_REQUEUE:
        problems.append(f"过号重排方式“{late}”未知，可选：" + "、".join(f"{k}（{v}）" for k, v in LATE_REQUEUE.items()))
    _fail(problems, "叫号规则")
    rules = Rules.from_json(values)
    # A ticket is called at most 1 + recall_limit times: 过号 must be reachable within them.
    if rules.no_show_after_calls > rules.recall_limit + 1:
        _fail([f"过号前要呼叫 {rules.no_show_after_calls} 次，但重呼上限 {rules.recall_limit} 次只允许呼叫 "
               f"{rules.recall_limit + 1} 次，这样的号既不能重呼也不能过号；请把重呼次数上限设为至少 "
               f"{rules.no_show_after_calls - 1}，或减少过号前的呼叫次数"], "叫号规则")
    return rules


def check_profile(d: dict[str, Any] | None, known_queues: Iterable[str] | None = None) -> WorkProfile:
    """The window work profile `d`, or ValidationFailed naming every problem."""
    d = dict(d or {})
    fields = set(WorkProfile.__dataclass_fields__)
    problems = [f"没有“{k}”这项设置" for k in d if k not in fields]
    queues = d.get("queues") or []
    known = set(known_queues) if known_queues is not None else None
    if not isinstance(queues, (list, tuple)) or not all(isinstance(q, str) for q in queues):
        problems.append("服务的队列（queues）必须是队列前缀的列表，如 [\"A\", \"B\"]")
        queues = []
    elif known is not None and (unknown := [q for q in queues if q not in known]):
        problems.append("没有这些业务类别：" + "、".join(unknown))
    mode = d.get("mode", WorkProfile.mode)
    if mode not in PROFILE_MODES:
        problems.append(f"叫号方式“{mode}”未知，可选：" + "、".join(f"{k}（{v}）" for k, v in PROFILE_MODES.items()))
    starvation = d.get("starvation", WorkProfile.starvation)
    if starvation not in STARVATION:
        problems.append(f"防止普通号久等的方式“{starvation}”未知，可选：" + "、".join(f"{k}（{v}）" for k, v in STARVATION.items()))
    weights = d.get("weights") or {}
    if not isinstance(weights, dict) or not all(_is_int(w) and w >= 1 for w in weights.values()):
        problems.append("权重（weights）必须是每个队列一个不小于 1 的整数")
    ratio = d.get("priority_ratio", WorkProfile.priority_ratio)
    if not _is_int(ratio) or ratio < 1:
        problems.append(f"连续优先号上限（priority_ratio）必须是不小于 1 的整数（现为 {ratio!r}）")
    credit = d.get("ageing_credit_min", WorkProfile.ageing_credit_min)
    if isinstance(credit, bool) or not isinstance(credit, (int, float)) or credit < 0:
        problems.append(f"优先号提前量（ageing_credit_min）必须是不小于 0 的分钟数（现为 {credit!r}）")
    for r in d.get("rules") or []:
        if not isinstance(r, dict) or not isinstance(r.get("queue"), str) or isinstance(r.get("waited_over_min"), bool) \
                or not isinstance(r.get("waited_over_min"), (int, float)):
            problems.append(f"条件规则 {r!r} 应写成 {{\"queue\": \"C\", \"waited_over_min\": 30}}")
        elif r["queue"] not in queues:
            problems.append(f"条件规则的队列 {r['queue']} 不在本窗口服务的队列中，规则永远不会生效")
    _fail(problems, "窗口工作方案")
    return WorkProfile.from_json(d)
