"""What the supervisor's page and the daily report read: one call, one read-only transaction.

`load_day` returns everything of a period as plain data (cases, figures, warnings,
exceptions, 差评 with their follow-ups, freshness); the page filters the cases in memory
(`filter_cases`), so changing a filter never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient import collector
from hallclient.errors import ValidationFailed
from hallclient.models import CaseType, Department, ServiceItem, SyncCursor, User, utcnow
from hallclient.permissions import Action, Actor, require
from hallclient.queue.model import HALL_TZ
from hallclient.supervision import figures as fig
from hallclient.supervision import followups, records, warnings
from hallclient.supervision.readonly import reading  # noqa: F401 - the page and the report read through it
from hallclient.supervision.tables import HallCase, HallEvent, HallQueueEvent
from hallclient.workcalendar import WorkCalendar

QUEUE_CURSOR_STREAM = "hall_queue"  # sync_cursor row of the queue service's log (time of the last pull)


def hall_time(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time as the hall's clock shows it (the hall's day and hours are China time)."""
    return "" if t is None else t.astimezone(HALL_TZ).strftime(fmt)


@dataclass(slots=True)  # plain data; not frozen: 3,000 frozen inits cost a tenth of the page's opening
class CaseRow:
    case_id: str
    case_no: str
    day: date | None
    window_code: str
    clerk: str
    item_code: str
    item_name: str
    department: str
    case_type: str
    case_type_name: str
    state: str
    state_label: str
    # The applicant's name as the store keeps it (encrypted personal data) until first read:
    # a page shows a screenful of a day's thousands, so only those are decrypted (and the
    # rest when a search or the report needs them). `applicant_name` is what to use.
    name_kept: str = field(repr=False, compare=False)
    applicant_id_masked: str
    received_at: datetime | None
    promised_date: date | None
    outcome_reason: str
    broken: str
    warning: str = ""  # highest warning level of the case, "" none
    clerk_name: str = ""  # display name of the clerk (user list of the hall)
    promised_note: str = ""  # "暂定", or "原暂定 YYYY-MM-DD" once a provisional date moved
    unseal: Callable[[str], str] | None = field(default=None, repr=False, compare=False)  # None: name_kept is plain

    @property
    def applicant_name(self) -> str:
        if self.unseal is not None:
            self.name_kept, self.unseal = self.unseal(self.name_kept), None
        return self.name_kept

    @property
    def hour(self) -> int | None:
        return self.received_at.astimezone(HALL_TZ).hour if self.received_at else None


@dataclass(frozen=True)
class CaseFilter:
    window: str = ""
    clerk: str = ""
    item_code: str = ""
    department: str = ""
    state: str = ""
    case_type: str = ""
    hour_from: int | None = None  # hall-local hour of reception, inclusive
    hour_to: int | None = None  # exclusive
    text: str = ""  # case number, name, masked ID, item name or code
    warning_only: bool = False


def filter_cases(rows: list[CaseRow], f: CaseFilter) -> list[CaseRow]:
    t = f.text.strip().lower()
    out = []
    for r in rows:
        if (f.window and r.window_code != f.window) or (f.clerk and r.clerk != f.clerk) \
                or (f.item_code and r.item_code != f.item_code) or (f.department and r.department != f.department) \
                or (f.state and r.state != f.state) or (f.case_type and r.case_type != f.case_type) \
                or (f.warning_only and not r.warning):
            continue
        if f.hour_from is not None or f.hour_to is not None:
            h = r.hour
            if h is None or (f.hour_from is not None and h < f.hour_from) or (f.hour_to is not None and h >= f.hour_to):
                continue
        if t and not (t in r.case_no.lower() or t in r.applicant_name.lower() or t in r.applicant_id_masked.lower()
                      or t in r.item_name.lower() or t in r.item_code.lower()):
            continue
        out.append(r)
    return out


@dataclass(frozen=True)
class ExceptionRow:
    kind: str  # refusal | unresolved | reversal | reprint | spoiled | bad_rating | broken
    kind_label: str
    at: datetime | None
    window_code: str
    clerk: str
    case_id: str | None
    case_no: str
    text: str
    rating_id: str | None = None


@dataclass(frozen=True)
class BadRating:
    rating: records.RatingRow
    case_no: str
    follow_up: followups.FollowUpView | None

    @property
    def status_label(self) -> str:
        return self.follow_up.status_label if self.follow_up else followups.STATUS_LABELS["open"]


@dataclass(frozen=True)
class Freshness:
    hall_synced_at: datetime | None
    queue_synced_at: datetime | None
    last_case_at: datetime | None
    denied: str = ""  # the central server's reason for sending this PC no hall data

    def text(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if self.denied:
            return self.denied
        if self.hall_synced_at is None:
            return "大厅数据尚未同步：请连接网络后在“同步”菜单中立即同步"
        mins = int((now - self.hall_synced_at).total_seconds() // 60)
        ago = "刚刚" if mins < 1 else (f"{mins} 分钟前" if mins < 120 else f"{mins // 60} 小时前")
        q = "" if self.queue_synced_at is None else f"；排队数据 {hall_time(self.queue_synced_at, '%m-%d %H:%M')}"
        return f"大厅数据更新于 {hall_time(self.hall_synced_at, '%m-%d %H:%M')}（{ago}）{q}"


@dataclass(frozen=True)
class HallDay:
    period: fig.Period
    today: date
    cases: list[CaseRow]
    figures: fig.Figures
    warnings: list[warnings.Warning]
    exceptions: list[ExceptionRow]
    bad_ratings: list[BadRating]
    freshness: Freshness
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # filter choices: key -> [(value, label)]

    @property
    def empty_message(self) -> str:
        if not self.figures.empty:
            return ""
        if self.freshness.hall_synced_at is None:
            return "本机还没有大厅数据：请连接中心服务器同步一次（同步 → 立即同步），之后断网也能查看"
        return f"{self.period.label} 没有大厅数据（没有取号、办件和评价）。请换一个日期，或同步后再看"


def _freshness(s: Session) -> Freshness:
    from hallclient.syncstate import SyncState

    cur = {c.stream: c.updated_at for c in s.scalars(select(SyncCursor).where(SyncCursor.stream.in_(("hall_day", QUEUE_CURSOR_STREAM))))}
    st = s.get(SyncState, 1)
    # The cursor moves only when something new came; the last successful cycle is what says
    # how fresh the copy is, once this PC has pulled the hall's stream at all.
    hall = max(filter(None, [cur.get("hall_day"), st.last_success_at if st and "hall_day" in cur else None]), default=None)
    from hallclient import settings
    from hallclient.supervision.config import HALL_DAY_DENIED

    return Freshness(hall, cur.get(QUEUE_CURSOR_STREAM), s.scalar(select(func.max(HallCase.updated_at))),
                     settings.get(s, HALL_DAY_DENIED))


def _catalogue(s: Session):
    items = {code: (name, dept) for code, name, dept in s.execute(
        select(ServiceItem.code, ServiceItem.name, Department.name).join(Department, ServiceItem.department_id == Department.id))}
    types = dict(s.execute(select(CaseType.key, CaseType.name)).all())
    item_types = dict(s.execute(select(ServiceItem.code, ServiceItem.case_type)).all())
    return items, types, item_types


def load_day(s: Session, actor: Actor, first: date, last: date | None = None, *, today: date | None = None,
             calendar: WorkCalendar | None = None) -> HallDay:
    """Everything the page shows for the hall-local days first..last (refused for a clerk)."""
    require(actor, Action.SUPERVISE)
    with collector.held_off():  # tens of thousands of rows that all stay: walked once, afterwards
        return _load_day(s, actor, first, last, today=today, calendar=calendar)


def _load_day(s: Session, actor: Actor, first: date, last: date | None, *, today: date | None,
              calendar: WorkCalendar | None) -> HallDay:
    p = fig.period(first, last)
    today = today or datetime.now(HALL_TZ).date()
    cal = calendar or WorkCalendar.from_session(s)
    items, types, item_types = _catalogue(s)
    # Warnings are of the hall as it stands today, whatever the period looked at.
    ws = warnings.case_warnings(s, today, cal)
    worst: dict[str, str] = {}
    for w in ws:
        if w.case_id and (w.case_id not in worst or warnings.LEVEL_ORDER[w.level] < warnings.LEVEL_ORDER[worst[w.case_id]]):
            worst[w.case_id] = w.level
    people = dict(s.execute(select(User.username, User.display_name)).all())
    cases = _case_rows(s, p, items, types, item_types, worst, people)
    others = records.other_records(s, p.start, p.end)
    # The ratings and the tickets of a day are thousands: SQLite counts them, and only the
    # 差评 and the calls, ends and 过号 (which the waiting and handling times need) are rows here.
    figures = fig.compute_parts(p, fig.Targets.from_session(s), fig.queue_turns(s, p), fig.tickets_issued(s, p),
                                [c.state for c in cases], records.rating_levels(s, p.start, p.end), others)
    bad = records.ratings(s, p.start, p.end, bad_only=True)
    # Follow-up warnings too are of today: every 差评 of any day not yet closed.
    ws = warnings.sort_warnings(ws + warnings.follow_up_warnings(s, today, records.ratings(s, None, None, bad_only=True), cal))
    levels: dict[str, int] = {}
    for w in ws:
        levels[w.level] = levels.get(w.level, 0) + 1
    object.__setattr__(figures, "warnings_by_level", levels)
    case_nos = {c.case_id: c.case_no for c in cases}
    missing = {r.case_id for r in bad + others if r.case_id and r.case_id not in case_nos}
    if missing:
        case_nos.update({cid: no or "" for cid, no in s.execute(select(HallCase.case_id, HallCase.case_no).where(HallCase.case_id.in_(missing)))})
    fus = followups.follow_ups(s, [r.id for r in bad])
    bad_rows = [BadRating(r, case_nos.get(r.case_id or "", ""), fus.get(r.id)) for r in bad]
    exceptions = _exceptions(cases, others, bad_rows, case_nos)
    options = {
        "window": [(w, f"{w}号窗口") for w in sorted({c.window_code for c in cases if c.window_code})],
        "clerk": [(k, people.get(k, k)) for k in sorted({c.clerk for c in cases if c.clerk})],
        "item": sorted({(c.item_code, c.item_name) for c in cases if c.item_code}, key=lambda x: x[1]),
        "department": [(d, d) for d in sorted({c.department for c in cases if c.department})],
        "state": [(k, fig.OUTCOME_LABELS.get(k, k)) for k in sorted({c.state for c in cases})],
        "case_type": sorted({(c.case_type, c.case_type_name) for c in cases if c.case_type}),
    }
    return HallDay(p, today, cases, figures, ws, exceptions, bad_rows, _freshness(s), options)


def _case_rows(s: Session, p: fig.Period, items: dict, types: dict, item_types: dict, worst: dict[str, str],
               people: dict) -> list[CaseRow]:
    """The period's cases. Plain SQL (3,000 rows through the ORM's type processing took a
    fifth of a second), each row made once; the applicant's name still goes through its
    column type, which is where personal data is decrypted, when it is first read."""
    name_of = HallCase.__table__.c.applicant_name.type.process_result_value
    dialect = s.get_bind().dialect

    def unseal(kept: str | None) -> str:
        return name_of(kept, dialect) or ""

    rows = fig.raw_rows(s,
        "SELECT case_id, case_no, day, window_code, clerk, item_code, case_type, state, applicant_name, applicant_id_masked, "
        "received_at, promised_date, outcome_reason, broken, promised_provisional, promised_moved_from "
        "FROM hall_case WHERE day >= ? AND day <= ? ORDER BY received_at",
        (p.first.isoformat(), p.last.isoformat()))
    day, utc, labels = date.fromisoformat, fig._utc, fig.OUTCOME_LABELS
    out = []
    for (case_id, case_no, d, window, clerk, item, ctype, state, name, masked, received, promised, reason, broken,
         provisional, moved_from) in rows:
        item_name, dept = items.get(item, (item or "（未知事项）", ""))
        ct = ctype or item_types.get(item, "")
        out.append(CaseRow(case_id, case_no or "", day(d) if d else None, window, clerk, item, item_name, dept, ct, types.get(ct, ct),
                           state, labels.get(state, state), name, masked, utc(received),
                           day(promised) if promised else None, reason or "", broken or "", worst.get(case_id, ""),
                           people.get(clerk, clerk), "暂定" if provisional else (f"原暂定 {moved_from}" if moved_from else ""),
                           unseal))
    if out:
        out[0].applicant_name  # noqa: B018 - a store whose key does not open its names fails here, not when painted
    return out


def load_report(s: Session, actor: Actor, first: date, last: date | None = None, *, today: date | None = None) -> HallDay:
    """The daily report's data: the page's data, for those who may export it."""
    require(actor, Action.EXPORT_REPORT)
    return load_day(s, actor, first, last, today=today)


_EXC_LABELS = {"refusal": "不予受理", "unresolved": "办不成事", "reversal": "收费冲红/作废", "reprint": "补打",
               "spoiled": "证照作废", "bad_rating": "差评", "broken": "记录不完整"}


def _exceptions(cases: list[CaseRow], others: list[records.RecordRow], bad: list[BadRating], case_nos: dict) -> list[ExceptionRow]:
    out: list[ExceptionRow] = []

    def add(kind, at, window, clerk, case_id, text, rating_id=None):
        out.append(ExceptionRow(kind, _EXC_LABELS[kind], at, window, clerk, case_id, case_nos.get(case_id or "", ""), text, rating_id))

    for c in cases:
        if c.state == "refused":
            add("refusal", c.received_at, c.window_code, c.clerk, c.case_id, f"{c.item_name}：{c.outcome_reason}")
        if c.broken:
            add("broken", c.received_at, c.window_code, c.clerk, c.case_id, c.broken)
    for r in others:
        if r.kind == "unresolved":
            add("unresolved", r.at, r.window_code, r.clerk, r.case_id, r.reason)
        elif records.is_reversal(r.kind):
            add("reversal", r.at, r.window_code, r.clerk, r.case_id, f"{r.kind} ￥{abs(r.amount_fen) / 100:,.2f} {r.reason}".strip())
        elif records.is_spoiled(r):
            add("spoiled", r.at, r.window_code, r.clerk, r.case_id, r.reason or "证照作废")
        elif r.reprint:
            add("reprint", r.at, r.window_code, r.clerk, r.case_id, r.reason or r.kind)
    for b in bad:
        r = b.rating
        why = "、".join(r.reasons) + (f"；{r.comment}" if r.comment else "")
        add("bad_rating", r.at, r.window_code, r.clerk, r.case_id, f"{fig.LEVEL_LABELS[r.level]}：{why}（{b.status_label}）", r.id)
    out.sort(key=lambda e: (e.at or datetime.min.replace(tzinfo=HALL_TZ)))
    return out


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    type: str
    label: str
    state: str
    actor: str
    window_code: str
    detail: str


_EVENT_LABELS = {"created": "开始受理", "agent_set": "登记代办人", "accepted": "受理", "completed": "当场办结",
                 "supplement_requested": "一次性告知补正", "resumed": "补正后继续办理", "refused": "不予受理",
                 "withdrawn": "撤回", "unresolved_recorded": "登记办不成事", "decision": "审批结果",
                 "fee_notice_issued": "开具缴款通知", "fee_paid": "收费", "fee_reversed": "收费冲红", "fee_e_receipt": "开具电子票据",
                 "fee_paper_receipt": "开具纸质票据", "fee_paper_receipt_voided": "纸质票据作废", "certificate_issued": "制证",
                 "certificate_printed": "打印证照", "certificate_reprinted": "补打证照", "certificate_spoiled": "证照作废",
                 "handed_over": "出件", "due_date_settled": "暂定日期确定"}


@dataclass(frozen=True)
class CaseDetail:
    row: CaseRow
    legal_due_date: date | None
    supplement_deadline: date | None
    gaps: list[dict]
    legal_basis: str
    timeline: list[TimelineEntry]
    reviews: list[followups.ReviewView]
    ratings: list[records.RatingRow]


def case_detail(s: Session, actor: Actor, case_id: str, day: HallDay | None = None) -> CaseDetail:
    require(actor, Action.SUPERVISE)
    c = s.get(HallCase, case_id)
    if c is None:
        raise ValidationFailed("本机没有这个办件的记录，请同步后再试")
    row = next((r for r in (day.cases if day else []) if r.case_id == case_id), None)
    if row is None:
        items, types, item_types = _catalogue(s)
        name, dept = items.get(c.item_code, (c.item_code, ""))
        ct = c.case_type or item_types.get(c.item_code, "")
        row = CaseRow(c.case_id, c.case_no or "", c.day, c.window_code, c.clerk, c.item_code, name, dept, ct, types.get(ct, ct),
                      c.state, fig.OUTCOME_LABELS.get(c.state, c.state), c.applicant_name, c.applicant_id_masked,
                      c.received_at, c.promised_date, c.outcome_reason, c.broken,
                      promised_note="暂定" if c.promised_provisional else (f"原暂定 {c.promised_moved_from}" if c.promised_moved_from else ""))
    timeline = []
    for e in s.scalars(select(HallEvent).where(HallEvent.case_id == case_id).order_by(HallEvent.at, HallEvent.uuid)):
        d = e.data or {}
        detail = d.get("reason") or d.get("deadline") and f"补正期限 {d['deadline']}" or d.get("promised_date") and f"承诺 {d['promised_date']}" or ""
        if e.type == "due_date_settled":
            detail = f"{'承诺办结' if d.get('field') == 'promised' else '法定期限'} {d.get('provisional')} → {d.get('final')}"
        if isinstance(d.get("amount_fen"), int):
            detail = f"￥{d['amount_fen'] / 100:,.2f} {d.get('channel') or d.get('method') or ''} {detail}".strip()
        timeline.append(TimelineEntry(e.at, e.type, _EVENT_LABELS.get(e.type, e.type), fig.OUTCOME_LABELS.get(e.state, e.state),
                                      e.actor, e.window_code, str(detail)))
    rts = records.ratings_of_case(s, case_id)
    return CaseDetail(row, c.legal_due_date, c.supplement_deadline, list(c.gaps or []), c.legal_basis, timeline,
                      followups.reviews_of(s, case_id), rts)
