"""Personal data at rest: the one place that decides how it is stored.

ID numbers, phone numbers, addresses and photos are declared with `PersonalText` /
`PersonalBytes`, JSON documents that carry them (case event and outbox payloads) with
`PersonalJSON`, and applicants are looked up by ID number only through `id_lookup_key`.
Encrypting at rest (a later issue) changes this module alone: the column types encrypt on the
way in and decrypt on the way out, and `id_lookup_key` becomes a keyed hash (HMAC) so lookups
still work on an equality index without storing the number in the clear.
"""

from __future__ import annotations

import re

from sqlalchemy import JSON, LargeBinary, Text
from sqlalchemy.types import TypeDecorator


class _PersonalData(TypeDecorator):
    """Values that are personal data, on their way into and out of the database. Today they
    pass through unchanged; encryption at rest will encrypt in `process_bind_param` and
    decrypt in `process_result_value`, here, for every column type below at once."""

    def process_bind_param(self, value, dialect):
        return value

    def process_result_value(self, value, dialect):
        return value


class PersonalText(_PersonalData):
    """Text that is personal data (ID numbers, phone numbers, addresses)."""

    impl = Text
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base


class PersonalBytes(_PersonalData):
    """Binary personal data (the ID card photo)."""

    impl = LargeBinary
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base


class PersonalJSON(_PersonalData):
    """A JSON document that carries personal data: the payloads of case events and of the
    outbox, which hold the parties of a case (ID and phone numbers) as the server needs them."""

    impl = JSON
    cache_ok = True  # SQLAlchemy reads it from each class itself, not from the base


def id_lookup_key(id_number: str) -> str:
    """The value stored in `*_key` columns and compared on lookup by ID number / credit code.

    Callers pass an already validated, normalised number; the key is case-folded so that a
    lowercase x typed by a clerk finds the same person.
    """
    return id_number.strip().upper()


def phone_lookup_key(phone: str) -> str:
    """The value stored in `applicant.phone_key`: a phone number found by its digits whatever
    separators were typed (138-1234-5678, 0755 1234 5678). Goes through `id_lookup_key`, so a
    keyed hash there keys phones too."""
    return id_lookup_key("".join(ch for ch in phone if ch.isdigit()))


_MASK_KEEP = re.compile(r"^(.{3}).*(.{4})$")


def mask_id(id_number: str | None) -> str:
    """An ID number safe for logs and lists: first 3 and last 4 characters kept."""
    if not id_number:
        return ""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name: str | None) -> str:
    """A name safe for the hall display: 张三 -> 张*, 欧阳娜娜 -> 欧阳**.

    Compound surnames keep their two characters; code points (not UTF-16 units) are counted so a
    rare character outside the BMP stays whole.
    """
    if not name:
        return ""
    chars = list(name)
    keep = 2 if len(chars) >= 4 or "".join(chars[:2]) in COMPOUND_SURNAMES else 1
    return "".join(chars[:keep]) + "*" * (len(chars) - keep)


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 呼延".split()
)
