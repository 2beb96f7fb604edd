"""The print spooler: a real child process prints real PDFs; answers come back in order; a
child that dies fails its jobs in Chinese and the next job starts a new one."""

from __future__ import annotations

import os
import signal

import pypdf
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ui.print_spooler import PrintJob, PrintSpooler


def _pdf(path, pages: int) -> bytes:
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(pages):
        c.drawString(72, 720, f"page {n + 1}")
        c.showPage()
    c.save()
    return path.read_bytes()


@pytest.fixture
def spooler(qtbot):
    s = PrintSpooler()
    yield s
    s.close()


def _submit(spooler, job, pdf, results):
    spooler.submit(job, pdf, results.append)


def test_jobs_print_in_order_with_copies_and_exact_size(spooler, qtbot, tmp_path):
    two = _pdf(tmp_path / "two.pdf", 2)
    results = []
    _submit(spooler, PrintJob("通知书", output_file=str(tmp_path / "a.pdf"), copies=2, resolution=100), two, results)
    _submit(spooler, PrintJob("证照", output_file=str(tmp_path / "b.pdf"), resolution=100, exact_mm=(297, 210)), two, results)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=30_000)
    assert [r.ok for r in results] == [True, True]
    assert results[0].where == str(tmp_path / "a.pdf")
    # a PDF "printer" makes no copies itself: two copies of two pages are four pages
    assert len(pypdf.PdfReader(str(tmp_path / "a.pdf")).pages) == 4
    # exact scale: one landscape sheet of the template's size, whatever the PDF's page count
    sheet = pypdf.PdfReader(str(tmp_path / "b.pdf")).pages
    assert len(sheet) == 1
    assert (round(float(sheet[0].mediabox.width) * 25.4 / 72), round(float(sheet[0].mediabox.height) * 25.4 / 72)) == (297, 210)


def test_an_unwritable_target_fails_in_chinese(spooler, qtbot, tmp_path):
    results = []
    _submit(spooler, PrintJob("通知书", output_file=str(tmp_path / "none" / "x.pdf")), _pdf(tmp_path / "one.pdf", 1), results)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=30_000)
    assert not results[0].ok and "无法写入打印文件" in results[0].error


def test_a_child_that_dies_fails_its_jobs_and_the_next_job_starts_a_new_one(spooler, qtbot, tmp_path):
    pdf = _pdf(tmp_path / "one.pdf", 1)
    spooler.warm()
    qtbot.waitUntil(lambda: spooler._proc is not None and spooler._proc.processId() > 0, timeout=10_000)
    results = []
    # The child is still importing Qt; killed now, it never answers this job.
    _submit(spooler, PrintJob("通知书", output_file=str(tmp_path / "lost.pdf")), pdf, results)
    os.kill(spooler._proc.processId(), signal.SIGKILL)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=30_000)
    assert not results[0].ok and "打印程序意外退出" in results[0].error
    _submit(spooler, PrintJob("通知书", output_file=str(tmp_path / "again.pdf")), pdf, results)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=30_000)
    assert results[1].ok and (tmp_path / "again.pdf").read_bytes().startswith(b"%PDF")
