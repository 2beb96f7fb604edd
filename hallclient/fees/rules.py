"""Fee rules of the catalogue and what a case is charged (DOMAIN.md section 10).

An item has zero or more fee lines (the catalogue's `fees`, synced from the central server):

    {"name": "不动产登记费（住宅）", "kind": "fixed", "amount_fen": 8000,
     "basis": "发改价格规〔2016〕2559号", "payee": "示例市不动产登记中心"}
    {"name": "证书工本费", "kind": "per_unit", "amount_fen": 1000, "unit": "本", "included": 1, ...}
    {"name": "查询", "kind": "free"}

`fixed` is charged once per case, `per_unit` per unit beyond the `included` ones (e.g. the first
certificate is covered by the registration fee, each extra one costs ￥10), `free` is listed at
￥0.00 so the applicant sees it is free. A reduction or exemption (减免) of a line, or of all, needs
a reason and its basis; it can never make a line negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hallclient.errors import ValidationFailed
from hallclient.fees.money import MAX_FEN, check_fen, format_yuan

KINDS = {"fixed": "按件", "per_unit": "按数量", "free": "免费"}
MAX_QUANTITY = 999

#: Common exemption policies offered at the window; the clerk may also type another reason and
#: basis. (Halls extend this list through the catalogue's items' `exemptions` later.)
EXEMPTION_POLICIES: tuple[tuple[str, str], ...] = (
    ("小微企业免收不动产登记费", "《财政部 国家发展改革委关于对小微企业免征有关行政事业性收费的通知》（财税〔2014〕101号）"),
    ("城乡最低生活保障对象免收", "《关于减免低收入群体部分行政事业性收费的通知》"),
    ("残疾人减免", "《中华人民共和国残疾人保障法》第五十条及地方实施办法"),
    ("首次办理免收工本费", "本地区“首证免费”政策"),
)


def normalise_rules(raw: Any) -> list[dict[str, Any]]:
    """The fee lines of a catalogue item, checked; ValueError (Chinese) when the central
    server's data is wrong, so a bad catalogue is refused as a whole, never half-loaded."""
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise ValueError("收费项目应为列表（最多 20 项）")
    out = []
    for n, r in enumerate(raw, 1):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str) or not r["name"].strip() or len(r["name"]) > 60:
            raise ValueError(f"第 {n} 个收费项目缺少名称")
        kind = r.get("kind", "fixed")
        if kind not in KINDS:
            raise ValueError(f"收费项目“{r['name']}”的类型“{kind}”无效（应为 fixed、per_unit 或 free）")
        amount = 0 if kind == "free" else r.get("amount_fen")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0 or amount > MAX_FEN or (kind != "free" and amount == 0):
            raise ValueError(f"收费项目“{r['name']}”的金额无效（应为以分为单位的正整数，且不超过 {format_yuan(MAX_FEN)}）")
        included = r.get("included", 0)
        if isinstance(included, bool) or not isinstance(included, int) or not 0 <= included <= MAX_QUANTITY:
            raise ValueError(f"收费项目“{r['name']}”的免费数量无效")
        out.append({
            "name": r["name"].strip(), "kind": kind, "amount_fen": amount, "unit": str(r.get("unit") or "件")[:4],
            "included": included if kind == "per_unit" else 0,
            "basis": str(r.get("basis") or "")[:200], "payee": str(r.get("payee") or "")[:100],
        })
    return out


@dataclass(frozen=True)
class Exemption:
    """A reduction of line `line` (index; None = every line) by `amount_fen`, or to zero when
    `amount_fen` is None (免), with the reason and its basis (both required)."""

    reason: str
    basis: str
    line: int | None = None
    amount_fen: int | None = None


@dataclass(frozen=True)
class FeeLine:
    name: str
    kind: str
    standard_fen: int  # the rule's amount (per unit for per_unit)
    quantity: int  # units charged (per_unit: beyond the included ones)
    unit: str
    gross_fen: int
    reduction_fen: int
    due_fen: int
    basis: str = ""
    payee: str = ""
    exemption: str = ""  # reason and basis of its reduction, as printed

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class Assessment:
    lines: tuple[FeeLine, ...]
    total_fen: int
    gross_fen: int
    reduction_fen: int
    exemptions: tuple[Exemption, ...] = field(default_factory=tuple)

    @property
    def free(self) -> bool:
        return self.total_fen == 0


def assess(rules: list[dict[str, Any]], quantities: dict[int, int] | None = None,
           exemptions: list[Exemption] | tuple[Exemption, ...] = ()) -> Assessment:
    """The lines and total for `rules` (normalised), with `quantities` of per-unit lines
    (index -> units asked for, default 1) and the exemptions. Refuses, in Chinese, a quantity out
    of range, an exemption without reason or basis, of an unknown line, or larger than its line."""
    quantities = quantities or {}
    for i, q in quantities.items():
        if not 0 <= i < len(rules):
            raise ValidationFailed("数量对应的收费项目不存在")
        if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= MAX_QUANTITY:
            raise ValidationFailed(f"“{rules[i]['name']}”的数量应为 0–{MAX_QUANTITY} 的整数")
    gross = []
    for i, r in enumerate(rules):
        if r["kind"] == "per_unit":
            qty = max(0, quantities.get(i, 1) - r["included"])
            gross.append((qty, r["amount_fen"] * qty))
        elif r["kind"] == "fixed":
            gross.append((1, r["amount_fen"]))
        else:
            gross.append((quantities.get(i, 1), 0))
    reduction = [0] * len(rules)
    notes: list[list[str]] = [[] for _ in rules]
    for ex in exemptions:
        if not ex.reason.strip():
            raise ValidationFailed("减免必须填写原因")
        if not ex.basis.strip():
            raise ValidationFailed("减免必须填写依据（政策文件或条款）")
        targets = range(len(rules)) if ex.line is None else [ex.line]
        if ex.line is not None and not 0 <= ex.line < len(rules):
            raise ValidationFailed("减免对应的收费项目不存在")
        for i in targets:
            left = gross[i][1] - reduction[i]
            if ex.amount_fen is None:
                cut = left
            else:
                check_fen(ex.amount_fen, what="减免金额")
                if ex.amount_fen > left:
                    raise ValidationFailed(f"“{rules[i]['name']}”的减免金额 {format_yuan(ex.amount_fen)} 超过应收 {format_yuan(left)}")
                cut = ex.amount_fen
            if cut:
                reduction[i] += cut
                notes[i].append(f"{ex.reason.strip()}（{ex.basis.strip()}）")
    lines = tuple(
        FeeLine(r["name"], r["kind"], r["amount_fen"], qty, r["unit"], g, reduction[i], g - reduction[i],
                r["basis"], r["payee"], "；".join(notes[i]))
        for i, (r, (qty, g)) in enumerate(zip(rules, gross))
    )
    total = sum(l.due_fen for l in lines)
    return Assessment(lines, total, sum(l.gross_fen for l in lines), sum(reduction), tuple(exemptions))
