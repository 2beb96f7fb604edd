"""QR and barcode fields land in their boxes (path bounds read back with pdfium), moved by the
calibration offset like the text."""

from __future__ import annotations

import copy

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from hallclient.certificates.templates import demo_templates, parse_template
from printing.certificates import render_certificate, sample_values

MM = 72 / 25.4


def _paths(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in mm from the page's top-left of every filled path."""
    page = pdfium.PdfDocument(pdf)[0]
    h = page.get_height()
    out = []
    for obj in page.get_objects():
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            l, b, r, t = obj.get_bounds()
            out.append((l / MM, (h - t) / MM, r / MM, (h - b) / MM))
    return out


@pytest.mark.parametrize("dx,dy", [(0, 0), (3.0, -2.0)])
def test_qr_and_barcode_fields_inside_their_boxes(dx, dy):
    d = copy.deepcopy(next(x for x in demo_templates() if x["key"] == "permit_decision"))
    d["fields"].append({"name": "case_no", "kind": "barcode", "x_mm": 120, "y_mm": 256, "w_mm": 70, "h_mm": 8})
    d["fields"] = [f for f in d["fields"] if not (f["name"] == "case_no" and f.get("kind") != "barcode")]
    t = parse_template(d)
    paths = _paths(render_certificate(t, sample_values(t), dx=dx, dy=dy))
    for name in ("verify_url", "case_no"):
        b = t.field(name).box
        inside = [p for p in paths if b.x + dx - 0.01 <= p[0] and p[2] <= b.x + dx + b.w + 0.01
                  and b.y + dy - 0.01 <= p[1] and p[3] <= b.y + dy + b.h + 0.01]
        assert inside, name
        left, top = min(p[0] for p in inside), min(p[1] for p in inside)
        right, bottom = max(p[2] for p in inside), max(p[3] for p in inside)
        if name == "verify_url":  # a square with its 4-module quiet zone inside the box
            assert right - left == pytest.approx(bottom - top, abs=0.2) and right - left > 0.7 * b.w
        else:  # the bars fill the box's height
            assert bottom - top == pytest.approx(b.h, abs=0.01) and right - left > 0.6 * b.w
