"""`hallclient docs samples` through the real command."""

from __future__ import annotations

import io
import json

import pypdf

from printing.documents import DOCUMENT_KINDS


def test_docs_samples_writes_one_pdf_per_kind(cli, tmp_path, data_dir):
    out = tmp_path / "new" / "docs"
    r = cli("docs", "samples", "--out", str(out), data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)
    assert [x["kind"] for x in listed][: len(DOCUMENT_KINDS)] == list(DOCUMENT_KINDS)  # then the certificates
    for kind, title in DOCUMENT_KINDS.items():
        pdf = (out / f"{kind}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        assert title in text and "李䶮" in text and "补打" not in text


def test_docs_samples_reprint(cli, tmp_path, data_dir):
    r = cli("docs", "samples", "--out", str(tmp_path), "--reprint", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    pdf = (tmp_path / "acceptance_notice.pdf").read_bytes()
    assert "补打" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_docs_samples_unwritable_out(cli, tmp_path, data_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("docs", "samples", "--out", str(blocker / "sub"), data_dir=data_dir)
    assert r.returncode == 2
    assert "无法创建输出目录" in r.stdout + r.stderr
