"""电子监察: warnings of the hall's open cases and of the supervisor's own follow-ups.

Promised dates (DOMAIN.md §4, §12), counted in working days with the hall's calendar
(weekends, holidays and adjusted working weekends, hallclient.workcalendar):

- 黄牌 (yellow): the promised date is at most N working days away (hall setting, N ≥ 2);
- 提示 (notice): the promised date is the next working day, or today — the last call before
  the limit, shown above yellow;
- 红牌 (red): the promised date has passed.

Also red: 补正 deadlines passed, 容缺 materials not delivered by their promised date,
refusals without a legal basis, 整改 of a 差评 past its deadline; yellow: a 差评 not called
back (回访) within its working days, a supervisor's follow-up flag past its deadline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallclient import settings
from hallclient.errors import CalendarMissing
from hallclient.queue.model import HALL_TZ
from hallclient.supervision import config
from hallclient.supervision.fastcal import SpanCalendar
from hallclient.supervision.records import RatingRow
from hallclient.supervision.tables import CaseReview, HallCase, RatingFollowUp
from hallclient.workcalendar import WorkCalendar

RED, NOTICE, YELLOW = "red", "notice", "yellow"
LEVEL_LABELS = {RED: "红牌", NOTICE: "提示", YELLOW: "黄牌"}
LEVEL_ORDER = {RED: 0, NOTICE: 1, YELLOW: 2}
OPEN_STATES = ("accepted", "approved")  # accepted, the certificate not yet handed over / closed
_OVERDUE_STATES = ("accepted",)  # decided cases (completed, approved, denied…) are not overdue


@dataclass(frozen=True)
class Warning:
    level: str
    kind: str  # promised | supplement | gap | refusal_basis | rating_callback | rating_fix | review_flag | calendar
    text: str
    case_id: str | None = None
    case_no: str = ""
    window_code: str = ""
    clerk: str = ""
    due: date | None = None
    rating_id: str | None = None

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


def promised_level(cal: WorkCalendar, today: date, promised: date, yellow_days: int) -> tuple[str | None, int]:
    """The level of a promised date seen `today`, and the working days left (negative:
    working days overdue)."""
    if promised < today:
        return RED, -cal.working_days_between(promised, today)
    left = cal.working_days_between(today, promised)
    if left <= 1:
        return NOTICE, left
    if left <= yellow_days:
        return YELLOW, left
    return None, left


def quiet_from(cal: WorkCalendar, today: date, yellow_days: int) -> date | None:
    """The first promised date that is no warning `today`: more than `yellow_days` (and more
    than the one of 提示) working days away. Working days only grow with the date, so every
    later date is quiet too. None when the calendar does not reach that far."""
    try:
        return cal.add_working_days(today, max(yellow_days, 1) + 1)
    except CalendarMissing:
        return None


def case_warnings(s: Session, today: date, cal: WorkCalendar | None = None) -> list[Warning]:
    base = cal or WorkCalendar.from_session(s)
    yellow_days = settings.get(s, config.YELLOW_DAYS)
    out: list[Warning] = []
    missing_years: set[int] = set()
    quiet = quiet_from(base, today, yellow_days)
    # An open hall has many accepted cases due well after the warning window: SQLite leaves
    # them out, and only their distinct promised dates are looked at (a year without its
    # calendar is a warning of its own).
    rows = _open_cases(s, quiet)
    later = _quiet_promised_dates(s, quiet) if quiet else []
    dates = [c.promised_date for c in rows if c.promised_date] + later + [today]
    cal = SpanCalendar(base, min(dates) - timedelta(days=1), max(dates))
    for d in later:
        try:
            cal.working_days_between(today, d)
        except CalendarMissing:
            missing_years.add(d.year)
    for c in rows:
        ref = dict(case_id=c.case_id, case_no=c.case_no or "", window_code=c.window_code, clerk=c.clerk)
        if c.state in _OVERDUE_STATES and c.promised_date:
            try:
                level, left = promised_level(cal, today, c.promised_date, yellow_days)
            except CalendarMissing:
                missing_years.add(c.promised_date.year)
                level = None
            if level == RED:
                late = f"逾期 {-left} 个工作日" if left < 0 else "已过承诺办结日期"
                out.append(Warning(RED, "promised", f"{late}（承诺 {c.promised_date:%Y-%m-%d}）", due=c.promised_date, **ref))
            elif level == NOTICE:
                when = "今日到期" if left == 0 else "下一个工作日到期"
                out.append(Warning(NOTICE, "promised", f"{when}（承诺 {c.promised_date:%Y-%m-%d}）", due=c.promised_date, **ref))
            elif level == YELLOW:
                out.append(Warning(YELLOW, "promised", f"剩余 {left} 个工作日（承诺 {c.promised_date:%Y-%m-%d}）", due=c.promised_date, **ref))
        if c.state == "supplement" and c.supplement_deadline and c.supplement_deadline < today:
            out.append(Warning(RED, "supplement", f"补正期限 {c.supplement_deadline:%Y-%m-%d} 已过，申请人尚未补齐材料",
                               due=c.supplement_deadline, **ref))
        if c.state in OPEN_STATES + ("supplement",):
            for g in c.gaps or []:
                due = _date(g.get("due"))
                if due and due < today and not g.get("supplied"):
                    out.append(Warning(RED, "gap", f"容缺材料“{g.get('name', '')}”承诺 {due:%Y-%m-%d} 前补交，尚未收到", due=due, **ref))
        if c.state == "refused" and not (c.legal_basis or "").strip():
            out.append(Warning(RED, "refusal_basis", "不予受理未写明法律依据", **ref))
        if c.broken:
            out.append(Warning(YELLOW, "broken", f"办件记录不完整：{c.broken}", **ref))
    for year in sorted(missing_years):
        out.append(Warning(YELLOW, "calendar", f"缺少 {year} 年的节假日安排，该年到期的办件无法判断预警等级，请同步中心服务器的日历"))
    return out


@dataclass(frozen=True)
class _OpenCase:
    case_id: str
    case_no: str | None
    window_code: str
    clerk: str
    state: str
    promised_date: date | None
    supplement_deadline: date | None
    gaps: list
    legal_basis: str
    broken: str


# An accepted case that can carry no warning: complete history, no 容缺 material, and no
# promised date or one from the quiet date on.
_QUIET = ("state = 'accepted' AND broken = '' AND (gaps IS NULL OR gaps IN ('[]', 'null')) "
          "AND (promised_date IS NULL OR promised_date >= ?)")


def _open_cases(s: Session, quiet: date | None = None) -> list[_OpenCase]:
    """Cases that can carry a warning (from `quiet` on, accepted cases only if they can for
    another reason). Plain SQL: a hall has thousands of open cases and the ORM's decoding of
    their (mostly empty) JSON columns cost more than the rest."""
    from hallclient.supervision.figures import raw_rows

    day = date.fromisoformat
    sql = ("SELECT case_id, case_no, window_code, clerk, state, promised_date, supplement_deadline, gaps, legal_basis, broken "
           "FROM hall_case WHERE (state IN ('accepted', 'approved', 'supplement', 'refused') OR broken > '')")  # both indexed (0010)
    params: tuple = ()
    if quiet is not None:
        sql += f" AND NOT ({_QUIET})"
        params = (quiet.isoformat(),)
    return [_OpenCase(r[0], r[1], r[2], r[3], r[4], day(r[5]) if r[5] else None, day(r[6]) if r[6] else None,
                      json.loads(r[7]) if r[7] and r[7] != "[]" else [], r[8] or "", r[9] or "")
            for r in raw_rows(s, sql, params)]


def _quiet_promised_dates(s: Session, quiet: date) -> list[date]:
    """The distinct promised dates, from `quiet` on, of the accepted cases `_open_cases` left out."""
    from hallclient.supervision.figures import raw_rows

    return [date.fromisoformat(d) for d, in raw_rows(
        s, "SELECT DISTINCT promised_date FROM hall_case WHERE state = 'accepted' AND promised_date >= ?", (quiet.isoformat(),))]


def follow_up_warnings(s: Session, today: date, bad_ratings: list[RatingRow], cal: WorkCalendar | None = None) -> list[Warning]:
    """差评 not called back in time, 整改 past its deadline, review flags past theirs."""
    cal = cal or WorkCalendar.from_session(s)
    callback_days = settings.get(s, config.CALLBACK_DAYS)
    fus = {f.rating_id: f for f in s.scalars(select(RatingFollowUp).where(RatingFollowUp.rating_id.in_([r.id for r in bad_ratings])))}
    out: list[Warning] = []
    for r in bad_ratings:
        f = fus.get(r.id)
        ref = dict(rating_id=r.id, case_id=r.case_id, window_code=r.window_code, clerk=r.clerk)
        if f is not None and f.status == "closed":
            continue
        if f is None or f.status == "open":
            try:
                due = cal.add_working_days(r.at.astimezone(HALL_TZ).date(), callback_days)
            except CalendarMissing:
                continue
            if due < today:
                out.append(Warning(YELLOW, "rating_callback", f"差评（{r.at.astimezone(HALL_TZ):%m-%d %H:%M}）超过 {callback_days} 个工作日未回访", due=due, **ref))
        elif f.status == "fixing" and f.fix_deadline and f.fix_deadline < today:
            out.append(Warning(RED, "rating_fix", f"差评整改期限 {f.fix_deadline:%Y-%m-%d} 已过，尚未办结", due=f.fix_deadline, **ref))
    for fl in s.scalars(select(CaseReview).where(CaseReview.kind == "flag", CaseReview.done.is_(False), CaseReview.deadline < today)):
        c = s.get(HallCase, fl.case_id)
        out.append(Warning(YELLOW, "review_flag", f"督办“{fl.text}”期限 {fl.deadline:%Y-%m-%d} 已过", case_id=fl.case_id,
                           case_no=(c.case_no or "") if c else "", window_code=c.window_code if c else "",
                           clerk=c.clerk if c else "", due=fl.deadline))
    return out


def sort_warnings(ws: list[Warning]) -> list[Warning]:
    return sorted(ws, key=lambda w: (LEVEL_ORDER[w.level], w.due or date.max, w.case_no))


def _date(v) -> date | None:
    try:
        return date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        return None
