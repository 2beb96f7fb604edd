"""The hall's daily report (日报): PDF with its charts (reportlab graphics, drawn, not
screenshots), XLSX (openpyxl) and the cases as CSV.

Input is the plain `HallDay` of hallclient.supervision.overview; nothing here reads the store.
`write_report` writes the three files next to each other through temporary names and renames
them at the end, so a failure (a directory that cannot be written, a full disk) leaves no
half-written report behind.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from hallclient.errors import HallError
from hallclient.supervision.figures import LEVEL_LABELS, Figures, GroupFigure, fmt_minutes
from hallclient.supervision.overview import HallDay, hall_time
from printing import fonts
from printing.pdfpage import FRAME_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, grid_table, para

BLUE = colors.HexColor("#2f6fb3")
ORANGE = colors.HexColor("#e08a1e")
RED = colors.HexColor("#c0392b")
GREEN = colors.HexColor("#3c9d5d")
GREY = colors.HexColor("#8a8a8a")
OUTCOME_COLORS = [BLUE, GREEN, ORANGE, RED, GREY, colors.HexColor("#7b5ea7"), colors.HexColor("#16a0a0"), colors.HexColor("#b5651d")]
LEVEL_COLORS = {5: GREEN, 4: colors.HexColor("#7cbf6b"), 3: ORANGE, 2: colors.HexColor("#e0613a"), 1: RED}
MAX_PDF_ROWS = 60  # lists longer than this are cut in the PDF (the XLSX has them all)


class ReportNotWritten(HallError):
    pass


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}￥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def target_mark(ok: bool | None) -> str:
    return "—" if ok is None else ("达标" if ok else "未达标")


# --- charts (reportlab graphics) -----------------------------------------------------------


def _title(d: Drawing, text: str) -> None:
    d.add(String(d.width / 2, d.height - 12, text, fontName=fonts.MAIN, fontSize=10, textAnchor="middle"))


def _bar(width: float, height: float, title: str, labels: list[str], series: list[list[float]], fills: list,
         names: list[str] | None = None, value_fmt: str = "%d") -> Drawing:
    d = Drawing(width, height)
    _title(d, title)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 34, 30, width - 50 - (70 if names else 0), height - 60
    c.data = series or [[0]]
    c.categoryAxis.categoryNames = labels or ["—"]
    c.categoryAxis.labels.fontName = fonts.MAIN
    c.categoryAxis.labels.fontSize = 7
    c.categoryAxis.labels.angle = 0 if len(labels) <= 12 else 45
    c.categoryAxis.labels.boxAnchor = "n" if len(labels) <= 12 else "ne"
    c.valueAxis.labels.fontName = fonts.MAIN
    c.valueAxis.labels.fontSize = 7
    c.valueAxis.valueMin = 0
    top = max([max(s) for s in series if s] + [1])
    c.valueAxis.valueMax = top * 1.15
    c.barLabelFormat = value_fmt
    c.barLabels.fontName = fonts.MAIN
    c.barLabels.fontSize = 6
    c.barLabels.nudge = 5
    for i, f in enumerate(fills):
        c.bars[i].fillColor = f
        c.bars[i].strokeColor = None
    d.add(c)
    if names:
        lg = Legend()
        lg.x, lg.y = width - 64, height - 30
        lg.fontName, lg.fontSize = fonts.MAIN, 8
        lg.alignment = "right"
        lg.colorNamePairs = list(zip(fills, names))
        d.add(lg)
    return d


def tickets_chart(f: Figures, width: float = FRAME_W, height: float = 130) -> Drawing:
    hours = sorted(set(f.tickets_by_hour) | {g.key for g in f.by_hour})
    return _bar(width, height, "各时段取号量", hours, [[f.tickets_by_hour.get(h, 0) for h in hours]], [BLUE], ["取号"])


def wait_chart(f: Figures, width: float = FRAME_W, height: float = 130) -> Drawing:
    by = {g.key: g for g in f.by_hour}
    hours = sorted(by)
    wait = [round((by[h].wait_mean_s or 0) / 60, 1) for h in hours]
    handle = [round((by[h].handle_mean_s or 0) / 60, 1) for h in hours]
    return _bar(width, height, f"各时段平均等候 / 办理时长（分钟；目标 ≤ {f.targets.wait_s // 60} / ≤ {f.targets.handling_s // 60}）",
                hours, [wait, handle], [ORANGE, GREEN], ["等候", "办理"], value_fmt="%.0f")


def outcome_chart(f: Figures, width: float = FRAME_W / 2, height: float = 150) -> Drawing:
    d = Drawing(width, height)
    _title(d, f"办件结果（共 {f.cases_total} 件）")
    data = [(label, n) for _k, label, n in f.cases_by_outcome if n]
    if not data:
        d.add(String(width / 2, height / 2, "无办件", fontName=fonts.MAIN, fontSize=9, textAnchor="middle"))
        return d
    p = Pie()
    size = min(height - 50, width * 0.45)
    p.x, p.y, p.width, p.height = 14, 18, size, size
    p.data = [n for _l, n in data]
    p.labels = None
    p.slices.strokeColor = colors.white
    for i in range(len(data)):
        p.slices[i].fillColor = OUTCOME_COLORS[i % len(OUTCOME_COLORS)]
    d.add(p)
    lg = Legend()
    lg.x, lg.y = size + 34, height - 34
    lg.fontName, lg.fontSize = fonts.MAIN, 8
    lg.alignment, lg.columnMaximum, lg.dy = "right", 10, 4
    lg.colorNamePairs = [(OUTCOME_COLORS[i % len(OUTCOME_COLORS)], f"{label} {n}") for i, (label, n) in enumerate(data)]
    d.add(lg)
    return d


def ratings_chart(f: Figures, width: float = FRAME_W / 2, height: float = 150) -> Drawing:
    levels = [5, 4, 3, 2, 1]
    d = _bar(width, height, f"好差评（共 {f.ratings_total} 条，满意率 {pct(f.satisfaction_rate)}）",
             [LEVEL_LABELS[lv] for lv in levels], [[f.ratings_by_level.get(lv, 0) for lv in levels]], [BLUE])
    chart = d.contents[-1]
    for i, lv in enumerate(levels):
        chart.bars[(0, i)].fillColor = LEVEL_COLORS[lv]
    return d


# --- PDF -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportMeta:
    hall_name: str
    generated_by: str
    generated_at: datetime


def _group_table(title: str, groups: list[GroupFigure], key_label: str) -> list:
    rows = [[key_label, "取号/叫号", "办结", "过号率", "等候均值", "等候P90", "等候", "办理均值", "办理P90", "办理"]]
    for g in groups:
        rows.append([g.key, str(g.tickets), str(g.served), pct(g.no_show_rate), fmt_minutes(g.wait_mean_s), fmt_minutes(g.wait_p90_s),
                     target_mark(g.wait_ok), fmt_minutes(g.handle_mean_s), fmt_minutes(g.handle_p90_s), target_mark(g.handle_ok)])
    w = FRAME_W / 10
    return [para(title, "h2"), grid_table(rows, [w * 1.3] + [w * 0.966] * 9)]


def _summary(day: HallDay) -> list:
    f = day.figures
    t = f.targets
    wl = f.warnings_by_level
    rows = [
        ["指标", "数值", "目标", "评价"],
        ["取号 / 叫号 / 办结", f"{f.total.tickets} / {f.total.called} / {f.total.served}", "", ""],
        ["平均等候（P90）", f"{fmt_minutes(f.total.wait_mean_s)} 分（{fmt_minutes(f.total.wait_p90_s)} 分）",
         f"≤ {t.wait_s // 60} 分（复杂事项 ≤ {t.complex_wait_s // 60} 分）", target_mark(f.total.wait_ok)],
        ["平均办理（P90）", f"{fmt_minutes(f.total.handle_mean_s)} 分（{fmt_minutes(f.total.handle_p90_s)} 分）",
         f"≤ {t.handling_s // 60} 分", target_mark(f.total.handle_ok)],
        ["过号率", pct(f.total.no_show_rate), "", ""],
        ["办件", f"{f.cases_total} 件：" + "、".join(f"{label} {n}" for _k, label, n in f.cases_by_outcome), "", ""],
        ["收费（净额）", f"{yuan(f.fees_total_fen)}，冲红/作废 {f.reversals} 笔", "", ""],
        ["好差评", f"{f.ratings_total} 条，满意率 {pct(f.satisfaction_rate)}，差评 {f.bad_ratings} 条", "", ""],
        ["监察预警", f"红牌 {wl.get('red', 0)}，提示 {wl.get('notice', 0)}，黄牌 {wl.get('yellow', 0)}", "", ""],
    ]
    w = FRAME_W
    return [para("一、概况", "h2"), grid_table([[para(c, "cell") for c in r] for r in rows], [w * 0.2, w * 0.45, w * 0.23, w * 0.12])]


def _cut(rows: list, n: int) -> tuple[list, str]:
    if len(rows) <= n:
        return rows, ""
    return rows[:n], f"（共 {len(rows)} 条，此处列出前 {n} 条，全部见 XLSX）"


def render_report_pdf(day: HallDay, meta: ReportMeta) -> bytes:
    fonts.register_fonts()
    f = day.figures
    story: list = [
        para(f"{meta.hall_name}", "subtitle"),
        para("政务服务大厅日报" if day.period.days == 1 else "政务服务大厅统计报表", "title"),
        para(f"统计期间：{day.period.label}　　生成：{hall_time(meta.generated_at)}（{meta.generated_by}）", "small"),
        para(day.freshness.text(meta.generated_at), "small"),
        Spacer(1, 3 * mm),
    ]
    if day.empty_message:
        story += [para(day.empty_message, "body"), Spacer(1, 3 * mm)]
    story += _summary(day)
    story += [para("二、图表", "h2"), tickets_chart(f), wait_chart(f)]
    from reportlab.platypus import Table

    pair = Table([[outcome_chart(f), ratings_chart(f)]], colWidths=[FRAME_W / 2, FRAME_W / 2],
                 style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    story.append(KeepTogether([pair]))

    story += _group_table("三、按窗口", f.by_window, "窗口")
    story += _group_table("四、按工作人员", f.by_clerk, "人员")
    story += _group_table("五、按排队类别", f.by_queue, "类别")
    story += _group_table("六、按时段", f.by_hour, "时段")
    if f.fees:
        rows = [["渠道", "笔数", "金额"]] + [[label, str(n), yuan(a)] for _c, label, n, a in f.fees] + [["合计", "", yuan(f.fees_total_fen)]]
        story += [para("七、收费", "h2"), grid_table(rows, [FRAME_W * 0.4, FRAME_W * 0.2, FRAME_W * 0.4])]
    else:
        story += [para("七、收费", "h2"), para("本期没有收费记录。", "small")]
    ws, note = _cut(day.warnings, MAX_PDF_ROWS)
    story += [para(f"八、电子监察预警（{len(day.warnings)} 条）{note}", "h2")]
    if ws:
        rows = [["等级", "办件编号", "窗口", "人员", "情况"]] + [
            [w.level_label, para(w.case_no or "—", "cell"), w.window_code or "—", para(w.clerk or "—", "cell"), para(w.text, "cell")]
            for w in ws]
        story.append(grid_table(rows, [FRAME_W * x for x in (0.08, 0.3, 0.07, 0.12, 0.43)]))
    ex, note = _cut(day.exceptions, MAX_PDF_ROWS)
    story += [para(f"九、异常情况（{len(day.exceptions)} 条）{note}", "h2")]
    if ex:
        rows = [["类别", "时间", "窗口", "人员", "办件编号", "说明"]] + [
            [para(e.kind_label, "cell"), hall_time(e.at, "%m-%d %H:%M"), e.window_code or "—", para(e.clerk or "—", "cell"),
             para(e.case_no or "—", "cell"), para(e.text, "cell")] for e in ex]
        story.append(grid_table(rows, [FRAME_W * x for x in (0.09, 0.115, 0.055, 0.09, 0.3, 0.35)]))
    buf = io.BytesIO()

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(fonts.MAIN, 8)
        canvas.drawString(MARGIN_X, MARGIN_BOTTOM / 2, f"{meta.hall_name} · {day.period.label}")
        canvas.drawRightString(MARGIN_X + FRAME_W, MARGIN_BOTTOM / 2, f"第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(buf, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
                            title=f"{meta.hall_name} 日报 {day.period.label}", author=meta.generated_by)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


# --- XLSX and CSV --------------------------------------------------------------------------

CASE_COLUMNS = ("办件编号", "受理日期", "接件时间", "窗口", "人员", "事项编码", "事项", "部门", "办件类型", "状态", "申请人",
                "证件号码（脱敏）", "承诺办结日期", "预警", "说明")
_WARN = {"red": "红牌", "notice": "提示", "yellow": "黄牌", "": ""}


def case_rows(day: HallDay) -> list[list]:
    return [[c.case_no, c.day.isoformat() if c.day else "", hall_time(c.received_at, "%H:%M"),
             c.window_code, c.clerk, c.item_code, c.item_name, c.department, c.case_type_name, c.state_label, c.applicant_name,
             c.applicant_id_masked, c.promised_date.isoformat() if c.promised_date else "", _WARN.get(c.warning, c.warning),
             c.broken or c.outcome_reason] for c in day.cases]


def render_cases_csv(day: HallDay) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CASE_COLUMNS)
    w.writerows(case_rows(day))
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read it as UTF-8


def render_report_xlsx(day: HallDay, meta: ReportMeta) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    f = day.figures
    wb = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F0F0F0")

    def sheet(title: str, header: list[str], rows: list[list], widths: list[int] | None = None):
        ws = wb.create_sheet(title)
        ws.append(header)
        for c in ws[1]:
            c.font, c.fill = bold, head_fill
        for r in rows:
            ws.append(r)
        for i, w in enumerate(widths or [14] * len(header)):
            ws.column_dimensions[chr(65 + i)].width = w
        ws.freeze_panes = "A2"
        return ws

    ws = wb.active
    ws.title = "概况"
    t = f.targets
    for r in [
        ["大厅", meta.hall_name], ["统计期间", day.period.label], ["生成时间", hall_time(meta.generated_at)],
        ["数据时效", day.freshness.text(meta.generated_at)], [],
        ["指标", "数值", "目标", "评价"],
        ["取号", f.total.tickets], ["叫号", f.total.called], ["办结（叫号）", f.total.served],
        ["平均等候（分钟）", _min(f.total.wait_mean_s), t.wait_s // 60, target_mark(f.total.wait_ok)],
        ["等候 P90（分钟）", _min(f.total.wait_p90_s)],
        ["平均办理（分钟）", _min(f.total.handle_mean_s), t.handling_s // 60, target_mark(f.total.handle_ok)],
        ["办理 P90（分钟）", _min(f.total.handle_p90_s)],
        ["过号率", round(f.total.no_show_rate, 4)],
        ["办件", f.cases_total], *[[f"办件·{label}", n] for _k, label, n in f.cases_by_outcome],
        ["收费净额（元）", f.fees_total_fen / 100], ["冲红/作废笔数", f.reversals],
        ["评价", f.ratings_total], ["满意率", round(f.satisfaction_rate, 4) if f.satisfaction_rate is not None else None],
        ["差评", f.bad_ratings],
        *[[f"评价·{LEVEL_LABELS[lv]}", n] for lv, n in f.ratings_by_level.items()],
        *[[f"预警·{_WARN[k]}", n] for k, n in sorted(f.warnings_by_level.items())],
    ]:
        ws.append(r)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 20, 40
    group_head = ["分组", "取号/叫号", "叫号", "办结", "过号", "过号率", "等候均值(分)", "等候P90(分)", "等候目标(分)", "办理均值(分)",
                  "办理P90(分)", "办理目标(分)"]
    for title, groups in (("按窗口", f.by_window), ("按人员", f.by_clerk), ("按类别", f.by_queue), ("按时段", f.by_hour)):
        sheet(title, group_head, [[g.key, g.tickets, g.called, g.served, g.no_shows, round(g.no_show_rate, 4), _min(g.wait_mean_s),
                                   _min(g.wait_p90_s), g.wait_target_s // 60, _min(g.handle_mean_s), _min(g.handle_p90_s),
                                   g.handle_target_s // 60] for g in groups])
    sheet("收费", ["渠道", "笔数", "金额（元）"], [[label, n, a / 100] for _c, label, n, a in f.fees])
    sheet("办件", list(CASE_COLUMNS), case_rows(day), [24, 11, 8, 6, 10, 16, 30, 16, 8, 8, 10, 22, 12, 6, 40])
    sheet("预警", ["等级", "类别", "办件编号", "窗口", "人员", "期限", "情况"],
          [[w.level_label, w.kind, w.case_no, w.window_code, w.clerk, w.due.isoformat() if w.due else "", w.text] for w in day.warnings],
          [6, 14, 24, 6, 10, 12, 60])
    sheet("异常", ["类别", "时间", "窗口", "人员", "办件编号", "说明"],
          [[e.kind_label, hall_time(e.at), e.window_code, e.clerk, e.case_no, e.text]
           for e in day.exceptions], [12, 17, 6, 10, 24, 60])
    sheet("差评回访", ["时间", "窗口", "人员", "等级", "原因", "办件编号", "状态", "回访", "整改措施", "整改期限", "结果"],
          [[hall_time(b.rating.at), b.rating.window_code, b.rating.clerk, LEVEL_LABELS[b.rating.level],
            "、".join(b.rating.reasons) + (f"；{b.rating.comment}" if b.rating.comment else ""), b.case_no, b.status_label,
            b.follow_up.callback_note if b.follow_up else "", b.follow_up.fix_plan if b.follow_up else "",
            b.follow_up.fix_deadline.isoformat() if b.follow_up and b.follow_up.fix_deadline else "",
            b.follow_up.result if b.follow_up else ""] for b in day.bad_ratings], [17, 6, 10, 10, 30, 24, 8, 30, 30, 12, 30])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _min(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


# --- files ---------------------------------------------------------------------------------


def report_names(day: HallDay) -> dict[str, str]:
    stem = f"日报-{day.period.first:%Y%m%d}" + ("" if day.period.days == 1 else f"-{day.period.last:%Y%m%d}")
    return {"pdf": f"{stem}.pdf", "xlsx": f"{stem}.xlsx", "csv": f"{stem}-办件.csv"}


def write_report(day: HallDay, meta: ReportMeta, out_dir: Path | str) -> dict[str, Path]:
    """Write the PDF, the XLSX and the CSV of the cases into `out_dir`; all or nothing."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ReportNotWritten(f"无法创建报表目录 {out}（{_why(e)}）。请选择一个可以写入的文件夹，例如“文档”或 U 盘") from None
    blobs = {"pdf": render_report_pdf(day, meta), "xlsx": render_report_xlsx(day, meta), "csv": render_cases_csv(day)}
    names = report_names(day)
    written: list[Path] = []
    try:
        temps = {}
        for k, blob in blobs.items():
            tmp = out / f".{names[k]}.part"
            written.append(tmp)
            tmp.write_bytes(blob)
            temps[k] = tmp
        final = {}
        for k, tmp in temps.items():
            target = out / names[k]
            os.replace(tmp, target)
            final[k] = target
        return final
    except OSError as e:
        for p in written:
            try:
                p.unlink()
            except OSError:
                pass
        raise ReportNotWritten(f"报表无法写入 {out}（{_why(e)}），没有生成任何文件。请选择一个可以写入的文件夹，"
                               "或关闭正在打开这些报表的程序后重试") from None


def _why(e: OSError) -> str:
    import errno

    return {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.ENOSPC: "磁盘已满", errno.EROFS: "只读磁盘",
            errno.ENOTDIR: "这不是一个文件夹", errno.EEXIST: "同名文件已存在"}.get(e.errno, "无法写入")
