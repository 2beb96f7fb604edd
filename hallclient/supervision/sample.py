"""A synthetic hall day, for the benchmark, the screenshots and trying the page in the demo.

It produces exactly what a supervisor's PC receives — `hall_day` stream rows and queue
service events — and applies them through the same fold as real sync (mirror.py).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.errors import CalendarMissing
from hallclient.models import ServiceItem, User, Window
from hallclient.queue.model import HALL_TZ
from hallclient.supervision.mirror import apply_hall_records, apply_queue_events, queue_cursor
from hallclient.workcalendar import WorkCalendar

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "晓东", "䶮"]
_BAD = ("等候时间太长", "办事效率低", "服务态度差", "一次性告知不清楚", "材料要求繁琐")


def _iso(t: datetime) -> str:
    return t.isoformat()


def make_day(s: Session, day: date, *, cases: int = 3000, tickets: int = 5000, ratings: int = 2500, seed: int = 7,
             seq_start: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(hall_day rows, queue events) of a busy day at the hall's windows and catalogue."""
    rnd = random.Random(seed)
    items = s.execute(select(ServiceItem.code, ServiceItem.case_type, ServiceItem.promised_limit_days, ServiceItem.queue_category,
                             ServiceItem.legal_basis).where(ServiceItem.active.is_(True))).all()
    windows = [w for w, in s.execute(select(Window.code).where(Window.active.is_(True)).order_by(Window.code))] or ["01"]
    clerks = [u for u, in s.execute(select(User.username).where(User.role == "clerk"))] or ["clerk"]
    clerk_of = {w: clerks[i % len(clerks)] if i < len(clerks) else f"clerk{int(w):02d}" for i, w in enumerate(windows)}
    cal = WorkCalendar.from_session(s)
    opening = datetime.combine(day, datetime.min.time(), HALL_TZ) + timedelta(hours=8, minutes=30)
    rows: list[dict[str, Any]] = []

    def rec(kind: str, payload: dict) -> None:
        rows.append({"key": payload.get("event_uuid") or str(uuid.UUID(int=rnd.getrandbits(128))),
                     "data": {"kind": kind, "payload": payload, "received_at": _iso(opening)}})

    def event(case_id, case_no, typ, state, at, win, clerk, inner):
        rec("case.event", {"event_uuid": str(uuid.UUID(int=rnd.getrandbits(128))), "case_id": case_id, "case_no": case_no,
                           "type": typ, "state": state, "payload": inner, "actor": clerk, "window_code": win, "at": _iso(at)})

    case_ids = []
    for n in range(cases):
        code, ctype, limit, _q, basis = rnd.choice(items)
        win = rnd.choice(windows)
        clerk = clerk_of[win]
        cid = str(uuid.UUID(int=rnd.getrandbits(128)))
        t0 = opening + timedelta(seconds=rnd.randrange(9 * 3600))
        name = rnd.choice(_SURNAMES) + rnd.choice(_GIVEN)
        idno = f"4403{rnd.randrange(10, 99)}19{rnd.randrange(50, 99)}{rnd.randrange(1, 12):02d}{rnd.randrange(1, 28):02d}{rnd.randrange(1000):03d}{rnd.choice('0123456789X')}"
        party = {"kind": "person", "name": name, "id_type": "resident", "id_number": idno, "phone": ""}
        event(cid, None, "created", "draft", t0, win, clerk, {"item_code": code, "ticket_no": f"A{n % 999 + 1:03d}", "applicant": party})
        roll = rnd.random()
        t1 = t0 + timedelta(minutes=rnd.randrange(3, 25))
        if roll < 0.08:
            event(cid, None, "supplement_requested", "supplement", t1, win, clerk,
                  {"materials": [{"name": "身份证明", "reason": "未提交"}], "deadline": (day - timedelta(days=rnd.choice([-7, 3]))).isoformat()})
            continue
        if roll < 0.12:
            event(cid, None, "refused", "refused", t1, win, clerk,
                  {"reason": "不属于本机关职权范围", "redirect_authority": "市市场监督管理局", "legal_basis": basis if rnd.random() < 0.8 else ""})
            continue
        case_no = f"440300001{win}{day:%Y%m%d}{n:05d}"
        try:
            promised = cal.add_working_days(day - timedelta(days=rnd.choice([0, 0, 0, 10, 20])), limit)
        except CalendarMissing:
            promised = day + timedelta(days=limit)
        gaps = [{"name": "房产证明", "status": "gap", "gap_due_date": (day - timedelta(days=rnd.choice([2, -5]))).isoformat()}] \
            if rnd.random() < 0.03 else []
        event(cid, case_no, "accepted", "accepted", t1, win, clerk,
              {"case_no": case_no, "item_code": code, "case_type": ctype, "promised_date": promised.isoformat(),
               "legal_due_date": None, "clock_start": day.isoformat(), "applicant": party, "materials": gaps, "window_code": win})
        if ctype == "immediate":
            event(cid, case_no, "completed", "completed", t1 + timedelta(minutes=2), win, clerk, {"on_the_spot": True})
        case_ids.append((cid, win, clerk, t1))
    for n in range(min(ratings, len(case_ids))):
        cid, win, clerk, t1 = case_ids[n]
        level = rnd.choices([5, 4, 3, 2, 1], [70, 20, 6, 3, 1])[0]
        rid = str(uuid.UUID(int=rnd.getrandbits(128)))
        rows.append({"key": rid, "data": {"kind": "rating", "payload": {
            "rating_id": rid, "case_id": cid, "ticket_no": "", "clerk": clerk, "window_code": win, "level": level,
            "reasons": [rnd.choice(_BAD)] if level <= 2 else [], "comment": "", "source": "pad",
            "at": _iso(t1 + timedelta(minutes=3))}, "received_at": _iso(opening)}})
    for n in range(cases // 50):
        win = rnd.choice(windows)
        rec("unresolved", {"id": str(uuid.UUID(int=rnd.getrandbits(128))), "reason": "系统暂不支持该事项的网上核验",
                           "window_code": win, "clerk": clerk_of[win], "at": _iso(opening + timedelta(seconds=rnd.randrange(9 * 3600)))})
    events: list[dict[str, Any]] = []
    seq = seq_start
    queues = sorted({i.queue_category for i in items}) or ["A"]
    for n in range(tickets):
        q = rnd.choice(queues)
        issued = opening + timedelta(seconds=int(9 * 3600 * n / tickets))
        no = f"{q}{n + 1:03d}"
        events.append({"seq": seq, "type": "issue", "outcome": "ok", "at": _iso(issued), "window": "", "clerk": "", "ticket": no,
                       "queue": q, "issued_at": _iso(issued)})
        seq += 1
        if rnd.random() < 0.05:
            continue  # left before being called
        win = rnd.choice(windows)
        called = issued + timedelta(seconds=rnd.randrange(60, 1500))
        base = {"window": win, "clerk": clerk_of[win], "ticket": no, "queue": q, "issued_at": _iso(issued)}
        events.append({"seq": seq, "type": "call", "outcome": "ok", "at": _iso(called), **base})
        seq += 1
        if rnd.random() < 0.05:
            events.append({"seq": seq, "type": "no_show", "outcome": "ok", "at": _iso(called + timedelta(minutes=2)), **base})
        else:
            events.append({"seq": seq, "type": "end", "outcome": "ok", "at": _iso(called + timedelta(seconds=rnd.randrange(240, 1800))), **base})
        seq += 1
    return rows, events


def load_day(store, day: date, **kw) -> tuple[int, int]:
    """Make a synthetic day and apply it to the store as a pull would (pages of 2,000)."""
    with store.session() as s:
        seq_start = 1 + queue_cursor(s)
        rows, events = make_day(s, day, seq_start=seq_start, **kw)
    for i in range(0, len(rows), 2000):
        with store.session() as s:
            apply_hall_records(s, rows[i:i + 2000])
    for i in range(0, len(events), 2000):
        with store.session() as s:
            apply_queue_events(s, events[i:i + 2000])
    return len(rows), len(events)
