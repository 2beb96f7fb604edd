"""Queued work for fault drills and benchmarks: accepted cases, as a clerk's work leaves them
in the local store (case, materials, event log and outbox rows in one transaction each).

The real intake screens write the same shapes through hallclient.caselog; the cases made here
carry `"drill": true` in their event payload and a case number starting with "DRILL".
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hallclient.caselog import record_event
from hallclient.db import Store
from hallclient.models import Applicant, Case, CaseMaterial, ServiceItem, User, Window, new_uuid, utcnow
from hallclient.personal import id_lookup_key
from hallclient.validation import id_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["晓敏", "建国", "丽华", "志强", "海燕", "伟", "芳", "䶮", "秀英", "俊杰"]


def _resident_id(rng: random.Random) -> str:
    first17 = f"440305{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + id_check_char(first17)


def queue_cases(store: Store, n: int, per_transaction: int = 1, seed: int = 7, prefix: str = "DRILL") -> list[str]:
    """Create `n` accepted cases with materials, an "accepted" event and its outbox row.

    `per_transaction` groups cases per commit (1 is what a clerk does; benchmarks group to
    set up faster). Returns the case numbers."""
    rng = random.Random(seed)
    with store.read() as s:
        items = s.scalars(select(ServiceItem).options(selectinload(ServiceItem.materials)).where(ServiceItem.active.is_(True))).all()
        item_data = [(i.id, i.code, i.case_type, i.promised_limit_days, [(m.id, m.seq, m.name, m.required, m.original_count, m.copy_count) for m in i.materials]) for i in items]
        window_id = s.scalar(select(Window.id).order_by(Window.id))
        clerk_id = s.scalar(select(User.id).where(User.role == "clerk").order_by(User.id))
        offset = s.scalar(select(func.count()).select_from(Case)) or 0
    if not item_data:
        raise RuntimeError("the store has no catalogue: open it with seed=True or pull the catalogue first")
    numbers = []
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    done = 0
    while done < n:
        with store.write() as s:
            for _ in range(min(per_transaction, n - done)):
                done += 1
                item_id, item_code, case_type, promised, materials = rng.choice(item_data)
                id_no = _resident_id(rng)
                app = Applicant(
                    kind="person",
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_type="resident",
                    id_number=id_no,
                    id_key=id_lookup_key(id_no),
                    phone=f"13{rng.randint(100000000, 999999999)}",
                )
                s.add(app)
                s.flush()
                now = utcnow()
                case_no = f"{prefix}{stamp}{offset + done:07d}"
                case = Case(
                    id=new_uuid(),
                    case_no=case_no,
                    item_id=item_id,
                    applicant_id=app.id,
                    window_id=window_id,
                    clerk_id=clerk_id,
                    state="accepted",
                    case_type=case_type,
                    query_password=f"{rng.randint(0, 999999):06d}",
                    received_at=now,
                    accepted_at=now,
                    clock_start=now.date(),
                    promised_date=(now + timedelta(days=promised * 7 // 5)).date(),
                )
                s.add(case)
                for mid, seq, name, required, orig, copies in materials:
                    s.add(
                        CaseMaterial(
                            case=case, material_id=mid, seq=seq, name=name, required=required, status="received",
                            original_expected=orig, copies_expected=copies, original_received=orig, copies_received=copies,
                        )
                    )
                s.flush()
                record_event(
                    s,
                    case,
                    "accepted",
                    {
                        "item_code": item_code,
                        "case_type": case_type,
                        "window_id": window_id,
                        "promised_date": case.promised_date.isoformat(),
                        "materials": [{"seq": m[1], "name": m[2], "status": "received"} for m in materials],
                        "drill": True,
                    },
                    actor_id=clerk_id,
                )
                numbers.append(case_no)
    return numbers
