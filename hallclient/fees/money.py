"""Money as int fen: parsing what a clerk types, printing ￥1,234.50 and Chinese capitals.

Amounts are never floats. A typed amount is read digit by digit (full-width digits from a
Chinese input method are normalised), so "80.1" is 8010 fen exactly.
"""

from __future__ import annotations

import re

from hallclient.errors import ValidationFailed

#: Above ￥10,000,000 an amount typed at a window is a typing error, not a fee.
MAX_FEN = 10_000_000 * 100

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋￥", "0123456789.,-+¥")
_AMOUNT = re.compile(r"^(\d{1,12})(?:\.(\d{1,2}))?$")


def format_yuan(fen: int, symbol: bool = True) -> str:
    """8000 -> "￥80.00"; 123450 -> "￥1,234.50"; negative amounts (red-letter) "-￥80.00"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{'￥' if symbol else ''}{yuan:,}.{cents:02d}"


def parse_yuan(text: str, *, what: str = "金额", allow_zero: bool = False) -> int:
    """Fen from a typed amount in yuan ("80", "80.5", "￥1,234.50", "８０"). Refuses, in Chinese,
    empty, non-numeric, negative, more than two decimals, zero (unless allowed) and amounts over
    ￥10,000,000."""
    raw = (text or "").strip().translate(_FULL_WIDTH).replace("¥", "").replace(",", "").replace(" ", "")
    if raw.endswith("元"):
        raw = raw[:-1]
    if not raw:
        raise ValidationFailed(f"请输入{what}（以元为单位，如 80 或 80.50）")
    if raw.startswith("-"):
        raise ValidationFailed(f"{what}不能为负数：{text.strip()}")
    m = _AMOUNT.match(raw.lstrip("+"))
    if not m:
        if re.match(r"^\d+\.\d{3,}$", raw):
            raise ValidationFailed(f"{what}最多两位小数（到分）：{text.strip()}")
        raise ValidationFailed(f"{what}“{text.strip()[:20]}”不是有效的金额，请输入数字，如 80 或 80.50")
    fen = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    return check_fen(fen, what=what, allow_zero=allow_zero)


def check_fen(fen: int, *, what: str = "金额", allow_zero: bool = False) -> int:
    """An amount in fen that a fee may have, or ValidationFailed in Chinese."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValidationFailed(f"{what}必须是以分为单位的整数")
    if fen < 0:
        raise ValidationFailed(f"{what}不能为负数")
    if fen == 0 and not allow_zero:
        raise ValidationFailed(f"{what}不能为零")
    if fen > MAX_FEN:
        raise ValidationFailed(f"{what} {format_yuan(fen)} 超过上限 {format_yuan(MAX_FEN)}，请核对是否输错")
    return fen


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL = ("", "拾", "佰", "仟")
_BIG = ("", "万", "亿", "万亿")


def _four(n: int) -> str:
    """0..9999 in capitals, with inner zeros as 零 (1001 -> 壹仟零壹)."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        d = n // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _SMALL[pos]
    return out


def capitals(fen: int) -> str:
    """The amount in Chinese capitals as receipts print it (GB/T style of 财政票据):
    12000 -> 壹佰贰拾元整; 123450 -> 壹仟贰佰叁拾肆元伍角; 100005 -> 壹仟元零伍分; 0 -> 零元整;
    negative (red-letter) amounts get 负."""
    if fen < 0:
        return "负" + capitals(-fen)
    yuan, rest = divmod(int(fen), 100)
    jiao, fen_ = divmod(rest, 10)
    if yuan == 0 and rest == 0:
        return "零元整"
    out = ""
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        need_zero = False
        for i in range(len(groups) - 1, -1, -1):
            g = groups[i]
            if g == 0:
                need_zero = bool(out)
                continue
            if out and (need_zero or g < 1000):
                out += "零"
            out += _four(g) + _BIG[i]
            need_zero = False
        out += "元"
    if not jiao and not fen_:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen_:
        out += _DIGITS[fen_] + "分"
    else:
        out += "整"
    return out
