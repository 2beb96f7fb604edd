"""`hallclient docs samples` renders each demo certificate with its 证照标识, a calibration sheet
and a 送达回证 (through the real command)."""

from __future__ import annotations

import io
import json

import pypdf

from hallclient.certificates.identifier import identifier_valid


def test_samples_include_certificates_calibration_and_delivery_receipt(cli, tmp_path, data_dir):
    r = cli("docs", "samples", "--out", str(tmp_path), data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    listed = {x["kind"]: x for x in json.loads(r.stdout)}
    for key in ("business_licence_copy", "food_business_licence", "permit_decision"):
        x = listed[f"certificate_{key}"]
        assert identifier_valid(x["licence_id"])
        text = pypdf.PdfReader(x["path"]).pages[0].extract_text()
        assert x["licence_id"] in text and x["title"][:4] in text.replace(" ", "")
    assert "证照打印校准页" in pypdf.PdfReader(listed["calibration_sheet"]["path"]).pages[0].extract_text()
    receipt = pypdf.PdfReader(io.BytesIO(open(listed["delivery_receipt"]["path"], "rb").read())).pages[0].extract_text()
    assert "送 达 回 证" in receipt and "张𠀀" in receipt and "受托代办人" in receipt
