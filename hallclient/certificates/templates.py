"""Certificate templates as data: JSON delivered with the catalogue, validated before use.

A template gives the page size (mm), every printed field as a box (x, y from the top-left
corner of the sheet, width, height, all in mm) with font size, alignment, wrapping and
shrink-to-fit, or a QR/barcode; the design of the blank stock (frame, emblem area, title and
labels) that prints only on plain paper; and a background image of the stock used only in the
preview. A template that would print a field off the sheet or over another field, or that
names a field the client does not know, is refused with a message naming the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.models import utcnow

#: The fields a template may print (name -> label). Values come from the case, the decision
#: and the certificate record (hallclient.certificates.issue.field_values).
FIELDS: dict[str, str] = {
    "holder_name": "名称/姓名",
    "holder_code": "统一社会信用代码/证件号码",
    "legal_rep": "法定代表人（负责人、经营者）",
    "address": "住所（经营场所）",
    "business_type": "类型",
    "business_scope": "经营范围",
    "registered_capital": "注册资本",
    "established": "成立日期",
    "main_business": "主体业态",
    "business_items": "经营项目",
    "decision_text": "准予许可的内容",
    "item_name": "许可事项",
    "case_no": "办件编号",
    "certificate_no": "证照编号",
    "licence_id": "证照标识",
    "authority": "发证机关",
    "issue_date": "发证日期",
    "valid_from": "有效期起",
    "valid_to": "有效期至",
    "validity": "有效期限",
    "verify_url": "核验二维码内容",
}
KINDS = ("text", "qr", "barcode")
ALIGNS = ("left", "center", "right")
DESIGN_KINDS = ("text", "rect", "line")
MODES = {"preprinted": "套打（预印证书）", "plain": "白纸打印（含版式）"}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, o: "Box") -> bool:
        return self.x < o.x + o.w and o.x < self.x + self.w and self.y < o.y + o.h and o.y < self.y + self.h


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    box: Box
    kind: str = "text"
    font_size: float = 12.0
    align: str = "left"
    wrap: bool = False
    shrink: bool = True
    min_font_size: float = 6.0


@dataclass(frozen=True)
class DesignElement:
    kind: str  # text | rect | line
    box: Box  # text: x,y is the anchor point (baseline) and w,h are 0; line: from (x,y) by (w,h)
    text: str = ""
    size: float = 12.0
    align: str = "left"
    width: float = 0.6  # stroke width, points
    color: str = "#000000"


@dataclass(frozen=True)
class Template:
    key: str
    version: int
    name: str
    licence_type: str
    type_code: str
    page_w: float
    page_h: float
    fields: tuple[FieldSpec, ...]
    design: tuple[DesignElement, ...] = ()
    background: str = ""  # file name in hallclient/demo_data (preview only)
    number_prefix: str = ""
    validity_years: int | None = None  # None: 长期
    holder: str = "applicant"
    raw: dict = field(default_factory=dict, compare=False, hash=False)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


def _num(d: dict, key: str, where: str, default: float | None = None) -> float:
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValidationFailed(f"{where}：{key} 应为数字（毫米）")
    return float(v)


def parse_template(data: Any) -> Template:
    """A validated Template from its JSON data; ValidationFailed (Chinese) names what is wrong."""
    if not isinstance(data, dict):
        raise ValidationFailed("证照模板应为 JSON 对象")
    key = data.get("key")
    name = data.get("name") or key
    if not isinstance(key, str) or not key or len(key) > 60:
        raise ValidationFailed("证照模板缺少 key（不超过 60 字符）")
    where = f"证照模板“{name}”"
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValidationFailed(f"{where}：version 应为正整数")
    for k in ("licence_type", "type_code"):
        if not isinstance(data.get(k), str) or not data[k]:
            raise ValidationFailed(f"{where}：缺少 {k}")
    page = data.get("page") or {}
    w, h = _num(page, "width_mm", where), _num(page, "height_mm", where)
    if not (20 <= w <= 1000 and 20 <= h <= 1000):
        raise ValidationFailed(f"{where}：纸张尺寸 {w:g}×{h:g} mm 不合理")
    fields = tuple(_parse_field(f, where) for f in data.get("fields") or ())
    if not fields:
        raise ValidationFailed(f"{where}：没有任何打印字段")
    seen: set[str] = set()
    for f in fields:
        if f.name in seen:
            raise ValidationFailed(f"{where}：字段“{f.label}”({f.name}) 重复")
        seen.add(f.name)
        b = f.box
        if b.x < 0 or b.y < 0 or b.x + b.w > w + 1e-9 or b.y + b.h > h + 1e-9:
            raise ValidationFailed(
                f"{where}：字段“{f.label}”超出纸张范围（位置 {b.x:g},{b.y:g} mm，大小 {b.w:g}×{b.h:g} mm，"
                f"纸张 {w:g}×{h:g} mm）。请调整该字段的位置或大小")
    for i, a in enumerate(fields):
        for b in fields[i + 1:]:
            if a.box.overlaps(b.box):
                raise ValidationFailed(f"{where}：字段“{a.label}”与“{b.label}”位置重叠，打印时会互相覆盖。请调整其中一个的位置")
    design = tuple(_parse_design(e, where, w, h) for e in data.get("design") or ())
    validity = data.get("validity_years")
    if validity is not None and (not isinstance(validity, int) or isinstance(validity, bool) or not 1 <= validity <= 50):
        raise ValidationFailed(f"{where}：validity_years 应为 1–50 的整数或 null（长期）")
    return Template(
        key=key, version=version, name=str(name), licence_type=data["licence_type"], type_code=data["type_code"],
        page_w=w, page_h=h, fields=fields, design=design, background=str(data.get("background") or ""),
        number_prefix=str(data.get("number_prefix") or ""), validity_years=validity,
        holder=str(data.get("holder") or "applicant"), raw=data,
    )


def _parse_field(f: Any, where: str) -> FieldSpec:
    if not isinstance(f, dict):
        raise ValidationFailed(f"{where}：字段定义应为 JSON 对象")
    name = f.get("name")
    if name not in FIELDS:
        raise ValidationFailed(f"{where}：未知字段名“{name}”。可用的字段名：{'、'.join(FIELDS)}")
    label = str(f.get("label") or FIELDS[name])
    here = f"{where}字段“{label}”"
    box = Box(_num(f, "x_mm", here), _num(f, "y_mm", here), _num(f, "w_mm", here), _num(f, "h_mm", here))
    if box.w <= 0 or box.h <= 0:
        raise ValidationFailed(f"{here}：宽度和高度应大于 0")
    kind = f.get("kind", "text")
    align = f.get("align", "left")
    if kind not in KINDS:
        raise ValidationFailed(f"{here}：kind 应为 {'/'.join(KINDS)}")
    if align not in ALIGNS:
        raise ValidationFailed(f"{here}：align 应为 {'/'.join(ALIGNS)}")
    size = _num(f, "font_size", here, 12)
    min_size = _num(f, "min_font_size", here, 6)
    if not 4 <= min_size <= size <= 72:
        raise ValidationFailed(f"{here}：字号应在 4–72 之间，且不小于最小字号")
    return FieldSpec(name, label, box, kind, size, align, bool(f.get("wrap", False)), bool(f.get("shrink", True)), min_size)


def _parse_design(e: Any, where: str, w: float, h: float) -> DesignElement:
    if not isinstance(e, dict) or e.get("kind") not in DESIGN_KINDS:
        raise ValidationFailed(f"{where}：版式元素的 kind 应为 {'/'.join(DESIGN_KINDS)}")
    box = Box(_num(e, "x_mm", where), _num(e, "y_mm", where), _num(e, "w_mm", where, 0), _num(e, "h_mm", where, 0))
    if not (0 <= box.x <= w and 0 <= box.y <= h and 0 <= box.x + box.w <= w + 1e-9 and 0 <= box.y + box.h <= h + 1e-9):
        raise ValidationFailed(f"{where}：版式元素（{e.get('text') or e['kind']}）超出纸张范围")
    return DesignElement(e["kind"], box, str(e.get("text", "")), _num(e, "size", where, 12), e.get("align", "left"),
                         _num(e, "width", where, 0.6), str(e.get("color", "#000000")))


def demo_templates() -> list[dict]:
    """The templates of the demo catalogue (also in catalogue.json's certificate_templates)."""
    data = json.loads(resources.files("hallclient.demo_data").joinpath("catalogue.json").read_text("utf-8"))
    return list(data.get("certificate_templates", []))


def background_path(name: str):
    """The preview background image shipped with the client, or None."""
    if not name:
        return None
    p = resources.files("hallclient.demo_data").joinpath(name)
    return p if p.is_file() else None


def load_templates(session: Session, items: list[dict], now: datetime | None = None) -> int:
    """Store templates (from the catalogue); every one is validated first and nothing is
    stored if one is invalid. A template is replaced only by a newer (or equal) version."""
    from hallclient.certificates.models import CertificateTemplate

    parsed = [parse_template(d) for d in items]
    now = now or utcnow()
    for t in parsed:
        row = session.get(CertificateTemplate, t.key)
        if row is not None and row.version > t.version:
            continue  # an older copy arriving late never replaces a newer one
        if row is None:
            row = CertificateTemplate(key=t.key)
            session.add(row)
        row.version, row.name, row.licence_type, row.data, row.updated_at = t.version, t.name, t.licence_type, t.raw, now
    session.flush()
    return len(parsed)


def get_template(session: Session, key: str | None) -> Template:
    from hallclient.certificates.models import CertificateTemplate

    row = session.get(CertificateTemplate, key) if key else None
    if row is None:
        raise ValidationFailed(f"本事项的证照模板（{key or '未指定'}）尚未配置，请同步事项目录或联系管理员")
    return parse_template(row.data)


def all_templates(session: Session) -> list[Template]:
    from hallclient.certificates.models import CertificateTemplate

    return [parse_template(r.data) for r in session.scalars(select(CertificateTemplate).order_by(CertificateTemplate.key))]
