"""The window's A4 notices as PDF (DOMAIN.md section 6), from a plain-data `CaseSnapshot`.

`render_document(kind, snapshot)` is safe to call from a worker thread: it only reads the
snapshot and the bundled fonts (registered once per process, see printing.fonts).
"""

from __future__ import annotations

import dataclasses
import io
from urllib.parse import quote
import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone

from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Spacer, Table

from hallclient.intake.id_types import ID_TYPE_LABELS
from hallclient.personal import mask_id
from hallclient.settings import PROGRESS_URL
from hallclient.snapshots import CaseSnapshot, MaterialLine
from printing import fonts
from printing.barcodes import Code128Bars, QRCodeFlowable
from printing.pdfpage import (
    FRAME_W,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    SealArea,
    signature_block,
    table_style,
    decorate_page,
    grid_table,
    local_date,
    local_time,
    para,
)

DOCUMENT_KINDS: dict[str, str] = {
    "acceptance_notice": "受理通知书",
    "material_receipt": "材料接收凭证",
    "supplement_notice": "补正材料通知书",
    "refusal_notice": "不予受理通知书",
}
_SUBTITLES = {"material_receipt": "（收件清单）", "supplement_notice": "（一次性告知书）"}

DEFAULT_PROGRESS_URL = PROGRESS_URL.default  # the setting "print.progress_url" overrides it
LICENSING_LAW_ART32 = "《中华人民共和国行政许可法》第三十二条"

STATUS_TEXT = {
    "received": "已收取",
    "missing": "缺少",
    "defective": "不符合要求",
    "gap": "容缺",
    "exempt": "免于提交",
    "not_applicable": "不适用",
}


class UnknownDocumentKind(ValueError):
    pass


def render_document(
    kind: str,
    snapshot: CaseSnapshot,
    *,
    reprint: bool = False,
    printed_at: datetime | None = None,
    progress_url: str = DEFAULT_PROGRESS_URL,
) -> bytes:
    """The PDF bytes of document `kind` (a key of DOCUMENT_KINDS) for the case.

    `reprint` puts the 补打 mark on every page. `printed_at` (aware; default now) is shown in the
    footer. `progress_url` is the template of the progress-lookup QR code; `{no}` becomes the
    case number (or, before acceptance, the case id).
    """
    try:
        build = _BUILDERS[kind]
    except KeyError:
        raise UnknownDocumentKind(f"unknown document kind {kind!r}; one of {', '.join(DOCUMENT_KINDS)}") from None
    fonts.register_fonts()
    printed_at = printed_at or datetime.now(timezone.utc)
    buf = io.BytesIO()
    title = DOCUMENT_KINDS[kind]
    doc = BaseDocTemplate(
        buf,
        pagesize=(PAGE_W, PAGE_H),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{title} {snapshot.case_no}".strip(),
        author=snapshot.department or snapshot.hall_name,
        subject=snapshot.item_name,
        creator="hallclient",
        initialFontName=fonts.MAIN,  # else every page references an unembedded Helvetica
    )
    footer = f"{snapshot.hall_name}　{snapshot.window_name}　{title}"
    printed = local_time(printed_at)

    def on_page(canvas, d):
        decorate_page(canvas, d, footer_left=footer, printed=printed, reprint=reprint)

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    story = _header(kind, snapshot) + build(snapshot, progress_url)
    doc.build(story)
    return buf.getvalue()


# --- shared blocks ---------------------------------------------------------------------------


def case_reference(s: CaseSnapshot) -> tuple[str, str]:
    """(label, value) identifying the case on paper: its number once accepted, else its id."""
    return ("办件编号", s.case_no) if s.case_no else ("登记号", s.id)


def _header(kind: str, s: CaseSnapshot) -> list:
    label, ref = case_reference(s)
    bars = Code128Bars(ref, max_width=78 * mm, height=11 * mm)
    right = [bars, para(f"{label}：{ref}", "caption")]
    left = [para(s.department or s.hall_name, "agency"), para(s.hall_name if s.department else "", "small")]
    top = Table([[left, right]], colWidths=[FRAME_W - bars.width, bars.width])
    top.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    out = [top, Spacer(1, 3 * mm), para(DOCUMENT_KINDS[kind], "title")]
    if kind in _SUBTITLES:
        out.append(para(_SUBTITLES[kind], "subtitle"))
    out.append(Spacer(1, 3 * mm))
    return out


def _party(p) -> str:
    # The snapshot carries the Chinese name of the ID type; a stored code from any other
    # producer is translated too, so paper never shows "resident" or "uscc".
    id_type = ID_TYPE_LABELS.get(p.id_type, p.id_type)
    return f"{p.name}（{id_type} {mask_id(p.id_number)}）" if p.id_number else p.name


def _info_table(s: CaseSnapshot, rows: list[tuple[str, str]], progress_url: str | None) -> Table:
    """Label/value rows, with the progress QR code in a column spanning all rows on the right."""
    qr_w = 36 * mm if progress_url else 0
    label_w = 30 * mm
    data = [[para(k, "label"), para(v, "cell"), ""] for k, v in rows]
    if progress_url:
        _, ref = case_reference(s)
        data[0][2] = [QRCodeFlowable(progress_url.replace("{no}", quote(ref, safe="-")), 30 * mm), para("扫码查询办理进度", "caption")]
    t = Table(data, colWidths=[label_w, FRAME_W - label_w - qr_w, qr_w] if qr_w else [label_w, FRAME_W - label_w, 0])
    cmds = [
        ("GRID", (0, 0), (1, -1), 0.6, "#444444"),
        ("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("SPAN", (2, 0), (2, -1)),
        ("ALIGN", (2, 0), (2, -1), "CENTER"),
    ]
    if qr_w:
        cmds.append(("BOX", (2, 0), (2, -1), 0.6, "#444444"))
    t.setStyle(table_style(cmds))
    return t


def _applicant_rows(s: CaseSnapshot) -> list[tuple[str, str]]:
    rows = [("申请人", _party(s.applicant))]
    if s.applicant.kind == "organisation" and s.applicant.legal_rep_name:
        rows.append(("法定代表人", s.applicant.legal_rep_name))
    if s.agent:
        rows.append(("代办人", _party(s.agent)))
    rows.append(("事项名称", f"{s.item_name}（事项编码 {s.item_code}）"))
    return rows


def _counts(m: MaterialLine) -> tuple[str, str]:
    def one(received: int, expected: int) -> str:
        if not expected and not received:
            return "—"
        return f"{received}/{expected}"

    return one(m.original_received, m.original_expected), one(m.copies_received, m.copies_expected)


def material_status(m: MaterialLine) -> str:
    """The status of a material line as printed, with its e-licence or promised date."""
    text = STATUS_TEXT.get(m.status, m.status)
    if m.status == "exempt" and m.e_licence_no:
        return f"{text}（已调取电子证照：{m.e_licence_no}）"
    if m.status == "gap":
        return f"{text}受理（申请人承诺于 {local_date(m.gap_due_date)} 前补交）"
    if m.status in ("missing", "defective") and m.reason:
        return f"{text}：{m.reason}"
    return text


def _materials_table(materials, *, with_required: bool) -> Table:
    head = ["序号", "材料名称"] + (["必要性"] if with_required else []) + ["原件\n实收/应收", "复印件\n实收/应收", "收取情况"]
    rows = [[para(h, "cellc") for h in head]]
    for m in materials:
        o, c = _counts(m)
        row = [para(str(m.seq), "cellc"), para(m.name, "cell")]
        if with_required:
            row.append(para("必需" if m.required else "可选", "cellc"))
        row += [para(o, "cellc"), para(c, "cellc"), para(material_status(m), "cell")]
        rows.append(row)
    if with_required:
        widths = [11 * mm, 47 * mm, 14 * mm, 18 * mm, 18 * mm]
    else:
        widths = [11 * mm, 58 * mm, 19 * mm, 19 * mm]
    widths.append(FRAME_W - sum(widths))
    return grid_table(rows, widths)


def _event_payload(s: CaseSnapshot, *types: str) -> dict:
    """The payload of the latest event of one of `types` (empty if none)."""
    for e in reversed(s.events):
        if e.type in types:
            return e.payload or {}
    return {}


def _salutation(s: CaseSnapshot) -> list:
    return [para(f"{s.applicant.name}：")]


def _when_submitted(s: CaseSnapshot) -> str:
    return local_time(s.received_at or s.accepted_at)


def _seal(s: CaseSnapshot, when: datetime | date | None) -> SealArea:
    d = when.astimezone().date() if isinstance(when, datetime) else when
    return SealArea(f"{s.department or s.hall_name}", local_date(d))


def _clerk_lines(s: CaseSnapshot) -> list[tuple[str, str]]:
    return [("窗口工作人员：", s.clerk_name), ("受理窗口：", f"{s.hall_name} {s.window_name}")]


def _applicant_sign(s: CaseSnapshot) -> tuple[str, str]:
    return ("申请人（代办人）签收：" if s.agent else "申请人签收：", "")


# --- the four documents ----------------------------------------------------------------------


def _acceptance(s: CaseSnapshot, progress_url: str) -> list:
    listed = [m for m in s.materials if m.status in ("received", "exempt", "gap")]
    body = (
        f"你（单位）于 {_when_submitted(s)} 提交的“{s.item_name}”申请，申请材料齐全、符合法定形式"
        f"（或依规容缺受理），根据{LICENSING_LAW_ART32}的规定，本机关决定予以受理。"
    )
    info = _applicant_rows(s) + [
        ("办件类型", s.case_type_name),
        ("查询密码", s.query_password or "—"),
        ("收件时间", local_time(s.received_at)),
        ("受理时间", local_time(s.accepted_at)),
        ("办理时限", f"法定 {s.legal_limit_days} 个工作日，承诺 {s.promised_limit_days} 个工作日"),
        ("承诺办结日期", local_date(s.promised_date) + ("（暂定）" if s.promised_provisional else "")),
    ]
    out = _salutation(s) + [para(body, "indent"), Spacer(1, 3 * mm), _info_table(s, info, progress_url)]
    out += [para("已收取的申请材料", "h2"), _materials_table(listed, with_required=False)]
    gaps = [m for m in listed if m.status == "gap"]
    notes = [
        "1. 请凭办件编号和查询密码，通过扫描上方二维码或到本窗口查询办理进度。",
        *(["   承诺办结日期为暂定：该年度节假日安排尚未公布，暂按周末推算；公布后将重新计算，以查询结果为准。"]
          if s.promised_provisional else []),
        "2. 办理时限自受理之日的次日起以工作日计算，依法需要听证、检验、检测、鉴定和专家评审的时间不计算在内。",
    ]
    if gaps:
        notes.append(
            "3. 本件为容缺受理：请于承诺日期前补交容缺材料，逾期未补交的，将依规终止办理。"
        )
    # The notes go with the signatures so a page never holds the seal alone.
    out.append(KeepTogether([para("温馨提示", "h2"), *[para(n, "small") for n in notes], Spacer(1, 2 * mm),
                             signature_block(_clerk_lines(s), _seal(s, s.accepted_at))]))
    return out


def _receipt(s: CaseSnapshot, progress_url: str) -> list:
    listed = [m for m in s.materials if m.status != "not_applicable"]
    info = _applicant_rows(s) + [("收件时间", local_time(s.received_at)), ("收件窗口", f"{s.hall_name} {s.window_name}")]
    received = sum(1 for m in listed if m.status == "received")
    exempt = sum(1 for m in listed if m.status == "exempt")
    gap = sum(1 for m in listed if m.status == "gap")
    out = _salutation(s) + [
        para(f"本窗口已收到你（单位）申请“{s.item_name}”提交的下列材料，特此凭证。", "indent"),
        Spacer(1, 3 * mm),
        _info_table(s, info, progress_url),
        para("材料清单", "h2"),
        _materials_table(listed, with_required=True),
        Spacer(1, 2 * mm),
        para(f"合计：收取 {received} 项，免于提交 {exempt} 项，容缺 {gap} 项。“免于提交”的材料由本机关调取电子证照，申请人无需提交纸质件。", "small"),
        Spacer(1, 2 * mm),
    ]
    who = "申请人（代办人）签字：" if s.agent else "申请人签字："
    lines = [(who, ""), ("签字日期：", ""), ("收件人：", f"{s.clerk_name}（{s.window_name}）"), ("收件人签字：", "")]
    out.append(signature_block(lines, _seal(s, s.received_at)))
    return out


def supplement_deadline(s: CaseSnapshot) -> date | None:
    """The deadline for supplying the materials: `deadline` (ISO date) of the latest supplement
    event's payload, if the intake recorded one."""
    raw = _event_payload(s, "supplement", "supplement_requested").get("deadline")
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def supplement_items(s: CaseSnapshot) -> list[MaterialLine]:
    """What the supplement notice lists. The intake records the list in the supplement
    event ("materials": seq, name, reason, status), so a notice reprinted after the case moved
    on (resumed, accepted) still shows what was asked. Without that record (older data): the
    required rows missing or defective, and optional rows marked defective; an optional
    material merely not brought is never something to bring."""
    listed = _event_payload(s, "supplement", "supplement_requested").get("materials")
    by_seq = {m.seq: m for m in s.materials}
    if listed:
        out = []
        for x in listed:
            m = by_seq.get(x.get("seq"))
            status = x.get("status") or (m.status if m and m.status in ("missing", "defective") else "missing")
            base = m or MaterialLine(x.get("seq", 0), x.get("name", ""), bool(x.get("required", True)), status, 0, 0, 0, 0)
            out.append(dataclasses.replace(base, name=x.get("name") or base.name, status=status,
                                           required=bool(x.get("required", base.required)),
                                           reason=x.get("reason") or base.reason))
        return out
    return [m for m in s.materials if m.status in ("missing", "defective") and (m.required or m.status == "defective")]


def _supplement(s: CaseSnapshot, progress_url: str) -> list:
    todo = supplement_items(s)
    body = (
        f"你（单位）于 {_when_submitted(s)} 提交的“{s.item_name}”申请，经审查，申请材料不齐全或者不符合法定形式。"
        f"根据{LICENSING_LAW_ART32}第一款第（四）项的规定，现一次性告知你（单位）需要补正的全部内容如下："
    )
    rows = [[para(h, "cellc") for h in ("序号", "材料名称", "问题", "原因及要求", "获取途径")]]
    for i, m in enumerate(todo, 1):
        problem = STATUS_TEXT.get(m.status, m.status) + ("" if m.required else "（非必交材料）")
        rows.append([
            para(str(i), "cellc"),
            para(m.name, "cell"),
            para(problem, "cellc"),
            para(m.reason or "—", "cell"),
            para(m.source or "申请人自备", "cell"),
        ])
    widths = [11 * mm, 45 * mm, 20 * mm, 52 * mm]
    widths.append(FRAME_W - sum(widths))
    deadline = supplement_deadline(s)
    when = f"请于 {local_date(deadline)} 前" if deadline else "请在备齐材料后"
    info = _applicant_rows(s) + [("告知时间", local_time(_latest_event_time(s, "supplement", "supplement_requested") or s.received_at))]
    if deadline:
        info.append(("补正期限", f"{local_date(deadline)} 前"))
    out = _salutation(s) + [para(body, "indent"), Spacer(1, 3 * mm), _info_table(s, info, progress_url)]
    out += [para("需要补正的材料", "h2"), grid_table(rows, widths), Spacer(1, 3 * mm)]
    out += [
        para(f"{when}携带本通知书和上述材料到本窗口（{s.hall_name} {s.window_name}）补正。补正材料齐全、符合法定形式的，本机关予以受理，办理时限自补正之日的次日起重新计算。", "indent"),
        para("本通知书为一次性告知，所列为需要补正的全部材料，本机关不再要求补正其他材料。", "indent"),
        Spacer(1, 2 * mm),
        signature_block(
            _clerk_lines(s) + [_applicant_sign(s)],
            _seal(s, _latest_event_time(s, "supplement", "supplement_requested") or s.received_at),
        ),
    ]
    return out


def _latest_event_time(s: CaseSnapshot, *types: str) -> datetime | None:
    for e in reversed(s.events):
        if e.type in types:
            return e.at
    return None


def _refusal(s: CaseSnapshot, progress_url: str) -> list:
    payload = _event_payload(s, "refuse", "refused")
    basis = payload.get("legal_basis") or f"{LICENSING_LAW_ART32}第一款"
    appeal_body = payload.get("appeal_body") or "本级人民政府或者上一级主管部门"
    body = (
        f"你（单位）于 {_when_submitted(s)} 提交的“{s.item_name}”申请，经审查，"
        f"{s.outcome_reason.rstrip('。') or '不符合受理条件'}。根据{basis}的规定，本机关决定不予受理。"
    )
    info = _applicant_rows(s) + [
        ("不予受理理由", s.outcome_reason or "—"),
        ("法律依据", basis),
        ("建议申请机关", s.redirect_authority or "—"),
        ("决定时间", local_time(_latest_event_time(s, "refuse", "refused") or s.received_at)),
    ]
    out = _salutation(s) + [para(body, "indent"), Spacer(1, 3 * mm), _info_table(s, info, None), Spacer(1, 3 * mm)]
    if s.redirect_authority:
        out.append(para(f"请你（单位）向 {s.redirect_authority} 提出申请。", "indent"))
    out += [
        para(
            f"如对本决定不服，可以自收到本通知书之日起六十日内向{appeal_body}申请行政复议，"
            "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。",
            "indent",
        ),
        para("申请材料已全部退还申请人。", "indent"),
        Spacer(1, 2 * mm),
        signature_block(
            _clerk_lines(s) + [_applicant_sign(s)],
            _seal(s, _latest_event_time(s, "refuse", "refused") or s.received_at),
        ),
    ]
    return out


_BUILDERS = {
    "acceptance_notice": _acceptance,
    "material_receipt": _receipt,
    "supplement_notice": _supplement,
    "refusal_notice": _refusal,
}


# --- speed -----------------------------------------------------------------------------------


def warm_up() -> None:
    """Parse the fonts and their coverage now (~0.2 s), e.g. in a background task at startup,
    so the clerk's first notice renders as fast as the others."""
    fonts.register_fonts()
    for name in fonts.CHAIN:
        fonts.coverage(name)


@dataclass(frozen=True)
class RenderTiming:
    kind: str
    first_ms: float  # includes font registration if this is the process's first document
    warm_p50_ms: float
    warm_p95_ms: float
    pages_bytes: int


def render_timings(warm_runs: int = 20) -> list[RenderTiming]:
    """Render every document kind from the sample data: the first render, then `warm_runs` more.

    For benchmarks (benchmarks/intake.py): call it in a fresh process to see the cold cost.
    """
    from printing.samples import sample_snapshot

    out = []
    for kind in DOCUMENT_KINDS:
        snap = sample_snapshot(kind)
        t0 = time.perf_counter()
        pdf = render_document(kind, snap)
        first = (time.perf_counter() - t0) * 1000
        warm = []
        for _ in range(warm_runs):
            t0 = time.perf_counter()
            render_document(kind, snap)
            warm.append((time.perf_counter() - t0) * 1000)
        warm.sort()
        out.append(RenderTiming(kind, round(first, 2), round(statistics.median(warm), 2),
                                round(warm[min(len(warm) - 1, int(len(warm) * 0.95))], 2), len(pdf)))
    return out
