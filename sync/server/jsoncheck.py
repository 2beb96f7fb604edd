"""Values a request may not carry even where its shape is right.

Python's json module accepts things the server's databases cannot store or that break later
steps: NaN and Infinity (not JSON, PostgreSQL's jsonb refuses them), floats that overflow to
infinity (1e400), NUL characters (PostgreSQL text and jsonb refuse them), lone surrogates such
as "\\ud800" (cannot be encoded as UTF-8, so hashing, storing or even echoing them fails), and
nesting deeper than any record needs. Each is a 4xx with a reason, never a 500.
"""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 32  # a case event is 3 levels deep; this leaves room without inviting abuse


class BadValue(ValueError):
    """A value the protocol does not allow; the message (Chinese) does not echo it."""


def reject_constant(name: str) -> Any:
    """`parse_constant` for json.loads: NaN, Infinity and -Infinity are not JSON."""
    raise BadValue(f"请求含非法数值 {name}（JSON 不允许 NaN/Infinity）")


def check_values(obj: Any) -> None:
    """Raise BadValue at the first disallowed value; iterative, so depth cannot recurse."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            _check_str(v)
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise BadValue("请求含超出范围的数值（NaN 或无穷大）")
        elif isinstance(v, (dict, list)):
            if depth >= MAX_DEPTH:
                raise BadValue(f"请求的嵌套层数超过 {MAX_DEPTH} 层")
            if isinstance(v, dict):
                for k, x in v.items():
                    _check_str(k)
                    stack.append((x, depth + 1))
            else:
                stack.extend((x, depth + 1) for x in v)


def _check_str(s: str) -> None:
    if "\x00" in s:
        raise BadValue("请求的文本含空字符（\\u0000），无法保存")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValue("请求的文本含无法编码的字符（孤立的 UTF-16 代理项）") from None
