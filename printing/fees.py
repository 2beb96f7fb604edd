"""Fee documents as PDF (DOMAIN.md sections 6 and 10): the payment notice (缴款通知书, with its
payment code as QR), the fiscal e-receipt (财政电子票据, red-letter for 冲红), the paper receipt
(收费凭证, a voided one stamped 作废) and the clerk's daily close (日结单).

Inputs are the plain data of hallclient.fees.view and hallclient.fees.close; safe on a worker
thread like printing.documents. Amounts print as ￥1,234.50 and, on receipts, in capitals.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from urllib.parse import quote

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Spacer, Table

from hallclient.fees.close import DayClose
from hallclient.fees.money import capitals, format_yuan
from hallclient.fees.payments import CHANNELS, PLATFORM_CHANNELS
from hallclient.fees.stock import PaperReceiptInfo
from hallclient.fees.view import BillView, CaseFees, EReceiptView
from hallclient.settings import FEE_PAY_URL, FEE_VERIFY_URL
from printing import fonts
from printing.barcodes import QRCodeFlowable
from printing.pdfpage import (
    FRAME_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, SealArea, decorate_page, grid_table, local_date,
    local_time, para, signature_block, table_style,
)

FEE_DOCUMENT_KINDS = {
    "payment_notice": "缴款通知书",
    "e_receipt": "财政电子票据",
    "paper_receipt": "收费凭证",
    "day_close": "收费日结单",
}
VOID_MARK = "作废"
RED = colors.HexColor("#c00000")


def _build(title: str, story: list, footer: str, *, printed_at: datetime | None = None, stamp: str | None = None,
           red: bool = False) -> bytes:
    fonts.register_fonts()
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                          bottomMargin=MARGIN_BOTTOM, title=title, creator="hallclient", initialFontName=fonts.MAIN)
    printed = local_time(printed_at or datetime.now(timezone.utc))

    def on_page(canvas, d):
        decorate_page(canvas, d, footer_left=footer, printed=printed, reprint=False)
        if stamp:
            # A large diagonal stamp over the whole receipt: a voided receipt stays legible
            # (every 联 is kept) but cannot pass for a valid one.
            canvas.saveState()
            canvas.setStrokeColor(RED)
            canvas.setFillColor(RED)
            canvas.translate(PAGE_W / 2, PAGE_H * 0.62)
            canvas.rotate(25)
            canvas.setLineWidth(3)
            canvas.setFillAlpha(0.75)
            canvas.setStrokeAlpha(0.75)
            canvas.rect(-45 * mm, -16 * mm, 90 * mm, 32 * mm, stroke=1, fill=0)
            fonts.draw_string(canvas, 0, -6.5 * mm, stamp, 54, anchor="center")
            canvas.restoreState()
        if red:
            canvas.saveState()
            canvas.setFillColor(RED)
            fonts.draw_string(canvas, PAGE_W - MARGIN_X, PAGE_H - 12 * mm, "红字（冲红）", 14, anchor="right")
            canvas.restoreState()

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    doc.build(story)
    return buf.getvalue()


def _kv_table(rows: list[tuple[str, str]], qr: list | None = None, qr_w: float = 40 * mm) -> Table:
    label_w = 30 * mm
    data = [[para(k, "label"), para(v, "cell"), ""] for k, v in rows]
    if qr:
        data[0][2] = qr
    t = Table(data, colWidths=[label_w, FRAME_W - label_w - (qr_w if qr else 0), qr_w if qr else 0])
    cmds = [("GRID", (0, 0), (1, -1), 0.6, "#444444"), ("BACKGROUND", (0, 0), (0, -1), "#f0f0f0"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("SPAN", (2, 0), (2, -1)), ("ALIGN", (2, 0), (2, -1), "CENTER")]
    if qr:
        cmds.append(("BOX", (2, 0), (2, -1), 0.6, "#444444"))
    t.setStyle(table_style(cmds))
    return t


def _lines_table(lines, *, sign: int = 1) -> Table:
    rows = [[para(h, "cellc") for h in ("序号", "收费项目", "标准", "数量", "应收", "减免", "金额")]]
    n = 0
    for l in lines:
        if not l.get("gross_fen") and l.get("kind") != "free":
            continue  # a per-unit line with nothing charged (e.g. only the included certificate)
        n += 1
        std = "免费" if l.get("kind") == "free" else format_yuan(l["standard_fen"]) + (f"/{l['unit']}" if l.get("kind") == "per_unit" else "")
        rows.append([para(str(n), "cellc"), para(l["name"] + (f"\n减免：{l['exemption']}" if l.get("exemption") else ""), "cell"),
                     para(std, "cellc"), para(f"{l.get('quantity', 1)}{l.get('unit', '') if l.get('kind') == 'per_unit' else ''}", "cellc"),
                     para(format_yuan(sign * l.get("gross_fen", 0)), "right"), para(format_yuan(sign * l.get("reduction_fen", 0)), "right"),
                     para(format_yuan(sign * l.get("due_fen", 0)), "right")])
    widths = [11 * mm, 55 * mm, 25 * mm, 15 * mm, 22 * mm, 20 * mm]
    widths.append(FRAME_W - sum(widths))
    return grid_table(rows, widths)


def _total_row(total_fen: int) -> Table:
    t = Table([[para("合计（大写）", "label"), para(capitals(total_fen), "cell"), para("（小写）", "label"),
                para(format_yuan(total_fen), "right")]], colWidths=[30 * mm, FRAME_W - 30 * mm - 20 * mm - 35 * mm, 20 * mm, 35 * mm])
    t.setStyle(table_style([("GRID", (0, 0), (-1, -1), 0.6, "#444444"), ("BACKGROUND", (0, 0), (0, 0), "#f0f0f0"),
                            ("BACKGROUND", (2, 0), (2, 0), "#f0f0f0"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return t


def _head(f: CaseFees, title: str, subtitle: str = "") -> list:
    out = [para(f.department or f.hall_name, "agency"), para(f.hall_name, "small"), Spacer(1, 2 * mm), para(title, "title")]
    if subtitle:
        out.append(para(subtitle, "subtitle"))
    out.append(Spacer(1, 3 * mm))
    return out


def render_payment_notice(f: CaseFees, bill: BillView, *, pay_url: str = FEE_PAY_URL.default,
                          printed_at: datetime | None = None) -> bytes:
    """The payment notice of a bill paid elsewhere (票款分离): payment code in digits and as QR."""
    qr = [QRCodeFlowable(pay_url.replace("{code}", quote(bill.payment_code or "")), 34 * mm), para("扫码缴款", "caption")]
    code = " ".join((bill.payment_code or "")[i:i + 4] for i in range(0, len(bill.payment_code or ""), 4))
    rows = [("缴款码", code), ("缴款人", bill.payer_name), ("办件编号", f.case_no or "—"),
            ("事项名称", f.item_name), ("应缴金额", f"{format_yuan(bill.total_fen)}（{capitals(bill.total_fen)}）"),
            ("开具时间", local_time(bill.created_at)), ("开具窗口", f"{bill.window_name}　{bill.clerk_name}")]
    story = _head(f, "缴款通知书", "（非税收入缴款，票款分离）") + [_kv_table(rows, qr), para("收费明细", "h2"),
                                                         _lines_table(bill.lines), Spacer(1, 1 * mm), _total_row(bill.total_fen)]
    notes = [
        "1. 请用微信、支付宝、云闪付扫描右上方二维码缴款，或在银行柜台、自助终端输入缴款码缴款。",
        "2. 缴款成功后，财政电子票据将发送至您预留的手机，也可凭缴款码到本窗口打印。",
        "3. 本窗口不收取现金；缴款金额须与应缴金额一致，请勿多缴或少缴。",
    ]
    story.append(KeepTogether([para("缴款须知", "h2"), *[para(n, "small") for n in notes], Spacer(1, 3 * mm),
                               signature_block([("经办人：", bill.clerk_name), ("开具日期：", local_date(bill.business_day))],
                                               SealArea(f.department or f.hall_name, local_date(bill.business_day)))]))
    return _build(f"缴款通知书 {bill.payment_code}", story, f"{f.hall_name}　缴款通知书", printed_at=printed_at)


def render_e_receipt(f: CaseFees, bill: BillView, r: EReceiptView, *, verify_url: str = FEE_VERIFY_URL.default,
                     printed_at: datetime | None = None) -> bytes:
    """A fiscal e-receipt as pulled from the central server (its own fields, never recomputed)."""
    d = r.data
    qr_value = verify_url.replace("{code}", r.code).replace("{number}", r.number).replace("{check}", r.check_code)
    qr = [QRCodeFlowable(qr_value, 34 * mm), para("扫码查验真伪", "caption")]
    rows = [("票据代码", r.code), ("票据号码", r.number), ("校验码", r.check_code), ("开票日期", local_time(r.issued_at)),
            ("交款人", d.get("payer") or bill.payer_name), ("办件编号", d.get("case_no") or f.case_no or "—")]
    if r.red and d.get("original"):
        rows.append(("原票据", f"{d['original']['code']} {d['original']['number']}（冲红原因：{d.get('reason') or '—'}）"))
    items = [[para(h, "cellc") for h in ("项目名称", "标准", "数量", "金额（元）")]]
    for it in d.get("items", []):
        std = format_yuan(it["standard_fen"]) if it.get("standard_fen") is not None else "—"
        items.append([para(it.get("name") or "", "cell"), para(std, "cellc"), para(f"{it.get('quantity') or 1}{it.get('unit') or ''}", "cellc"),
                      para(format_yuan(it.get("amount_fen", 0)), "right")])
    widths = [80 * mm, 30 * mm, 25 * mm]
    widths.append(FRAME_W - sum(widths))
    title = d.get("name") or "非税收入一般缴款书（电子）"
    story = _head(f, title, "财政电子票据" + ("（红字）" if r.red else "")) + [
        _kv_table(rows, qr), Spacer(1, 3 * mm), grid_table(items, widths), Spacer(1, 1 * mm), _total_row(r.amount_fen),
        Spacer(1, 3 * mm),
        _kv_table([("开票单位", d.get("payee_unit") or "—"), ("收款人", d.get("collector") or bill.clerk_name or "—"),
                   ("复核人", d.get("reviewer") or "—"), ("缴款方式", {**CHANNELS, **PLATFORM_CHANNELS}.get(d.get("channel"), d.get("channel") or "—"))]),
        Spacer(1, 4 * mm),
        Table([[SealArea("开票单位（签章）", local_date(r.issued_at.astimezone().date())),
                SealArea("财政部门（监制章）", local_date(r.issued_at.astimezone().date()))]], colWidths=[FRAME_W / 2] * 2),
        para("本票据由财政电子票据管理系统开具，与纸质票据具有同等法律效力，可扫码或登录全国财政电子票据查验平台查验。", "small"),
    ]
    return _build(f"财政电子票据 {r.code} {r.number}", story, f"{f.hall_name}　财政电子票据", printed_at=printed_at, red=r.red)


def render_paper_receipt(f: CaseFees, bill: BillView, paper: PaperReceiptInfo, *, printed_at: datetime | None = None) -> bytes:
    """A machine-printed paper receipt on the clerk's numbered stock; voided ones carry 作废."""
    pay = bill.payment
    rows = [("票据代码", paper.code), ("票据号码", paper.number), ("交款人", bill.payer_name), ("办件编号", f.case_no or "—"),
            ("事项名称", f.item_name), ("缴款方式", CHANNELS.get(pay.channel, pay.channel) if pay else "—")]
    if pay and pay.channel == "cash":
        rows.append(("实收 / 找零", f"{format_yuan(pay.tendered_fen or 0)} / {format_yuan(pay.change_fen or 0)}"))
    elif pay and pay.reference:
        rows.append(("交易参考号", pay.reference))
    if paper.state == "void":
        rows.append(("作废原因", paper.void_reason or "—"))
    story = _head(f, "收费凭证", "（一般缴款书 · 机打）") + [
        _kv_table(rows), para("收费明细", "h2"), _lines_table(bill.lines), Spacer(1, 1 * mm), _total_row(bill.total_fen),
        Spacer(1, 4 * mm),
        signature_block([("收款人：", bill.clerk_name), ("收款窗口：", bill.window_name), ("收款日期：", local_date(paper.business_day))],
                        SealArea(f"{f.department or f.hall_name}财务专用章", local_date(paper.business_day))),
        para("第一联 收据联（交款人收执）", "small"),
    ]
    return _build(f"收费凭证 {paper.code} {paper.number}", story, f"{f.hall_name}　收费凭证 {paper.number}",
                  printed_at=printed_at, stamp=VOID_MARK if paper.state == "void" else None)


def render_day_close(c: DayClose, *, printed_at: datetime | None = None) -> bytes:
    """The clerk's daily close: totals per channel, receipt numbers, cash to hand over."""
    head = [para(c.hall_name, "agency"), Spacer(1, 2 * mm), para("收费日结单", "title"),
            para(f"{local_date(c.business_day)}　{c.window_name}　{c.clerk_name}", "subtitle"), Spacer(1, 4 * mm)]
    rows = [[para(h, "cellc") for h in ("收费方式", "笔数", "金额", "退款/冲红笔数", "退款/冲红金额", "净额")]]
    for ch in c.channels:
        rows.append([para(ch.label, "cell"), para(str(ch.count), "cellc"), para(format_yuan(ch.total_fen), "right"),
                     para(str(ch.reversed_count), "cellc"), para(format_yuan(ch.reversed_fen), "right"), para(format_yuan(ch.net_fen), "right")])
    rows.append([para("合计", "cell"), para(str(c.payments), "cellc"), para(format_yuan(c.total_fen), "right"),
                 para(str(sum(ch.reversed_count for ch in c.channels)), "cellc"), para(format_yuan(c.reversed_fen), "right"),
                 para(format_yuan(c.net_fen), "right")])
    widths = [46 * mm, 16 * mm, 28 * mm, 26 * mm, 28 * mm]
    widths.append(FRAME_W - sum(widths))
    paper = f"{c.paper_first} 至 {c.paper_last}，已开 {c.paper_printed} 份" if c.paper_first else "未使用纸质票据"
    info = [("应上缴现金", f"{format_yuan(c.cash_to_hand_over_fen)}（{capitals(c.cash_to_hand_over_fen)}）"),
            ("缴款通知书", f"开具 {c.notices_issued} 份，合计 {format_yuan(c.notices_issued_fen)}；其中尚未缴款 {c.notices_unpaid} 份"),
            ("纸质票据号码", paper),
            ("作废票据", "；".join(f"{n}（{why}）" for n, why in c.paper_voided) or "无"),
            ("财政电子票据", f"{c.e_receipts} 张" + (f"；冲红 {len(c.red_receipts)} 张：{'、'.join(c.red_receipts)}" if c.red_receipts else "")),
            ("日结时间", local_time(c.closed_at) if c.closed_at else "（预览，尚未日结）")]
    story = head + [grid_table(rows, widths), Spacer(1, 4 * mm), _kv_table(info)]
    if c.lines:
        detail = [[para(h, "cellc") for h in ("时间", "办件编号", "方式", "金额")]]
        detail += [[para(t, "cellc"), para(no, "cell"), para(ch, "cell"), para(format_yuan(fen), "right")] for t, no, ch, fen in c.lines]
        dw = [20 * mm, 75 * mm, 45 * mm]
        dw.append(FRAME_W - sum(dw))
        story += [para("收费明细", "h2"), grid_table(detail, dw)]
    story += [Spacer(1, 6 * mm), signature_block([("经办人：", c.clerk_name), ("复核人：", ""), ("值班长：", "")], None)]
    return _build(f"收费日结单 {c.business_day}", story, f"{c.hall_name}　收费日结单", printed_at=printed_at)
