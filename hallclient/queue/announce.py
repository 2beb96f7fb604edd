"""What the hall hears: "请 A零零一 号 到 3 号窗口 办理", the number read digit by digit."""

from __future__ import annotations

import re

DIGITS = "零一二三四五六七八九"


def spoken_number(ticket_no: str) -> str:
    """A001 -> A零零一: every digit on its own, so 101 is never heard as 一百零一."""
    return "".join(DIGITS[int(c)] if c.isdigit() else c for c in ticket_no)


def window_label(window: str, window_name: str = "") -> str:
    """'03' -> '3号窗口'; a configured name wins."""
    if window_name:
        return window_name
    return f"{int(window)}号窗口" if window.isdigit() else f"{window}号窗口"


def announcement(ticket_no: str, window: str, window_name: str = "") -> str:
    """The sentence spoken for a call."""
    label = window_label(window, window_name)
    m = re.match(r"^(\d+)(号窗口)$", label)
    if m:  # read the window number as a number ("3号窗口", "12号窗口")
        label = f"{m.group(1)} {m.group(2)}"
    return f"请 {spoken_number(ticket_no)} 号 到 {label} 办理"


def display_text(ticket_no: str, window: str, window_name: str = "") -> str:
    """The same call as written on the display."""
    return f"请 {ticket_no} 号 到 {window_label(window, window_name)} 办理"
