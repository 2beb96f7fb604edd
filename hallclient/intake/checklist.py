"""The material checklist (材料核验) of a case and what it allows the clerk to do.

Rules (DOMAIN.md section 2.4):
- received: counts default to the expected originals and copies; a required material
  received with fewer originals or copies than expected is refused (mark it 缺少 or 不符合要求
  with the reason instead); more than expected is fine;
- missing: optional reason (the supplement notice says 未提交 otherwise);
- defective: a reason is required (it goes on the supplement notice);
- gap (容缺): only where the catalogue allows it for that material, with a promised date
  after today;
- exempt (免于提交): only for a material the hall can fetch as an electronic licence, with the
  licence number that replaced the paper;
- not_applicable: optional materials only.
Accept needs every required row received, exempt or gap. Supplement (补正) is for a case
that cannot be accepted: it needs at least one required row missing or defective, and is not
offered once every required row is settled. The supplement notice lists every required row
missing or defective, plus an optional row only when the clerk marked it defective (the
applicant chose to bring it and it needs fixing); an optional row merely not brought is
never listed, since nobody has to bring it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from hallclient.errors import ValidationFailed
from hallclient.models import CaseMaterial, Material

STATUSES = ("received", "missing", "defective", "gap", "exempt", "not_applicable")
STATUS_LABELS = {
    "received": "已收",
    "missing": "缺少",
    "defective": "不符合要求",
    "gap": "容缺",
    "exempt": "免提交",
    "not_applicable": "不适用",
}
SATISFIED = frozenset({"received", "gap", "exempt"})
TO_SUPPLEMENT = frozenset({"missing", "defective"})
DEFAULT_MISSING_REASON = "未提交"


@dataclass(frozen=True)
class RowView:
    """What the rules need of a checklist row (plain data)."""

    seq: int
    name: str
    required: bool
    status: str
    reason: str = ""


@dataclass(frozen=True)
class Verdict:
    can_accept: bool
    can_supplement: bool
    blockers: tuple[str, ...] = ()  # why accept is not possible, one line per material
    to_supplement: tuple[RowView, ...] = field(default_factory=tuple)


def checklist_verdict(rows: list[RowView] | tuple[RowView, ...]) -> Verdict:
    blockers = tuple(
        f"{r.seq}. {r.name}：{STATUS_LABELS.get(r.status, r.status)}"
        for r in rows
        if r.required and r.status not in SATISFIED
    )
    supp = tuple(r for r in rows if r.status in TO_SUPPLEMENT and (r.required or r.status == "defective"))
    can_supplement = any(r.required for r in supp)
    return Verdict(not blockers and bool(rows), can_supplement, blockers, supp if can_supplement else ())


def rows_of(case_materials) -> list[RowView]:
    return [RowView(m.seq, m.name, m.required, m.status, m.reason or "") for m in case_materials]


def apply_status(
    session: Session,
    row: CaseMaterial,
    status: str,
    *,
    today: date,
    reason: str = "",
    gap_due_date: date | None = None,
    e_licence_no: str = "",
    original_received: int | None = None,
    copies_received: int | None = None,
) -> None:
    """Set one row's status after checking the rules; raises ValidationFailed, changing nothing."""
    if status not in STATUSES:
        raise ValidationFailed(f"材料状态无效：{status}")
    material = session.get(Material, row.material_id) if row.material_id else None
    label = f"“{row.name}”"
    reason = (reason or "").strip()
    e_licence_no = (e_licence_no or "").strip()
    if status == "defective" and not reason:
        raise ValidationFailed(f"{label}不符合要求：请填写原因（将写入一次性告知书）")
    if status == "gap":
        if material is None or not material.gap_allowed:
            raise ValidationFailed(f"{label}不在本事项的容缺受理材料范围内")
        if gap_due_date is None:
            raise ValidationFailed(f"{label}容缺受理：请填写承诺补交日期")
        if gap_due_date <= today:
            raise ValidationFailed(f"{label}容缺受理：承诺补交日期应晚于今天")
    if status == "exempt":
        if material is None or not material.e_licence_type:
            raise ValidationFailed(f"{label}没有可调用的电子证照，不能免于提交")
        if not e_licence_no:
            raise ValidationFailed(f"{label}免于提交：请填写替代的电子证照编号（{material.e_licence_type}）")
    if status == "not_applicable" and row.required:
        raise ValidationFailed(f"{label}是必交材料，不能标记为不适用")
    for n, what in ((original_received, "原件"), (copies_received, "复印件")):
        if n is not None and n < 0:
            raise ValidationFailed(f"{label}{what}份数不能为负数")
    if status == "received" and row.required:
        got_o = row.original_expected if original_received is None else original_received
        got_c = row.copies_expected if copies_received is None else copies_received
        short = [f"{what}应收 {exp} 份、实收 {got} 份" for what, exp, got in
                 (("原件", row.original_expected, got_o), ("复印件", row.copies_expected, got_c)) if got < exp]
        if short:
            raise ValidationFailed(f"{label}" + "，".join(short) + "：份数不足不能记为已收。"
                                   "请补齐后再记已收，或按 D 标记为不符合要求并写明缺少的份数")
    row.status = status
    row.reason = reason or (DEFAULT_MISSING_REASON if status == "missing" else None)
    row.gap_due_date = gap_due_date if status == "gap" else None
    row.e_licence_no = e_licence_no if status == "exempt" else None
    if status == "received":
        row.original_received = row.original_expected if original_received is None else original_received
        row.copies_received = row.copies_expected if copies_received is None else copies_received
    elif status == "defective":
        row.original_received = original_received or 0
        row.copies_received = copies_received or 0
    else:
        row.original_received = 0
        row.copies_received = 0


def update_material(session: Session, case_id: str, row_id: int, status: str, *, today: date | None = None, **kw) -> None:
    """Update one checklist row of a case being prepared (draft)."""
    from hallclient.intake.cases import editable_case, local_today

    case = editable_case(session, case_id)
    row = next((m for m in case.materials if m.id == row_id), None)
    if row is None:
        raise ValidationFailed("该材料不属于本办件")
    apply_status(session, row, status, today=today or local_today(), **kw)


#: The e-licence type of the applicant's own ID card in the catalogue.
RESIDENT_ID_LICENCE = "居民身份证"
#: The note of a row the card reader satisfied.
CARD_VERIFIED_NOTE = "原件已由身份证阅读器核验"


def card_satisfies(row_name: str, e_licence_type: str | None, copies_expected: int) -> bool:
    """Whether reading the applicant's card on the reader settles this checklist row: the
    applicant's own resident ID card ("居民身份证", "居民身份证或社会保障卡"), original only.
    Rows about other people's IDs (spouse, shareholders, staff) and rows asking for copies stay
    for the clerk: the reader proves the original in the applicant's hand, nothing more."""
    return e_licence_type == RESIDENT_ID_LICENCE and row_name.startswith("居民身份证") and copies_expected == 0


def mark_card_verified(session: Session, case_id: str, *, today: date | None = None) -> list[int]:
    """After the applicant's card was read: mark the ID rows of a draft case received with the
    reader's note. Returns the rows changed."""
    from hallclient.intake.cases import editable_case, local_today

    case = editable_case(session, case_id)
    changed = []
    for row in case.materials:
        material = session.get(Material, row.material_id) if row.material_id else None
        if material is None or row.status in SATISFIED:
            continue
        if card_satisfies(row.name, material.e_licence_type, row.copies_expected):
            apply_status(session, row, "received", today=today or local_today())
            row.reason = CARD_VERIFIED_NOTE
            changed.append(row.id)
    return changed
