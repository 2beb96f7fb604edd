"""Shared A4 page furniture for the notices: styles, CJK paragraphs, tables, the seal area,
the footer and the 补打 (reprint) stamp."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from printing import fonts

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
REPRINT_MARK = "补打"
GRID = colors.HexColor("#444444")
LABEL_BG = colors.HexColor("#f0f0f0")


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    fonts.register_fonts()
    base = ParagraphStyle("body", fontName=fonts.MAIN, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "body": base,
        "indent": ParagraphStyle("indent", base, firstLineIndent=21),
        "title": ParagraphStyle("title", base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=12, leading=16, alignment=TA_CENTER),
        "agency": ParagraphStyle("agency", base, fontSize=11, leading=15),
        "small": ParagraphStyle("small", base, fontSize=9, leading=12.5),
        "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=13),
        "cellc": ParagraphStyle("cellc", base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "label": ParagraphStyle("label", base, fontSize=9.5, leading=13, alignment=TA_LEFT),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "caption": ParagraphStyle("caption", base, fontSize=8.5, leading=11, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", base, fontSize=11.5, leading=17, spaceBefore=6, spaceAfter=3),
    }


def para(text: str, style: str = "body") -> Paragraph:
    """A paragraph of plain text (escaped; rare characters get their fallback font).
    A newline in `text` is a line break."""
    return Paragraph("<br/>".join(fonts.markup(line) for line in text.split("\n")), styles()[style])


def local_time(dt: datetime | None) -> str:
    """An aware datetime as local wall-clock time, e.g. 2025年11月13日 09:42."""
    if dt is None:
        return "—"
    return dt.astimezone().strftime("%Y年%m月%d日 %H:%M")


def local_date(d: date | None) -> str:
    if d is None:
        return "—"
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def grid_table(rows, col_widths, *, header: bool = True, label_cols: tuple[int, ...] = ()) -> Table:
    """A ruled table; the first row is a shaded header when `header`; `label_cols` shaded too."""
    t = Table(rows, colWidths=col_widths, repeatRows=1 if header else 0)
    cmds = [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_BG))
    for c in label_cols:
        cmds.append(("BACKGROUND", (c, 0), (c, -1), LABEL_BG))
    t.setStyle(table_style(cmds))
    return t


def table_style(cmds: list) -> TableStyle:
    """A TableStyle whose cell font is ours: reportlab's default (Helvetica) would otherwise be
    referenced, unembedded, by every table."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.MAIN), *cmds])


class SealArea(Flowable):
    """Where the agency stamps its seal: a dashed circle with the seal's name, the date below."""

    def __init__(self, seal_name: str, when: str, *, diameter: float = 30 * mm):
        super().__init__()
        self.seal_name, self.when, self.d = seal_name, when, diameter
        self.width, self.height = diameter + 16 * mm, diameter + 7 * mm

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        c = self.canv
        cx = self.width / 2
        cy = 7 * mm + self.d / 2
        c.saveState()
        c.setStrokeColor(colors.HexColor("#b0b0b0"))
        c.setDash(3, 2)
        c.circle(cx, cy, self.d / 2, stroke=1, fill=0)
        c.setFillColor(colors.HexColor("#909090"))
        size = min(8.5, 8.5 * 0.82 * self.d / max(1.0, fonts.string_width(self.seal_name, 8.5)))
        fonts.draw_string(c, cx, cy + 2 * mm, self.seal_name, size, anchor="center")
        fonts.draw_string(c, cx, cy - 4 * mm, "（盖章）", 8.5, anchor="center")
        c.restoreState()
        fonts.draw_string(c, cx, 1 * mm, self.when, 10.5, anchor="center")


def signature_block(lines: list[tuple[str, str]], seal: SealArea | None) -> Table:
    """Signature lines on the left ("label: value" over a rule, blank value = sign here) and the
    seal area on the right, kept together on one page."""
    inner = Table(
        [[para(label, "body"), para(value, "body")] for label, value in lines],
        colWidths=[42 * mm, FRAME_W - 42 * mm - (seal.width if seal else 0) - 8 * mm],
        rowHeights=[9 * mm] * len(lines),
    )
    inner.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (1, 0), (1, -1), 0.5, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    cells = [[inner, seal or ""]]
    outer = Table(cells, colWidths=[FRAME_W - (seal.width if seal else 0), seal.width if seal else 0])
    outer.setStyle(table_style([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    outer.keepWithNext = False
    return outer


def decorate_page(canvas, doc, *, footer_left: str, printed: str, reprint: bool) -> None:
    """Footer (source, print time, page number) and, on reprints, the 补打 stamp, on every page."""
    canvas.saveState()
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN_X, 14 * mm, PAGE_W - MARGIN_X, 14 * mm)
    canvas.setFillColor(colors.HexColor("#333333"))
    fonts.draw_string(canvas, MARGIN_X, 10 * mm, footer_left, 8)
    fonts.draw_string(canvas, PAGE_W - MARGIN_X, 10 * mm, f"打印时间：{printed}　第 {doc.page} 页", 8, anchor="right")
    if reprint:
        # A stamp-like box in the top margin, left of the barcode: visible at a glance and
        # in photocopies, never over content.
        red = colors.HexColor("#c00000")
        w, h = 24 * mm, 10 * mm
        x, y = MARGIN_X, PAGE_H - 13 * mm
        canvas.setStrokeColor(red)
        canvas.setFillColor(red)
        canvas.setLineWidth(1.6)
        canvas.rect(x, y, w, h, stroke=1, fill=0)
        fonts.draw_string(canvas, x + w / 2, y + 2.6 * mm, REPRINT_MARK, 16, anchor="center")
        fonts.draw_string(canvas, PAGE_W - MARGIN_X, 6 * mm, f"本件为{REPRINT_MARK}件，与原件具有同等效力", 8, anchor="right")
    canvas.restoreState()
