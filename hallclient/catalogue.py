"""The service catalogue (事项目录): loading, and searching by name, code or pinyin initials."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

import hallclient.certificates.models  # noqa: F401 - templates load with the catalogue (and its scratch checks)
from hallclient.models import CaseMaterial, CaseType, Department, Material, ServiceItem, utcnow


def pinyin_initials(text: str) -> str:
    """"个体工商户设立登记" -> "gtgshsldj"; non-Chinese characters pass through lower-cased."""
    # Imported here: pypinyin loads its phrase dictionary (~0.2 s) on import, and the window
    # needs it only when the catalogue's search index is built, off the start-up path.
    from pypinyin import Style, lazy_pinyin

    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default") if p).lower()


def demo_catalogue() -> dict[str, Any]:
    return json.loads(resources.files("hallclient.demo_data").joinpath("catalogue.json").read_text("utf-8"))


def load_catalogue(session: Session, data: dict[str, Any]) -> int:
    """Insert or update case types, departments and items (matched by code). Materials of an
    updated item are replaced. Returns the number of items loaded."""
    for ct in data.get("case_types", []):
        row = session.get(CaseType, ct["key"]) or CaseType(key=ct["key"])
        row.name, row.platform_code = ct["name"], str(ct["platform_code"])
        session.add(row)
    depts = {d.code: d for d in session.scalars(select(Department))}
    for d in data.get("departments", []):
        row = depts.get(d["code"]) or Department(code=d["code"])
        row.name = d["name"]
        row.uscc, row.authority = d.get("uscc", row.uscc or ""), d.get("authority", row.authority or "")
        session.add(row)
        depts[d["code"]] = row
    session.flush()
    # Only the items being loaded: a page of a synced catalogue must not load all the others.
    codes = [it["code"] for it in data.get("items", [])]
    existing = {}
    for n in range(0, len(codes), 500):
        stmt = select(ServiceItem).where(ServiceItem.code.in_(codes[n : n + 500])).options(selectinload(ServiceItem.materials))
        existing.update({i.code: i for i in session.scalars(stmt)})
    new_items = [it for it in data.get("items", []) if it["code"] not in existing]
    if new_items:
        _insert_new_items(session, new_items, depts)
    for it in data.get("items", []):
        if it["code"] not in existing:
            continue
        item = existing[it["code"]]
        for key, value in _item_values(it, depts[it["department"]].id).items():
            setattr(item, key, value)
        # Update materials in place (by position): cases' checklists refer to them, so an
        # update of the catalogue must not delete rows that cases point at.
        old = list(item.materials)
        fresh = []
        for n, m in enumerate(it["materials"], start=1):
            mat = old[n - 1] if n <= len(old) else Material()
            for key, value in _material_values(m, n).items():
                setattr(mat, key, value)
            fresh.append(mat)
        dropped = [m.id for m in old[len(fresh):]]
        if dropped:  # a case keeps its copied material name; only the link goes
            session.execute(update(CaseMaterial).where(CaseMaterial.material_id.in_(dropped)).values(material_id=None))
        item.materials = fresh
        session.add(item)
    session.flush()
    if data.get("certificate_templates"):
        from hallclient.certificates.templates import load_templates

        load_templates(session, data["certificate_templates"])
    return len(data.get("items", []))


def _item_values(it: dict[str, Any], department_id: int) -> dict[str, Any]:
    return {
        "name": it["name"], "department_id": department_id, "case_type": it["case_type"],
        "legal_limit_days": int(it["legal"]), "promised_limit_days": int(it["promised"]),
        "queue_category": it.get("queue", "A"), "fee_rules": it.get("fees", []),
        "certificate_template": it.get("certificate"), "legal_basis": it.get("legal_basis", ""),
        "pinyin_initials": pinyin_initials(it["name"]), "active": it.get("active", True), "updated_at": utcnow(),
    }


def _material_values(m: dict[str, Any], seq: int) -> dict[str, Any]:
    return {
        "seq": seq, "name": m["name"], "required": m.get("required", True),
        "original_count": m.get("original", 1), "copy_count": m.get("copy", 0),
        "medium": m.get("medium", "paper"), "gap_allowed": m.get("gap", False),
        "e_licence_type": m.get("e_licence"), "source": m.get("source", ""), "notes": m.get("notes", ""),
    }


def _insert_new_items(session: Session, items: list[dict[str, Any]], depts: dict[str, Department]) -> None:
    """Items the store does not have yet, with their materials, as bulk INSERTs: a new device
    pulls thousands of them, and the unit of work's per-object bookkeeping was most of that
    time (benchmarks/sync.py, catalogue pull)."""
    rows = [{"code": it["code"], **_item_values(it, depts[it["department"]].id)} for it in items]
    ids = session.scalars(insert(ServiceItem).returning(ServiceItem.id, sort_by_parameter_order=True), rows).all()
    materials = [
        {"item_id": item_id, **_material_values(m, n)}
        for item_id, it in zip(ids, items)
        for n, m in enumerate(it["materials"], start=1)
    ]
    if materials:
        session.execute(insert(Material), materials)


@dataclass(frozen=True)
class ItemHit:
    id: int
    code: str
    name: str
    department: str
    case_type: str


def search_items(session: Session, query: str, department_code: str | None = None, limit: int = 50) -> list[ItemHit]:
    """Items whose name or code contains `query`, or whose pinyin initials start with or contain
    it; name-prefix and initials-prefix matches first."""
    q = query.strip().lower()
    stmt = select(ServiceItem, Department).join(Department).where(ServiceItem.active.is_(True))
    if department_code:
        stmt = stmt.where(Department.code == department_code)
    hits = []
    for item, dept in session.execute(stmt):
        if not q:
            rank = 3
        elif item.name.startswith(query.strip()) or item.pinyin_initials.startswith(q) or item.code.lower() == q:
            rank = 0
        elif query.strip() in item.name or q in item.code.lower():
            rank = 1
        elif q in item.pinyin_initials:
            rank = 2
        else:
            continue
        hits.append((rank, item.code, ItemHit(item.id, item.code, item.name, dept.name, item.case_type)))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [h[2] for h in hits[:limit]]
