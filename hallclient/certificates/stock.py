"""Blank-stock control (空白证书管理) and the print record of certificates.

Stock is registered in serial ranges per certificate type (template). Each print consumes the
next serial, in order, in the same transaction as the certificate's print event; a spoiled
sheet is recorded 作废 with its reason and never reused; a reprint of a certificate that has
a good sheet needs a reason and a supervisor's on-the-spot authorisation. Nothing counts
sheets separately, so registered = used + spoiled + remaining holds after any crash: a sheet
is either recorded (committed) or its serial is still the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient.caselog import record_event
from hallclient.certificates.issue import ISSUABLE_STATES
from hallclient.certificates.models import Certificate, CertificateTemplate, StockRange, StockSheet
from hallclient.errors import ValidationFailed
from hallclient.models import Case, utcnow
from hallclient.permissions import Action, Actor, Authorisation, require

MAX_RANGE = 100_000


@dataclass(frozen=True)
class StockLine:
    template_key: str
    name: str
    registered: int
    used: int
    spoiled: int
    remaining: int
    next_serial: str | None
    ranges: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return self.registered == self.used + self.spoiled + self.remaining


@dataclass(frozen=True)
class PrintTicket:
    """What a print was recorded as: the sheet to print on."""

    sheet_id: int
    serial: str
    certificate_id: str
    reprint: bool


@dataclass(frozen=True)
class SheetInfo:
    id: int
    serial: str
    status: str
    reprint: bool
    reason: str
    at: datetime


def serial_text(r: StockRange, serial: int) -> str:
    return f"{r.prefix}{serial:0{r.width}d}"


def _template_name(session: Session, key: str) -> str:
    t = session.get(CertificateTemplate, key)
    if t is None:
        raise ValidationFailed(f"证照模板 {key} 不存在")
    return t.name


def register_range(session: Session, actor: Actor, template_key: str, first: int, last: int, *, prefix: str = "",
                   width: int = 7, note: str = "", now: datetime | None = None) -> int:
    """入库: a range of pre-numbered blank stock for one certificate type."""
    require(actor, Action.MANAGE_STOCK)
    name = _template_name(session, template_key)
    if first < 1 or last < first:
        raise ValidationFailed("号段无效：起始号应为正整数，且不大于终止号")
    if last - first + 1 > MAX_RANGE:
        raise ValidationFailed(f"一个号段最多 {MAX_RANGE} 张，请分段登记")
    if len(str(last)) > width:
        raise ValidationFailed(f"终止号 {last} 超过 {width} 位")
    prefix = (prefix or "").strip().upper()
    for r in session.scalars(select(StockRange).where(StockRange.template_key == template_key, StockRange.prefix == prefix)):
        if first <= r.last and r.first <= last:
            raise ValidationFailed(f"“{name}”的号段 {serial_text(r, r.first)}–{serial_text(r, r.last)} 已登记，"
                                   "与本次号段重叠，请核对后重新输入")
    r = StockRange(template_key=template_key, prefix=prefix, first=first, last=last, width=width,
                   registered_by=actor.user_id, at=now or utcnow(), note=note.strip())
    session.add(r)
    session.flush()
    return r.id


def _next_sheet(session: Session, template_key: str) -> tuple[StockRange, int] | None:
    """The range and serial the next print takes: the lowest unused serial of the oldest range."""
    ranges = session.scalars(select(StockRange).where(StockRange.template_key == template_key)
                             .order_by(StockRange.at, StockRange.id)).all()
    if not ranges:
        return None
    top = dict(session.execute(select(StockSheet.range_id, func.max(StockSheet.serial))
                               .where(StockSheet.range_id.in_([r.id for r in ranges])).group_by(StockSheet.range_id)).all())
    for r in ranges:
        nxt = (top.get(r.id) or r.first - 1) + 1
        if nxt <= r.last:
            return r, nxt
    return None


def _take(session: Session, template_key: str, **sheet) -> tuple[StockSheet, StockRange]:
    found = _next_sheet(session, template_key)
    if found is None:
        raise ValidationFailed(f"“{_template_name(session, template_key)}”的空白证书已用完（或尚未登记），"
                               "请值班长登记新的空白证书号段后再打印")
    r, serial = found
    row = StockSheet(range_id=r.id, serial=serial, **sheet)
    session.add(row)
    session.flush()
    return row, r


def _used_sheet(session: Session, certificate_id: str) -> StockSheet | None:
    return session.scalars(select(StockSheet).where(StockSheet.certificate_id == certificate_id,
                                                    StockSheet.status == "used").order_by(StockSheet.id.desc())).first()


def print_certificate(session: Session, actor: Actor, certificate_id: str, *, printer: str = "", reason: str = "",
                      authorisation: Authorisation | None = None, now: datetime | None = None) -> PrintTicket:
    """Record a print of a certificate on the next blank sheet (in the caller's transaction).

    A certificate that already has a good (not spoiled) sheet is a reprint (补打): it needs
    `reason` and a supervisor's `authorisation` of Action.REPRINT_CERTIFICATE."""
    require(actor, Action.PRINT_CERTIFICATE)
    now = now or utcnow()
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise ValidationFailed("证照不存在")
    case = session.get(Case, cert.case_id)
    if cert.status == "handed_over":
        raise ValidationFailed("该证照已出件，不能在此补打；遗失或损坏请按补领（换发）事项办理")
    if case.state not in ISSUABLE_STATES:
        raise ValidationFailed("办件尚未批准，不能打印证照")
    reprint = _used_sheet(session, cert.id) is not None
    reason = (reason or "").strip()
    if reprint:
        if not reason:
            raise ValidationFailed("补打证照：请填写补打原因")
        require(actor, Action.REPRINT_CERTIFICATE, authorisation)
    sheet, r = _take(session, cert.template_key, status="used", certificate_id=cert.id, reprint=reprint,
                     reason=reason or None, authoriser_id=authorisation.authoriser_id if reprint and authorisation else None,
                     user_id=actor.user_id, printer=printer[:120], at=now)
    cert.status = "printed"
    serial = serial_text(r, sheet.serial)
    payload = {"certificate_id": cert.id, "certificate_no": cert.certificate_no, "serial": serial, "printer": printer[:120]}
    if reprint:
        payload.update(reason=reason, authoriser=authorisation.authoriser_username if authorisation else None)
    record_event(session, case, "certificate_reprinted" if reprint else "certificate_printed", payload, actor.user_id)
    return PrintTicket(sheet.id, serial, cert.id, reprint)


def spoil(session: Session, actor: Actor, sheet_id: int, reason: str, now: datetime | None = None) -> None:
    """作废 a printed sheet (misprint, jam, wrong position): kept with its reason, never reused.
    A certificate left without a good sheet can be printed again (not a reprint)."""
    require(actor, Action.SPOIL_CERTIFICATE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("作废：请填写作废原因")
    sheet = session.get(StockSheet, sheet_id)
    if sheet is None:
        raise ValidationFailed("没有这张证书的打印记录")
    if sheet.status == "spoiled":
        raise ValidationFailed("这张证书已经作废")
    cert = session.get(Certificate, sheet.certificate_id) if sheet.certificate_id else None
    if cert is not None and cert.status == "handed_over":
        raise ValidationFailed("该证照已出件，不能作废已交付的证书")
    sheet.status, sheet.reason, sheet.spoiled_at = "spoiled", reason, now or utcnow()
    session.flush()
    if cert is not None:
        if _used_sheet(session, cert.id) is None:
            cert.status = "issued"
        r = session.get(StockRange, sheet.range_id)
        record_event(session, session.get(Case, cert.case_id), "certificate_spoiled",
                     {"certificate_id": cert.id, "serial": serial_text(r, sheet.serial), "reason": reason}, actor.user_id)


def spoil_blank(session: Session, actor: Actor, template_key: str, reason: str, now: datetime | None = None) -> str:
    """作废 the next blank sheet before anything was printed on it (torn, jammed)."""
    require(actor, Action.SPOIL_CERTIFICATE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("作废：请填写作废原因")
    now = now or utcnow()
    sheet, r = _take(session, template_key, status="spoiled", reason=reason, user_id=actor.user_id, at=now, spoiled_at=now)
    return serial_text(r, sheet.serial)


def sheets_of(session: Session, certificate_id: str) -> list[SheetInfo]:
    rows = session.execute(select(StockSheet, StockRange).join(StockRange, StockSheet.range_id == StockRange.id)
                           .where(StockSheet.certificate_id == certificate_id).order_by(StockSheet.id)).all()
    return [SheetInfo(s.id, serial_text(r, s.serial), s.status, s.reprint, s.reason or "", s.at) for s, r in rows]


def stock_report(session: Session) -> list[StockLine]:
    """Per certificate type: registered, used, spoiled, remaining (counted independently:
    remaining is what lies after the last consumed serial of each range)."""
    out = []
    keys = [k for k, in session.execute(select(StockRange.template_key).distinct().order_by(StockRange.template_key))]
    for key in keys:
        ranges = session.scalars(select(StockRange).where(StockRange.template_key == key).order_by(StockRange.at, StockRange.id)).all()
        ids = [r.id for r in ranges]
        counts = dict(session.execute(select(StockSheet.status, func.count()).where(StockSheet.range_id.in_(ids))
                                      .group_by(StockSheet.status)).all())
        top = dict(session.execute(select(StockSheet.range_id, func.max(StockSheet.serial))
                                   .where(StockSheet.range_id.in_(ids)).group_by(StockSheet.range_id)).all())
        registered = sum(r.last - r.first + 1 for r in ranges)
        remaining = sum(r.last - (top.get(r.id) or r.first - 1) for r in ranges)
        nxt = _next_sheet(session, key)
        out.append(StockLine(key, _template_name(session, key), registered, counts.get("used", 0),
                             counts.get("spoiled", 0), remaining, serial_text(*nxt) if nxt else None,
                             tuple(f"{serial_text(r, r.first)}–{serial_text(r, r.last)}" for r in ranges)))
    return out


def seed_demo_stock(session: Session) -> None:
    """The demo hall's blank stock: 500 sheets of each demo certificate (demo and tests)."""
    from hallclient.certificates.templates import all_templates

    for n, t in enumerate(all_templates(session), start=1):
        session.add(StockRange(template_key=t.key, prefix=f"DEMO{n}-", first=1, last=500, note="演示用空白证书"))
    session.flush()
