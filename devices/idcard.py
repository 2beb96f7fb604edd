"""The 256-byte text block of second-generation ID cards and residence permits <-> IdentityDocument.

Fields are UTF-16LE, padded with spaces, at fixed byte offsets (DOMAIN.md section 8). Characters
outside the BMP (𠀀 U+20000) are surrogate pairs and decode naturally with the utf-16-le codec.
The card type flag at offset 248 tells the layouts apart: ' ' resident card, 'J' Hong Kong /
Macau / Taiwan residence permit, 'I' old foreign permanent residence card, 'Y' 2023 one.
`encode_text_block` is the inverse; the simulator and the tests use it to build cards.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hallclient.identity import IdentityDocument

TEXT_LEN = 256
PHOTO_LEN = 1024
LONG_TERM = "长期"

GENDERS = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

#: GB/T 3304 nation codes as printed on the card (without 族), plus 97 and 98.
NATIONS = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统中国籍人士",
}

# (field, byte offset, byte length) per card type flag.
LAYOUTS: dict[str, list[tuple[str, int, int]]] = {
    " ": [("name", 0, 30), ("gender_code", 30, 2), ("nation_code", 32, 4), ("birth", 36, 16),
          ("address", 52, 70), ("id_number", 122, 36), ("authority", 158, 30),
          ("valid_from", 188, 16), ("valid_to", 204, 16)],
    "J": [("name", 0, 30), ("gender_code", 30, 2), ("birth", 36, 16), ("address", 52, 70),
          ("id_number", 122, 36), ("authority", 158, 30), ("valid_from", 188, 16),
          ("valid_to", 204, 16), ("pass_number", 220, 18), ("issue_count", 238, 4)],
    "I": [("name_en", 0, 120), ("gender_code", 120, 2), ("id_number", 122, 30),
          ("nationality", 152, 6), ("name", 158, 30), ("valid_from", 188, 16),
          ("valid_to", 204, 16), ("birth", 220, 16), ("version", 236, 4), ("authority", 240, 8)],
    "Y": [("name", 0, 30), ("gender_code", 30, 2), ("issue_count", 32, 4), ("birth", 36, 16),
          ("name_en", 52, 70), ("id_number", 122, 36), ("valid_from", 188, 16),
          ("valid_to", 204, 16), ("name_en2", 220, 22), ("nationality", 242, 6),
          ("previous_card", 250, 6)],
}
FLAG_OF_TYPE = {"resident": " ", "gat_permit": "J", "foreign_old": "I", "foreign_2023": "Y"}
TYPE_OF_FLAG = {v: k for k, v in FLAG_OF_TYPE.items()}
FLAG_OFFSET = 248

#: The old foreign card's authority field holds a code, not a name (GA 467 / the readers'
#: SDKs): 1500 is the Ministry of Public Security, the only issuer of that card. An unknown
#: code is shown as it is.
AUTHORITY_CODES_I = {"1500": "公安部"}
_CODE_OF_AUTHORITY_I = {v: k for k, v in AUTHORITY_CODES_I.items()}

#: The 2023 card carries no authority field: it is always issued by the immigration administration.
AUTHORITY_2023 = "中华人民共和国国家移民管理局"


class CardFormatError(ValueError):
    """The text block cannot be a card we know; `.message` is for the clerk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _field(block: bytes, off: int, n: int) -> str:
    return block[off : off + n].decode("utf-16-le", errors="replace").rstrip(" \x00")


def _date(s: str) -> date | None:
    if len(s) != 8 or not s.isdigit():
        return None
    try:
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        return None


def _valid_to(s: str) -> date | str | None:
    return LONG_TERM if s.strip() == LONG_TERM else _date(s)


def card_flag(block: bytes) -> str:
    flag = _field(block, FLAG_OFFSET, 2) or " "
    return flag


def parse_text_block(block: bytes, photo: bytes = b"") -> IdentityDocument:
    """Parse a 256-byte text block (and the raw WLT photo) into an IdentityDocument."""
    if len(block) != TEXT_LEN:
        raise CardFormatError(f"身份证文字信息长度错误（{len(block)} 字节），请重新放置证件")
    flag = card_flag(block)
    if flag not in LAYOUTS:
        raise CardFormatError(f"无法识别的证件类型标志“{flag}”，请放置居民身份证、居住证或永久居留证")
    f = {name: _field(block, off, n) for name, off, n in LAYOUTS[flag]}
    code = f.get("gender_code", "")
    nation_code = f.get("nation_code", "")
    name_en = f.get("name_en", "")
    if flag == "Y":
        # The English name runs on from the first field into the second: join the raw first
        # field (its spaces may be part of the name) before stripping the padding.
        name_en = (block[52:122].decode("utf-16-le", errors="replace") + f.get("name_en2", "")).rstrip()
    authority = f.get("authority", "")
    if flag == "I":
        authority = AUTHORITY_CODES_I.get(authority, authority)
    if flag == "Y":
        authority = AUTHORITY_2023
    return IdentityDocument(
        card_type=TYPE_OF_FLAG[flag],
        name=f.get("name", ""),
        id_number=f.get("id_number", "").upper(),
        gender=GENDERS.get(code, "未知"),
        gender_code=code,
        nation=NATIONS.get(nation_code, "") if nation_code else "",
        nation_code=nation_code,
        birth_date=_date(f.get("birth", "")),
        address=f.get("address", ""),
        authority=authority,
        valid_from=_date(f.get("valid_from", "")),
        valid_to=_valid_to(f.get("valid_to", "")),
        name_en=name_en,
        nationality=f.get("nationality", ""),
        pass_number=f.get("pass_number", ""),
        issue_count=f.get("issue_count", ""),
        photo_wlt=bytes(photo),
    )


def _put(block: bytearray, off: int, n: int, text: str) -> None:
    raw = text.encode("utf-16-le")
    if len(raw) > n:
        raise ValueError(f"field at {off} too long: {text!r}")
    block[off : off + n] = raw + " ".encode("utf-16-le") * ((n - len(raw)) // 2)


def _d(v) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return v.strftime("%Y%m%d")
    return str(v)


def encode_text_block(doc: IdentityDocument) -> bytes:
    """The card's 256-byte text block for `doc` (the simulator's side of the protocol)."""
    flag = FLAG_OF_TYPE[doc.card_type]
    block = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    values = {
        "name": doc.name, "gender_code": doc.gender_code, "nation_code": doc.nation_code,
        "birth": _d(doc.birth_date), "address": doc.address, "id_number": doc.id_number,
        "authority": doc.authority, "valid_from": _d(doc.valid_from), "valid_to": _d(doc.valid_to),
        "pass_number": doc.pass_number, "issue_count": doc.issue_count,
        "nationality": doc.nationality, "name_en": doc.name_en, "version": "01",
    }
    if flag == "I":
        values["authority"] = _CODE_OF_AUTHORITY_I.get(doc.authority, doc.authority)
    if flag == "Y":
        # English names longer than 35 characters continue in the second field.
        values["name_en"], values["name_en2"] = doc.name_en[:35], doc.name_en[35:46]
    for name, off, n in LAYOUTS[flag]:
        if name in values:
            _put(block, off, n, values[name])
    if flag != " ":
        _put(block, FLAG_OFFSET, 2, flag)
    return bytes(block)


def document_from_json(d: dict) -> IdentityDocument:
    """A card as written in a sample card JSON file (same shape as `read-id` output; the
    extra fields may also be given at the top level)."""
    import base64

    d = {**d, **d.get("extra", {})}

    def dt(k):
        v = d.get(k)
        return date.fromisoformat(v) if v else None

    vt = d.get("valid_to")
    doc = IdentityDocument(
        card_type=d["card_type"], name=d.get("name", ""), id_number=d.get("id_number", ""),
        gender_code=str(d.get("gender_code", "")), nation_code=str(d.get("nation_code", "")),
        birth_date=dt("birth_date"), address=d.get("address", ""), authority=d.get("authority", ""),
        valid_from=dt("valid_from"),
        valid_to=LONG_TERM if vt == LONG_TERM else (date.fromisoformat(vt) if vt else None),
        name_en=d.get("name_en", ""), nationality=d.get("nationality", ""),
        pass_number=d.get("pass_number", ""), issue_count=str(d.get("issue_count", "")),
        photo_wlt=base64.b64decode(d.get("photo_wlt_base64", "")),
    )
    return replace(doc, gender=GENDERS.get(doc.gender_code, ""), nation=NATIONS.get(doc.nation_code, ""))


def fake_wlt(seed: str) -> bytes:
    """1024 deterministic bytes standing in for a licensed WLT photo (simulator only)."""
    import hashlib

    out = bytearray(b"WLT\x00")
    h = seed.encode()
    while len(out) < PHOTO_LEN:
        h = hashlib.sha256(h).digest()
        out += h
    return bytes(out[:PHOTO_LEN])
