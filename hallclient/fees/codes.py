"""Payment codes (非税缴款码) issued offline at the window: 20 digits, unique per hall and window.

    hall code + window code (2) + window sequence + Luhn check digit, 20 digits in all

The sequence is a persistent per-window counter (`NumberSequence` ``fee_code/<hall>/<window>``)
taken in the transaction that stores the notice, like case numbers; the check digit lets the
payment platform and the central server refuse a mistyped code at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.models import NumberSequence

LENGTH = 20


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def valid_payment_code(code: str) -> bool:
    return isinstance(code, str) and len(code) == LENGTH and code.isascii() and code.isdigit() and luhn_digit(code[:-1]) == code[-1]


def allocate_payment_code(session: Session, hall_code: str, window_code: str) -> str:
    win = (window_code or "00").strip().zfill(2)
    if not (hall_code.isdigit() and win.isdigit() and len(win) == 2 and 6 <= len(hall_code) <= 12):
        raise ValidationFailed("本机的大厅编码或窗口编号无效，无法生成缴款码，请联系系统管理员")
    width = LENGTH - 1 - len(hall_code) - 2
    name = f"fee_code/{hall_code}/{win}"
    row = session.get(NumberSequence, name)
    if row is None:
        row = NumberSequence(name=name, value=0)
        session.add(row)
    row.value += 1
    if row.value >= 10**width:
        raise ValidationFailed("本窗口的缴款码已用完，请联系系统管理员分配新的窗口编号")
    body = f"{hall_code}{win}{row.value:0{width}d}"
    return body + luhn_digit(body)
