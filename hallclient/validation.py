"""Identity numbers, credit codes and phone numbers: normalise, check, explain.

Every rejection says precisely what is wrong, in the UI language, so the clerk can fix the
typing or ask the applicant. Used by the UI, the CLI and the card reader's parsed data alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, asdict
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
GAT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


@dataclass
class Validated:
    valid: bool
    normalized: str
    kind: str = ""  # resident | gat_permit | foreign_old | foreign_2023 | uscc | mobile | landline
    error: str = ""
    birth_date: date | None = None
    gender: str | None = None  # 男 / 女
    suggestion: str = ""  # what the clerk probably means: the 18-digit form of an old 15-digit ID
    suggest_kind: str = ""  # "organisation": a credit code typed under 个人

    def as_json(self) -> dict:
        """The CLI's JSON: valid, normalized, kind, and birth_date/gender for IDs or error."""
        d = {"valid": self.valid, "normalized": self.normalized, "kind": self.kind}
        if not self.valid:
            d["error"] = self.error
            if self.suggestion:
                d["suggestion"] = self.suggestion
        elif self.birth_date is not None:
            d["birth_date"] = self.birth_date.isoformat()
            d["gender"] = self.gender
        return d


def normalize(value: str) -> str:
    """Full-width digits and letters (typed through a Chinese IME) to ASCII, spaces removed,
    letters upper-cased."""
    v = unicodedata.normalize("NFKC", value or "")
    v = re.sub(r"[\s\-－]", "", v)
    return v.upper()


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def _parse_birth(s: str, today: date) -> tuple[date | None, str]:
    try:
        d = date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None, f"出生日期 {s[0:4]}-{s[4:6]}-{s[6:8]} 不是有效日期"
    if d > today:
        return None, f"出生日期 {d.isoformat()} 晚于今天"
    if d.year < 1900:
        return None, f"出生日期 {d.isoformat()} 早于 1900 年"
    return d, ""


def validate_id(value: str, today: date | None = None) -> Validated:
    """Resident ID, HK/Macau/Taiwan residence permit, or foreign permanent residence card."""
    today = today or date.today()
    v = normalize(value)
    if not v:
        return Validated(False, v, error="证件号码为空")
    if len(v) == 15 and re.fullmatch(r"[A-Z]{3}\d{12}", v):
        return _validate_foreign_old(v, today)
    if len(v) == 15 and v.isdigit():
        return _old_resident_id(v, today)
    if len(v) == 18 and validate_uscc(v).valid and not (re.fullmatch(r"\d{17}[\dX]", v) and v[17] == id_check_char(v[:17])):
        return Validated(False, v, error="这是统一社会信用代码（单位的号码），请把申请人类型改为“单位”",
                         suggest_kind="organisation")
    if len(v) != 18:
        return Validated(False, v, error=f"证件号码应为 18 位，实际为 {len(v)} 位")
    if v[0] == "9":
        return _validate_foreign_2023(v, today)
    if not re.fullmatch(r"\d{17}[\dX]", v):
        bad = next((i + 1 for i, c in enumerate(v[:17]) if not c.isdigit()), None)
        if bad:
            return Validated(False, v, error=f"第 {bad} 位应为数字，实际为“{v[bad - 1]}”")
        return Validated(False, v, error=f"第 18 位应为数字或 X，实际为“{v[17]}”")
    birth, err = _parse_birth(v[6:14], today)
    if err:
        return Validated(False, v, error=err)
    expected = id_check_char(v[:17])
    if v[17] != expected:
        return Validated(False, v, error=f"校验位应为 {expected}，实际为 {v[17]}")
    kind = "gat_permit" if v[:6] in GAT_PREFIXES else "resident"
    if v[:2] in ("00",) or not (11 <= int(v[:2]) <= 83):
        return Validated(False, v, error=f"地区码 {v[:6]} 无效")
    gender = "男" if int(v[16]) % 2 else "女"
    return Validated(True, v, kind, birth_date=birth, gender=gender)


def upgrade_15(v: str) -> str:
    """The 18-digit form of a first-generation 15-digit resident ID (GB 11643-1989): the
    century 19 inserted before the YYMMDD birth date, and the check character appended."""
    first17 = v[:6] + "19" + v[6:]
    return first17 + id_check_char(first17)


def _old_resident_id(v: str, today: date) -> Validated:
    new = upgrade_15(v)
    check = validate_id(new, today)
    if not check.valid:
        return Validated(False, v, error=f"15 位旧身份证号码无效：{check.error}")
    return Validated(False, v, error=f"这是 15 位旧身份证号码，对应的 18 位号码为 {new}。"
                                     "核对申请人证件后按回车改用 18 位号码", suggestion=new)


def _validate_foreign_2023(v: str, today: date) -> Validated:
    # 2023 format: 9 + 2-digit province + 3-digit nationality code + birth date + 3 seq + check,
    # with the same MOD 11-2 check as the resident ID.
    if not re.fullmatch(r"9\d{16}[\dX]", v):
        return Validated(False, v, error="外国人永久居留身份证号码应为“9”开头的 17 位数字加校验位")
    birth, err = _parse_birth(v[6:14], today)
    if err:
        return Validated(False, v, error=err)
    expected = id_check_char(v[:17])
    if v[17] != expected:
        return Validated(False, v, error=f"校验位应为 {expected}，实际为 {v[17]}")
    gender = "男" if int(v[16]) % 2 else "女"
    return Validated(True, v, "foreign_2023", birth_date=birth, gender=gender)


def _validate_foreign_old(v: str, today: date) -> Validated:
    # Old (2004) card, 15 characters: 3-letter nationality code + 2-digit province + YYMMDD
    # birth date + 3 sequence digits + 1 check digit. Check: weights 7 3 1 repeating over the 14 characters,
    # letters valued A=10 .. Z=35, check = sum mod 10.
    birth_yy, mm, dd = int(v[5:7]), int(v[7:9]), int(v[9:11])
    century = 2000 if birth_yy <= today.year % 100 else 1900
    birth, err = _parse_birth(f"{century + birth_yy:04d}{mm:02d}{dd:02d}", today)
    if err:
        return Validated(False, v, error=err)
    expected = foreign_old_check_digit(v[:14])
    if int(v[14]) != expected:
        return Validated(False, v, error=f"校验位应为 {expected}，实际为 {v[14]}")
    return Validated(True, v, "foreign_old", birth_date=birth)


def foreign_old_check_digit(first14: str) -> int:
    weights = (7, 3, 1)
    total = 0
    for i, c in enumerate(first14):
        val = int(c) if c.isdigit() else ord(c) - ord("A") + 10
        total += val * weights[i % 3]
    return total % 10


def uscc_check_char(first17: str) -> str:
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def validate_uscc(value: str) -> Validated:
    """Unified social credit code (统一社会信用代码, GB 32100)."""
    v = normalize(value)
    if len(v) != 18:
        return Validated(False, v, "uscc", error=f"统一社会信用代码应为 18 位，实际为 {len(v)} 位")
    for i, c in enumerate(v):
        if c not in USCC_ALPHABET:
            hint = "（不使用 I、O、S、V、Z）" if c in "IOSVZ" else ""
            return Validated(False, v, "uscc", error=f"第 {i + 1} 位“{c}”不是有效字符{hint}")
    expected = uscc_check_char(v[:17])
    if v[17] != expected:
        return Validated(False, v, "uscc", error=f"校验位应为 {expected}，实际为 {v[17]}")
    # Structure (GB 32100 table 1): a code with a right check digit can still be impossible,
    # e.g. all zeros; these are the checks a clerk can act on.
    if v[0] not in USCC_AUTHORITIES:
        return Validated(False, v, "uscc", error=f"第 1 位（登记管理部门代码）“{v[0]}”无效，应为 1–9、A、N 或 Y")
    if v[1] not in "123456789":
        return Validated(False, v, "uscc", error=f"第 2 位（机构类别代码）“{v[1]}”无效，应为 1–9")
    if not v[2:8].isdigit() or v[2:8] == "000000":
        return Validated(False, v, "uscc", error=f"第 3–8 位应为登记管理机关的行政区划代码（6 位数字），实际为 {v[2:8]}")
    return Validated(True, v, "uscc")


# 1 机构编制 2 外交 3 司法行政 4 文化 5 民政 6 旅游 7 宗教 8 工会 9 市场监管（工商）
# A 中央军委改革和编制办公室 N 农业 Y 其他
USCC_AUTHORITIES = frozenset("123456789ANY")


def validate_phone(value: str) -> Validated:
    """Mainland mobile (11 digits, 1[3-9]…) or landline (area code + 7–8 digits, optional
    extension). Without a separator, area codes 010 and 02x have 3 digits, the others 4."""
    v = unicodedata.normalize("NFKC", value or "").strip()
    v = re.sub(r"[\s()（）]", "", v)
    if v.startswith("+86"):
        v = v[3:]
    digits = v.replace("-", "")
    if re.fullmatch(r"1\d{10}", digits):
        if digits[1] not in "3456789":
            return Validated(False, digits, "mobile", error=f"手机号第 2 位应为 3–9，实际为 {digits[1]}")
        return Validated(True, digits, "mobile")
    if digits.isdigit() and digits.startswith("1"):
        return Validated(False, digits, "mobile", error=f"手机号应为 11 位，实际为 {len(digits)} 位")
    m = re.fullmatch(r"(0\d{2,3})-(\d{7,8})(?:-(\d{1,6}))?", v)
    if not m and re.fullmatch(r"0\d{9,11}", digits):
        area_len = 3 if digits[1] in "12" else 4
        m = re.fullmatch(rf"(\d{{{area_len}}})(\d{{7,8}})()", digits)
    if m:
        area, local, ext = m.groups()
        if local[0] in "01":
            return Validated(False, digits, "landline", error="座机号码的本地号码不能以 0 或 1 开头")
        return Validated(True, f"{area}-{local}" + (f"-{ext}" if ext else ""), "landline")
    return Validated(False, v, error="电话号码格式无效：手机号为 11 位，座机为区号加 7–8 位号码")
