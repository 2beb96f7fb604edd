"""An identity document as read from a card or typed by the clerk: plain data, Qt-free.

The ID card reader driver (devices/) produces it; the intake form (ui/) consumes it. It is the
"card read" payload that crosses from the device worker thread to the UI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

CARD_TYPES = {
    "resident": "居民身份证",
    "gat_permit": "港澳台居民居住证",
    "foreign_old": "外国人永久居留证（旧版）",
    "foreign_2023": "外国人永久居留身份证（2023 版）",
}


#: Fields beyond the read-id JSON keys of the issue: nested under "extra" in `as_json`.
EXTRA_KEYS = ("nationality", "pass_number", "issue_count")


@dataclass(frozen=True)
class IdentityDocument:
    card_type: str  # one of CARD_TYPES
    name: str  # Chinese name (may contain characters outside the BMP)
    id_number: str
    gender: str = ""  # 男 / 女 / 未知 / 未说明
    gender_code: str = ""
    nation: str = ""  # e.g. 汉; empty for permits and foreign cards
    nation_code: str = ""
    birth_date: date | None = None
    address: str = ""
    authority: str = ""
    valid_from: date | None = None
    valid_to: date | str | None = None  # a date, or "长期"
    name_en: str = ""  # foreign cards
    nationality: str = ""  # foreign cards: ISO 3166 alpha-3
    pass_number: str = ""  # HK/Macau/Taiwan residence permit: 通行证号码
    issue_count: str = ""
    photo_wlt: bytes = b""  # raw 1024-byte WLT photo; decoded only by the vendor library

    def as_json(self) -> dict:
        """The JSON shape of `hallclient devices read-id`: exactly the keys of the issue at the
        top level; what only some cards carry (EXTRA_KEYS) under "extra"."""
        d = asdict(self)
        d.pop("photo_wlt")
        d["extra"] = {k: d.pop(k) for k in EXTRA_KEYS}
        for k in ("birth_date", "valid_from"):
            d[k] = d[k].isoformat() if d[k] else None
        vt = self.valid_to
        d["valid_to"] = vt.isoformat() if isinstance(vt, date) else vt
        import base64

        d["photo_wlt_base64"] = base64.b64encode(self.photo_wlt).decode("ascii")
        return d
