"""Certificates (证照) as PDF from a template (hallclient.certificates.templates), the
calibration sheet, and the 送达回证.

Positions are the template's, in mm from the sheet's top-left corner, moved by the printer's
calibration offset (+x right, +y down). A text field's line is placed so that its baseline
sits at `top + (h + cap)/2` with `cap = 0.7 × font size`: the line is centred in its box; a
wrapped field starts at `top + 1.0 × size`, lines 1.3 × size apart. Fields too long for their
box shrink down to the field's minimum size; beyond that the print is refused (nothing is
consumed from the stock). The preview draws the stock's background image under the fields —
only in the preview.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Spacer, Table

from hallclient.certificates.handover import DeliverySlip
from hallclient.certificates.templates import FieldSpec, Template
from hallclient.errors import ValidationFailed
from printing import fonts
from printing.barcodes import Code128Bars, code128_modules, draw_code128, qr_matrix, QUIET_MODULES
from printing.pdfpage import FRAME_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, decorate_page, grid_table, \
    local_time, para, signature_block

CAP = 0.7  # cap height of the CJK face, in ems (used to centre a line in its box)
LEADING = 1.3


@dataclass(frozen=True)
class PlacedLine:
    """Where a line of a field goes (mm from the top-left of the sheet, offset applied)."""

    field: str
    text: str
    x_mm: float  # where the text starts (left edge of the line)
    baseline_mm: float
    size: float


def _fit_single(f: FieldSpec, text: str) -> float:
    size = f.font_size
    width = fonts.string_width(text, size) / mm
    if width <= f.box.w:
        return size
    if not f.shrink or f.box.w / width * size < f.min_font_size:
        raise ValidationFailed(f"“{f.label}”内容过长（{len(text)} 字），{f.box.w:g} mm 宽的位置放不下，请精简后再打印")
    return f.box.w / width * size * 0.999


def _wrap(text: str, size: float, width_mm: float) -> list[str]:
    lines: list[str] = []
    for para_text in text.split("\n"):
        cur = ""
        for ch in para_text:
            if cur and fonts.string_width(cur + ch, size) / mm > width_mm:
                if ch in fonts._CHINESE_CANNOT_START and len(cur) > 1:  # keep "，" off the line start
                    lines.append(cur[:-1])
                    cur = cur[-1] + ch
                else:
                    lines.append(cur)
                    cur = ch
            else:
                cur += ch
        lines.append(cur)
    return lines


def layout(t: Template, values: dict[str, str], dx: float = 0.0, dy: float = 0.0) -> list[PlacedLine]:
    """Every text line of every text field, placed; ValidationFailed when one does not fit."""
    out: list[PlacedLine] = []
    for f in t.fields:
        if f.kind != "text":
            continue
        text = str(values.get(f.name, "") or "")
        if not text:
            continue
        b = f.box
        if f.wrap:
            size = f.font_size
            while True:
                lines = _wrap(text, size, b.w)
                if (len(lines) - 1) * LEADING * size * 25.4 / 72 + size * 25.4 / 72 <= b.h:
                    break
                if not f.shrink or size - 0.25 < f.min_font_size:
                    raise ValidationFailed(f"“{f.label}”内容过长，最小字号也放不下（{b.w:g}×{b.h:g} mm），请精简后再打印")
                size -= 0.25
            first = b.y + size * 25.4 / 72
            placed = [(ln, first + n * LEADING * size * 25.4 / 72) for n, ln in enumerate(lines)]
        else:
            text = text.replace("\n", " ")
            size = _fit_single(f, text)
            placed = [(text, b.y + (b.h + CAP * size * 25.4 / 72) / 2)]
        for ln, base in placed:
            w = fonts.string_width(ln, size) / mm
            x = b.x if f.align == "left" else b.x + (b.w - w) / 2 if f.align == "center" else b.x + b.w - w
            out.append(PlacedLine(f.name, ln, x + dx, base + dy, size))
    return out


def _color(c: str):
    try:
        return colors.HexColor(c)
    except (ValueError, TypeError):
        return colors.black


def _draw_design(c: Canvas, t: Template, H: float) -> None:
    for e in t.design:
        c.saveState()
        col = _color(e.color)
        c.setStrokeColor(col)
        c.setFillColor(col)
        c.setLineWidth(e.width)
        b = e.box
        if e.kind == "rect":
            c.rect(b.x * mm, H - (b.y + b.h) * mm, b.w * mm, b.h * mm, stroke=1, fill=0)
        elif e.kind == "line":
            c.line(b.x * mm, H - b.y * mm, (b.x + b.w) * mm, H - (b.y + b.h) * mm)
        else:
            fonts.draw_string(c, b.x * mm, H - b.y * mm, e.text, e.size, anchor=e.align)
        c.restoreState()


def _draw_qr(c: Canvas, value: str, x: float, y_top: float, side: float, H: float) -> None:
    matrix = qr_matrix(value, "M")
    n = len(matrix)
    module = side / (n + 8)
    x0, y0 = x * mm + 4 * module, H - y_top * mm - side + 4 * module
    path = c.beginPath()
    for r, row in enumerate(matrix):
        c0 = None
        for col, dark in enumerate(row + (False,)):
            if dark and c0 is None:
                c0 = col
            elif not dark and c0 is not None:
                path.rect(x0 + c0 * module, y0 + (n - 1 - r) * module, (col - c0) * module, module)
                c0 = None
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def render_certificate(t: Template, values: dict[str, str], *, mode: str = "preprinted", dx: float = 0.0,
                       dy: float = 0.0, background: str | None = None, watermark: str = "") -> bytes:
    """The certificate's PDF. mode "preprinted": only the fields (套打); "plain": the design
    too. `background`: path of the stock image drawn under everything (preview only).
    `watermark`: a note across the page (e.g. 预览 / 样本)."""
    if mode not in ("preprinted", "plain"):
        raise ValueError(mode)
    fonts.register_fonts()
    lines = layout(t, values, dx, dy)  # refuses before anything is drawn
    W, H = t.page_w * mm, t.page_h * mm
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(W, H), initialFontName=fonts.MAIN, pageCompression=0)
    c.setTitle(f"{t.name} {values.get('certificate_no', '')}".strip())
    c.setCreator("hallclient")
    if background:
        c.drawImage(background, 0, 0, W, H)
    if mode == "plain":
        _draw_design(c, t, H)
    c.setFillColorRGB(0, 0, 0)
    for ln in lines:
        fonts.draw_string(c, ln.x_mm * mm, H - ln.baseline_mm * mm, ln.text, ln.size)
    for f in t.fields:
        value = str(values.get(f.name, "") or "")
        if not value or f.kind == "text":
            continue
        b = f.box
        if f.kind == "qr":
            side = min(b.w, b.h)
            _draw_qr(c, value, b.x + dx + (b.w - side) / 2, b.y + dy + (b.h - side) / 2, side * mm, H)
        else:
            total = len(code128_modules(value)) + 2 * QUIET_MODULES
            draw_code128(c, (b.x + dx) * mm, H - (b.y + dy + b.h) * mm, value, b.w * mm / total, b.h * mm)
    if watermark:
        c.saveState()
        c.setFillColor(colors.Color(0.8, 0, 0, alpha=0.35))
        c.translate(W / 2, H / 2)
        c.rotate(30)
        fonts.draw_string(c, 0, 0, watermark, 60, anchor="center")
        c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


def render_background(t: Template) -> bytes:
    """The blank stock as it comes from the printing house (the design alone), for making the
    preview background image."""
    fonts.register_fonts()
    W, H = t.page_w * mm, t.page_h * mm
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(W, H), initialFontName=fonts.MAIN)
    c.setFillColor(colors.HexColor("#fbf6ea"))
    c.rect(0, 0, W, H, stroke=0, fill=1)
    _draw_design(c, t, H)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_calibration_sheet(page_w_mm: float, page_h_mm: float, *, printer: str = "", station: str = "",
                             current: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """A sheet with a millimetre grid and crosshairs at known positions, printed with no
    offset: the clerk measures where the crosshair at (30, 30) mm landed and enters
    offset = 30 − measured (each axis)."""
    fonts.register_fonts()
    W, H = page_w_mm * mm, page_h_mm * mm
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(W, H), initialFontName=fonts.MAIN)
    c.setTitle("证照打印校准页")
    for n in range(int(page_w_mm) + 1):
        c.setStrokeColor(colors.HexColor("#202020" if n % 10 == 0 else "#7a7a7a" if n % 5 == 0 else "#c8c8c8"))
        c.setLineWidth(0.5 if n % 10 == 0 else 0.25 if n % 5 == 0 else 0.1)
        c.line(n * mm, 0, n * mm, H)
        if n % 10 == 0 and 0 < n < page_w_mm:
            c.setFillColorRGB(0, 0, 0)
            fonts.draw_string(c, n * mm + 0.5 * mm, H - 4 * mm, str(n), 6)
    for n in range(int(page_h_mm) + 1):
        c.setStrokeColor(colors.HexColor("#202020" if n % 10 == 0 else "#7a7a7a" if n % 5 == 0 else "#c8c8c8"))
        c.setLineWidth(0.5 if n % 10 == 0 else 0.25 if n % 5 == 0 else 0.1)
        c.line(0, H - n * mm, W, H - n * mm)
        if n % 10 == 0 and 0 < n < page_h_mm:
            fonts.draw_string(c, 1 * mm, H - n * mm - 2.5 * mm, str(n), 6)
    c.setStrokeColorRGB(0.8, 0, 0)
    c.setLineWidth(0.6)
    for x, y in ((30, 30), (page_w_mm - 30, 30), (30, page_h_mm - 30), (page_w_mm - 30, page_h_mm - 30),
                 (page_w_mm / 2, page_h_mm / 2)):
        c.line((x - 8) * mm, H - y * mm, (x + 8) * mm, H - y * mm)
        c.line(x * mm, H - (y - 8) * mm, x * mm, H - (y + 8) * mm)
        c.circle(x * mm, H - y * mm, 3 * mm)
    c.setFillColorRGB(1, 1, 1)
    c.rect(45 * mm, H - 70 * mm, min(190, page_w_mm - 90) * mm, 28 * mm, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    lines = [
        f"证照打印校准页　纸张 {page_w_mm:g}×{page_h_mm:g} mm",
        f"工作站：{station or '—'}　打印机：{printer or '—'}　当前偏移：X {current[0]:+g} mm，Y {current[1]:+g} mm",
        "本页按零偏移打印。用尺量出左上角红色十字中心到纸张左边缘、上边缘的距离，",
        "水平偏移 X = 30 − 量得的横向距离，垂直偏移 Y = 30 − 量得的纵向距离，填入“校准”（±10 mm 以内）。",
    ]
    for n, text in enumerate(lines):
        fonts.draw_string(c, 48 * mm, H - (49 + n * 5.5) * mm, text, 10 if n == 0 else 8)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_delivery_receipt(slip: DeliverySlip, printed_at: datetime | None = None) -> bytes:
    """送达回证 (A4)."""
    fonts.register_fonts()
    printed_at = printed_at or datetime.now(timezone.utc)
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                          topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=f"送达回证 {slip.case_no}",
                          author=slip.authority, creator="hallclient", initialFontName=fonts.MAIN)
    printed = local_time(printed_at)

    def on_page(canvas, d):
        decorate_page(canvas, d, footer_left=f"{slip.hall_name}　{slip.window_name}　送达回证", printed=printed, reprint=False)

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    story: list = []
    if slip.case_no:
        bars = Code128Bars(slip.case_no, max_width=78 * mm, height=11 * mm)
        top = Table([[[para(slip.authority, "agency"), para(slip.hall_name, "small")], [bars, para(f"办件编号：{slip.case_no}", "caption")]]],
                    colWidths=[FRAME_W - bars.width, bars.width])
        story.append(top)
    story += [Spacer(1, 4 * mm), para("送 达 回 证", "title"), Spacer(1, 4 * mm)]
    when = slip.delivered_at.astimezone()
    if slip.method == "mail":
        method = f"邮寄送达（{slip.courier}，运单号 {slip.tracking_no}）"
        recipient = f"{slip.recipient_name}（申请人）"
    else:
        method = "直接送达（窗口领取）"
        recipient = f"{slip.recipient_name}（{slip.relation}，证件号码 {slip.recipient_id_masked}）"
    rows = [
        [para("办件编号", "label"), para(slip.case_no or "—", "cell")],
        [para("事项名称", "label"), para(slip.item_name, "cell")],
        [para("申请人", "label"), para(slip.applicant_name, "cell")],
        [para("送达机关", "label"), para(slip.authority, "cell")],
        [para("送达方式", "label"), para(method, "cell")],
        [para("受送达人", "label"), para(recipient, "cell")],
    ]
    if slip.agent_reason:
        rows.append([para("代收原因", "label"), para(slip.agent_reason, "cell")])
    if slip.method == "mail":
        rows.append([para("寄递地址", "label"), para(slip.address, "cell")])
    rows.append([para("送达日期", "label"), para(f"{when.year}年{when.month:02d}月{when.day:02d}日 {when:%H:%M}", "cell")])
    story.append(grid_table(rows, [32 * mm, FRAME_W - 32 * mm], header=False, label_cols=(0,)))
    story += [Spacer(1, 4 * mm), para("送达文书", "h2")]
    docs = [[para("序号", "cellc"), para("文书名称", "cellc"), para("编号", "cellc"), para("份数", "cellc")]]
    docs += [[para(str(n), "cellc"), para(name, "cell"), para(no, "cell"), para(str(count), "cellc")]
             for n, (name, no, count) in enumerate(slip.documents, 1)]
    story.append(grid_table(docs, [14 * mm, 80 * mm, FRAME_W - 114 * mm, 20 * mm]))
    story += [Spacer(1, 10 * mm)]
    sign = [("受送达人签名：", "" if slip.method == "in_person" else "（邮寄送达，以签收记录为准）"),
            ("签收日期：", ""), ("送达人：", f"{slip.clerk_name}（{slip.window_name}）")]
    story.append(signature_block(sign, None))
    doc.build(story)
    return buf.getvalue()


# --- samples (hallclient docs samples, docs/, benchmarks) -------------------------------------

SAMPLE_AUTHORITY = ("示例市市场监督管理局", "11440300MB2C90010X")


def sample_values(t: Template) -> dict[str, str]:
    """Realistic field values of a demo certificate of template `t` (with its 证照标识)."""
    from hallclient.certificates.identifier import build_identifier

    number = f"{t.number_prefix}440300202603000{17 if t.key != 'permit_decision' else 42:02d}"
    lid = build_identifier(t.type_code, SAMPLE_AUTHORITY[1], number, 1)
    org = t.key == "business_licence_copy"
    return {
        "holder_name": "示例市前海䶮𠀀科技有限公司" if org else "示例市福田区李䶮小吃店",
        "holder_code": "91440300MA5F00001A" if org else "440304199001011233",
        "legal_rep": "李䶮",
        "address": "广东省示例市福田区示例路 88 号 3 栋 1202",
        "business_type": "有限责任公司（自然人投资或控股）",
        "business_scope": "一般经营项目是：软件开发；信息技术咨询服务；数据处理和存储支持服务；计算机系统服务；"
                          "网络技术服务；办公设备销售；电子产品销售。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        "registered_capital": "人民币伍佰万元整",
        "established": "2019年03月01日",
        "main_business": "餐饮服务经营者（小型餐饮）",
        "business_items": "热食类食品制售；冷食类食品制售（不含生食类食品）；预包装食品（不含冷藏冷冻食品）销售",
        "decision_text": "经审查，李䶮提出的公共场所卫生许可（新办）申请符合法定条件、标准，根据《中华人民共和国行政许可法》"
                         "第三十八条第一款的规定，决定准予行政许可。",
        "item_name": "公共场所卫生许可（新办）",
        "case_no": "4403000012026120403000017",
        "certificate_no": number,
        "licence_id": lid,
        "authority": SAMPLE_AUTHORITY[0],
        "issue_date": "2026年12月04日",
        "valid_from": "2026年12月04日",
        "valid_to": "2031年12月03日",
        "validity": "2026年12月04日至2031年12月03日",
        "verify_url": "https://dzzz.example.gov.cn/verify?id=" + lid,
    }
