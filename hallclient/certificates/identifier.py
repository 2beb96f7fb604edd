"""The 电子证照 identifier (证照标识, GB/T 36904-2018, form given in DOMAIN.md section 11):

    1.2.156.3005.2.<type code>.<issuing authority USCC>.<serial>.<version, 3 digits>.<check>

The check character is ISO 7064 MOD 37,36 (hybrid system, alphabet 0-9 A-Z) over the
characters of everything before it with the dots left out (the dots are separators, not
data; decision recorded in docs/certificates.md).
"""

from __future__ import annotations

import re

from hallclient.errors import ValidationFailed

PREFIX = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36
_PART = re.compile(r"^[0-9A-Z]+$")


def mod37_36_check(data: str) -> str:
    """The ISO 7064 MOD 37,36 check character of `data` (0-9, A-Z; case-insensitive)."""
    p = _M
    for ch in data.upper():
        v = ALPHABET.find(ch)
        if v < 0:
            raise ValueError(f"character {ch!r} is not in the MOD 37,36 alphabet")
        s = (p + v) % _M or _M
        p = (2 * s) % (_M + 1)
    return ALPHABET[(_M + 1 - p) % _M]


def mod37_36_valid(data_with_check: str) -> bool:
    """Whether the last character is the right check character for the rest."""
    return len(data_with_check) >= 2 and mod37_36_check(data_with_check[:-1]) == data_with_check[-1].upper()


def _data_chars(body: str) -> str:
    return body.replace(".", "")


def build_identifier(type_code: str, authority_uscc: str, serial: str, version: int = 1) -> str:
    """The full identifier with its check character; parts must be upper-case letters/digits."""
    for what, part in (("证照类型代码", type_code), ("颁发机构代码", authority_uscc), ("证照流水号", serial)):
        if not _PART.match(part or ""):
            raise ValidationFailed(f"{what}“{part}”只能由大写字母和数字组成，无法生成证照标识")
    if not 1 <= version <= 999:
        raise ValidationFailed("证照版本号应为 1–999")
    body = f"{PREFIX}.{type_code}.{authority_uscc}.{serial}.{version:03d}"
    return f"{body}.{mod37_36_check(_data_chars(body))}"


def identifier_valid(identifier: str) -> bool:
    """Whether `identifier` has the form above and its check character is right."""
    if not identifier.startswith(PREFIX + "."):
        return False
    body, _, check = identifier.rpartition(".")
    parts = body[len(PREFIX) + 1:].split(".")
    if len(parts) != 4 or len(check) != 1 or not all(_PART.match(p) for p in parts) or not re.fullmatch(r"\d{3}", parts[3]):
        return False
    return mod37_36_check(_data_chars(body)) == check
