"""The daily report: the PDF's text, the XLSX's cells, the CSV; a directory that cannot be
written; `hallclient report day` end to end."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pypdf
import pytest
from openpyxl import load_workbook

from hallclient.models import utcnow
from hallclient.permissions import PermissionDenied
from hallclient.supervision.overview import load_report, reading
from printing.report import ReportMeta, ReportNotWritten, render_cases_csv, render_report_pdf, render_report_xlsx, write_report

from day_script import accepted_case, apply, clerk, event, hall, q, record, supervisor, uid

DAY = date(2026, 12, 2)
META = ReportMeta("示例市政务服务中心", "值班长 陈静", utcnow())


def _day(store):
    a, rows = accepted_case(DAY, 9, window="03", clerk="clerk2")
    c = uid()
    rows += [event(c, "created", "draft", hall(DAY, 10), {"item_code": "GJJ-001"}),
             event(c, "refused", "refused", hall(DAY, 10, 5), {"reason": "不属于本机关职权范围", "legal_basis": ""})]
    rows.append(record("rating", {"rating_id": uid(), "case_id": a, "level": 2, "reasons": ["等候时间太长"], "window_code": "03",
                                  "clerk": "clerk2", "at": hall(DAY, 9, 40).isoformat()}))
    rows.append(record("fee.paid", {"amount_fen": 12050, "channel": "scan", "case_id": a, "at": hall(DAY, 9, 30).isoformat()}))
    t = lambda h, m=0: hall(DAY, h, m)  # noqa: E731
    queue = [q(1, "issue", t(9), "A001"), q(2, "call", t(9, 6), "A001", window="03", clerk="clerk2", issued=t(9)),
             q(3, "end", t(9, 30), "A001", window="03", clerk="clerk2", issued=t(9))]
    apply(store, rows, queue)
    with reading(store) as s:
        return load_report(s, supervisor(), DAY, today=DAY)


def test_pdf_text_xlsx_cells_and_csv(store):
    day = _day(store)
    pdf = render_report_pdf(day, META)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages)
    for expected in ("示例市政务服务中心", "政务服务大厅日报", "统计期间：2026-12-02", "1 / 1 / 1", "6.0 分", "24.0 分",
                     "未达标", "￥120.50", "不予受理未写明法律依据", "差评", "等候时间太长", "各时段取号量", "办件结果（共 2 件）", "clerk2"):
        assert expected in text, expected
    assert len(reader.pages) >= 2
    wb = load_workbook(io.BytesIO(render_report_xlsx(day, META)))
    assert wb.sheetnames[:2] == ["概况", "按窗口"] and "办件" in wb.sheetnames and "差评回访" in wb.sheetnames
    summary = {r[0]: r[1:] for r in wb["概况"].iter_rows(values_only=True) if r and r[0]}
    assert summary["取号"][0] == 1 and summary["平均等候（分钟）"][:3] == (6.0, 10, "达标")
    assert summary["平均办理（分钟）"][:3] == (24.0, 20, "未达标")
    assert summary["收费净额（元）"][0] == 120.5 and summary["差评"][0] == 1
    win = list(wb["按窗口"].iter_rows(values_only=True))
    assert win[1][:4] == ("03", 1, 1, 1)
    cases = list(wb["办件"].iter_rows(values_only=True))
    assert cases[0][0] == "办件编号" and len(cases) == 3
    assert {r[9] for r in cases[1:]} == {"已受理", "不予受理"} and "440305********1234" in {r[11] for r in cases[1:]}
    rows = list(csv.reader(io.StringIO(render_cases_csv(day).decode("utf-8-sig"))))
    assert rows[0][0] == "办件编号" and len(rows) == 3 and "张䶮" in {r[10] for r in rows[1:]}
    assert "440305********1234" in {r[11] for r in rows[1:]}  # masked: first 6, last 4


def test_report_files_written_together_or_not_at_all(store, tmp_path):
    day = _day(store)
    paths = write_report(day, META, tmp_path / "reports")
    assert sorted(p.name for p in paths.values()) == ["日报-20261202-办件.csv", "日报-20261202.pdf", "日报-20261202.xlsx"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(p.name for p in paths.values())
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for bad in (blocker, blocker / "sub"):
        with pytest.raises(ReportNotWritten) as e:
            write_report(day, META, bad)
        assert "请选择一个可以写入的文件夹" in e.value.message and "Error" not in e.value.message


def test_exporting_is_refused_to_a_clerk(store):
    with reading(store) as s, pytest.raises(PermissionDenied, match="导出报表"):
        load_report(s, clerk(), DAY)


def test_report_day_command(ctx, cli, data_dir, tmp_path):
    _day(ctx.store)
    ctx.close()  # the command takes the data directory's lock
    out = tmp_path / "out"
    r = cli("report", "day", "--date", "2026-12-02", "--out", str(out), "--user", "supervisor", data_dir=data_dir, input="super123\n")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["cases"] == 2 and (out / "日报-20261202.pdf").exists() and (out / "日报-20261202.xlsx").exists()
    r = cli("report", "day", "--date", "2026-12-02", "--out", str(out), "--user", "clerk", data_dir=data_dir, input="clerk123\n")
    assert r.returncode == 3 and "无权" in r.stderr and "Traceback" not in r.stderr


def test_report_command_dates_are_checked_with_a_message():
    from hallclient.errors import ValidationFailed
    from printing.report_cli import _date

    assert _date(" 2026-12-02 ", "日期") == DAY
    with pytest.raises(ValidationFailed, match="不是有效日期，请写成 YYYY-MM-DD"):
        _date("2026-13-02", "日期")
