"""The fee documents are real PDFs: their text carries the figures and the capitals, their QR
codes decode to the payment code and the e-receipt's verification data."""

from __future__ import annotations

import io
import re

import pypdf
import pypdfium2
import zxingcpp

from printing.fee_samples import close_sample, e_receipt_sample, notice_bill, paper_samples, render_samples, sample_fees
from printing.fees import render_e_receipt, render_payment_notice, render_paper_receipt


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def qr_codes(pdf: bytes) -> list[str]:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [b.text for page in doc for b in zxingcpp.read_barcodes(page.render(scale=200 / 72).to_pil())
                if b.format == zxingcpp.BarcodeFormat.QRCode]
    finally:
        doc.close()


def test_e_receipt_fields_figures_capitals_and_qr():
    bill, r = e_receipt_sample()
    pdf = render_e_receipt(sample_fees(bill), bill, r, verify_url="https://pjcy.example/?c={code}&n={number}&k={check}")
    text = flat(pdf)
    for s in ("财政电子票据", "票据代码", r.code, "票据号码", r.number, "校验码", r.check_code, "交款人", "李䶮",
              "￥100.00", "壹佰元整", "￥80.00", "￥20.00", "开票单位", "收款人", "复核人", "微信支付"):
        assert s in text, s
    assert qr_codes(pdf) == [f"https://pjcy.example/?c={r.code}&n={r.number}&k={r.check_code}"]


def test_payment_notice_code_and_qr():
    bill = notice_bill()
    pdf = render_payment_notice(sample_fees(bill), bill, pay_url="https://pay.example/fs?code={code}")
    text = flat(pdf)
    assert "缴款通知书" in text and "壹佰元整" in text and "￥100.00" in text
    assert "4403000010300000" in text  # the code, printed in groups of four
    assert qr_codes(pdf) == [f"https://pay.example/fs?code={bill.payment_code}"]


def test_paper_receipt_and_its_void():
    bill, void, good = paper_samples()
    ok = flat(render_paper_receipt(sample_fees(bill), bill, good))
    bad = flat(render_paper_receipt(sample_fees(bill), bill, void))
    assert "00001237" in ok and "作废" not in ok and "￥200.00/￥100.00" in ok  # tendered / change
    assert "00001236" in bad and "作废" in bad and "打印机卡纸" in bad


def test_day_close_and_all_samples_render():
    c = close_sample()
    text = flat(render_samples()["day_close"][1])
    assert "收费日结单" in text and "应上缴现金" in text
    assert f"￥{c.cash_to_hand_over_fen // 100:,}.00" in text and "肆佰肆拾元整" in text
    assert set(render_samples()) == {"payment_notice", "e_receipt", "paper_receipt", "paper_receipt_void", "day_close"}


def test_docs_samples_command_writes_fee_documents(cli, tmp_path):
    r = cli("docs", "samples", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    for stem in ("payment_notice", "e_receipt", "paper_receipt", "paper_receipt_void", "day_close"):
        assert (tmp_path / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
