"""Training data (演练数据): realistic accepted cases generated through the intake service.

Each generated case goes the way a clerk's work goes: applicant saved (validated), case
started with the item's checklist, every row checked by the checklist rules, accepted (number,
password, dates, events) and, for 即办件, completed. Cases are marked `training=True`, which
keeps them out of the outbox (caselog skips them) unless `with_outbox` asks for outbox rows
of the same shape, e.g. for the sync benchmark (each payload then carries "training": true).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient.caselog import enqueue
from hallclient.errors import CalendarMissing
from hallclient.intake.applicants import ApplicantInput, save_applicant
from hallclient.intake.cases import Desk, accept, complete_on_the_spot, load_case, start_case
from hallclient.intake.checklist import apply_status
from hallclient.models import CaseEvent, Hall, ServiceItem, User, Window
from hallclient.validation import id_check_char, uscc_check_char, USCC_ALPHABET
from hallclient.workcalendar import WorkCalendar

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强晓东海燕红梅文博子涵浩然欣怡雨萱宇轩"
RARE_NAMES = ("李䶮", "王𠀀", "陈䶮华", "张𠀀明")  # outside GB2312 / outside the BMP
DISTRICTS = ("440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310")
COMPANY_WORDS = ("华信", "鹏程", "前海", "南山", "海岸", "星河", "创新", "智联", "宏达", "安泰")
COMPANY_KINDS = ("科技有限公司", "贸易有限公司", "餐饮管理有限公司", "物流有限公司", "商行")
CASES_PER_WINDOW_DAY = 40


class _MemoCalendar(WorkCalendar):
    """The same answers, remembered: a run asks about the same few weeks thousands of times."""

    def __init__(self, base: WorkCalendar):
        super().__init__(base.overrides)
        self.years = base.years
        self._memo: dict[date, bool] = {}

    def is_workday(self, day: date) -> bool:
        v = self._memo.get(day)
        if v is None:
            v = self._memo[day] = super().is_workday(day)
        return v


@dataclass(frozen=True)
class GenerateResult:
    cases: int
    first_case_no: str
    last_case_no: str
    outbox_rows: int
    days: int


def _person(rng: random.Random) -> ApplicantInput:
    region = rng.choice(DISTRICTS)
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    name = rng.choice(RARE_NAMES) if rng.random() < 0.02 else rng.choice(SURNAMES) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return ApplicantInput("person", name, first17 + id_check_char(first17), phone=phone,
                          address=f"广东省深圳市某区某街道{rng.randrange(1, 300)}号")


def _organisation(rng: random.Random) -> ApplicantInput:
    body = "91" + rng.choice(DISTRICTS) + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    rep = _person(rng)
    return ApplicantInput("organisation", "深圳市" + rng.choice(COMPANY_WORDS) + rng.choice(COMPANY_KINDS),
                          body + uscc_check_char(body), legal_rep_name=rep.name, legal_rep_id_number=rep.id_number)


def _working_days(cal: WorkCalendar, last: date, count: int, reach: int) -> list[date]:
    """`count` working days ending at or before `last` from whose next days `reach` working
    days are still inside the known calendar (so every promised date can be computed)."""
    d = last
    while True:
        try:
            cal.add_working_days(d, reach)
            break
        except CalendarMissing:
            d -= timedelta(days=7)
    days: list[date] = []
    while len(days) < count:
        if cal.is_workday(d):
            days.append(d)
        d -= timedelta(days=1)
    return sorted(days)


def training_prerequisites(session: Session) -> str | None:
    """What the store lacks for training cases (in Chinese), or None: training cases use the
    hall's windows and its catalogue, which a new installation gets from the central server."""
    if session.scalars(select(Hall)).first() is None or not session.scalars(select(Window.id)).first():
        return "本数据目录还没有大厅和窗口：请先启动窗口客户端或同步，或在 hallclient demo 的数据目录中生成演练数据。"
    if not session.scalars(select(ServiceItem.id).where(ServiceItem.active.is_(True))).first():
        return "本数据目录还没有事项目录：请先同步中心服务器（hallclient sync），或在 hallclient demo 的数据目录中生成演练数据。"
    return None


def generate(session_factory, n: int, *, seed: int = 1, with_outbox: bool = False, batch: int = 500,
             today: date | None = None, progress=None) -> GenerateResult:
    """Fill the store with `n` accepted training cases; `session_factory()` gives a unit of
    work (Store.session). Commits every `batch` cases so a huge run keeps memory flat."""
    rng = random.Random(seed)
    with session_factory() as s:
        hall = s.scalars(select(Hall)).first()
        windows = [(w.id, w.code) for w in s.scalars(select(Window).where(Window.active.is_(True)).order_by(Window.code))]
        clerks = [u.id for u in s.scalars(select(User).where(User.role == "clerk", User.active.is_(True)))] or [None]
        items = [(i.id, i.case_type, i.promised_limit_days) for i in s.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)))]
        cal = _MemoCalendar(WorkCalendar.from_session(s))
        max_promised = max(p for _, _, p in items)
    per_day = max(1, len(windows) * CASES_PER_WINDOW_DAY)
    n_days = max(1, -(-n // per_day))
    days = _working_days(cal, today or date.today(), n_days, max_promised)
    first = last = ""
    outbox = 0
    done = 0
    while done < n:
        with session_factory() as s:
            batch_ids = []
            todo = range(done, min(n, done + batch))
            # Applicants first (each needs its id), then the cases: these are flushed together
            # at commit, so the ORM inserts them in batches.
            # Applicants are registered on the day of their case (at opening time: the
            # minute of the case is drawn below, in the order earlier versions drew it).
            opening = [datetime.combine(days[min(k // per_day, len(days) - 1)], time(9)).astimezone()
                       .astimezone(timezone.utc) for k in todo]
            parties = [_parties(s, rng, at) for at in opening]
            for k, (applicant, agent) in zip(todo, parties):
                day = days[min(k // per_day, len(days) - 1)]
                wid, wcode = windows[k % len(windows)]
                desk = Desk(rng.choice(clerks), wid, wcode, hall.code)
                minutes = 9 * 60 + (k // len(windows)) % CASES_PER_WINDOW_DAY * 10 + rng.randrange(8)
                now = datetime.combine(day, time(minutes // 60 % 24, minutes % 60)).astimezone().astimezone(timezone.utc)
                cid, no = _one_case(s, rng, desk, items, cal, now, applicant, agent)
                batch_ids.append(cid)
                first = first or no
                last = no
            if with_outbox:
                outbox += _mirror_outbox(s, batch_ids)
            done += len(batch_ids)
        if progress:
            progress(done, n)
    return GenerateResult(done, first, last, outbox, len(days))


def _parties(s: Session, rng: random.Random, now: datetime) -> tuple[int, int | None]:
    applicant = save_applicant(s, _organisation(rng) if rng.random() < 0.12 else _person(rng), now=now)
    agent = save_applicant(s, _person(rng), now=now) if rng.random() < 0.08 else None
    return applicant, agent


def _one_case(s: Session, rng: random.Random, desk: Desk, items, cal: WorkCalendar, now: datetime,
              applicant: int, agent: int | None) -> tuple[str, str]:
    item_id, case_type, _ = rng.choice(items)
    cid = start_case(s, desk, item_id, applicant, agent_id=agent, training=True, now=now,
                     ticket_no=f"A{rng.randrange(1, 400):03d}")
    today = now.astimezone().date()
    case = load_case(s, cid)
    catalogue = {m.id: m for m in s.get(ServiceItem, item_id).materials}
    for row in case.materials:
        m = catalogue.get(row.material_id)
        r = rng.random()
        if not row.required and r < 0.5:
            apply_status(s, row, "not_applicable", today=today)
        elif m is not None and m.e_licence_type and r < 0.3:
            apply_status(s, row, "exempt", today=today, e_licence_no=f"DZZZ-{rng.randrange(10**8):08d}")
        elif m is not None and m.gap_allowed and r < 0.15:
            apply_status(s, row, "gap", today=today, gap_due_date=cal.add_working_days(today, 5))
        else:
            apply_status(s, row, "received", today=today)
    result = accept(s, cid, desk, now=now, calendar=cal)
    if case_type == "immediate":
        complete_on_the_spot(s, cid, desk, now=now + timedelta(minutes=3))
    return cid, result.case_no


def _mirror_outbox(s: Session, case_ids: list[str]) -> int:
    """The outbox rows caselog would have written for these cases had they not been training."""
    s.flush()
    rows = s.execute(
        select(CaseEvent, CaseEvent.case_id).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.seq)
    ).all()
    from hallclient.models import Case

    cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(case_ids)))}
    for ev, cid in rows:
        c = cases[cid]
        enqueue(s, "case.event", {
            "event_uuid": ev.uuid, "case_id": cid, "case_no": c.case_no, "type": ev.type, "state": c.state,
            "payload": ev.payload, "actor_id": ev.actor_id, "at": ev.at.isoformat(), "training": True,
        }, uuid=ev.uuid, now=ev.at)
    return len(rows)
