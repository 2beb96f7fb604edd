"""Certificate PDFs: every field at its mm position (read back from the PDF), the calibration
offset moving all of them by exactly the offset, and templates refused when they are wrong."""

from __future__ import annotations

import copy
import io

import pytest
from pypdf import PdfReader

from hallclient.certificates.templates import demo_templates, parse_template
from hallclient.errors import ValidationFailed
from printing.fonts import string_width
from printing.certificates import render_calibration_sheet, render_certificate, sample_values

MM = 72 / 25.4


def _texts(pdf: bytes) -> tuple[list[tuple[str, float, float]], float]:
    """(text, x mm, y mm from the top) of every text run, and the page height in mm."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    h = float(page.mediabox.height)
    out = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            out.append((text, tm[4] / MM, (h - tm[5]) / MM))

    page.extract_text(visitor_text=visit)
    return out, h / MM


def _run_at(runs, value: str):
    hits = [r for r in runs if r[0] == value]
    assert hits, (value, [r[0] for r in runs])
    return hits[0]


@pytest.mark.parametrize("key", ["business_licence_copy", "food_business_licence", "permit_decision"])
def test_each_single_line_field_lands_in_its_box(key):
    t = parse_template(next(d for d in demo_templates() if d["key"] == key))
    values = {k: v for k, v in sample_values(t).items() if "䶮" not in v and "𠀀" not in v}  # one font run per field
    runs, page_h = _texts(render_certificate(t, values))
    assert abs(page_h - t.page_h) < 0.01
    checked = 0
    for f in t.fields:
        if f.kind != "text" or f.wrap or f.name not in values:
            continue
        text, x, base = _run_at(runs, values[f.name])
        size_mm = f.font_size / MM
        width = string_width(text, f.font_size) / MM
        expect = {"left": f.box.x, "center": f.box.x + (f.box.w - width) / 2, "right": f.box.x + f.box.w - width}
        assert x == pytest.approx(expect[f.align], abs=0.01), f.name
        # Baseline: centred line, top + (h + 0.7 em) / 2 (printing/certificates.py).
        assert base == pytest.approx(f.box.y + (f.box.h + 0.7 * size_mm) / 2, abs=0.05) or f.shrink, f.name
        assert f.box.y < base <= f.box.y + f.box.h, f.name
        checked += 1
    assert checked >= 6


def test_calibration_offset_moves_every_field_by_exactly_the_offset():
    t = parse_template(next(d for d in demo_templates() if d["key"] == "business_licence_copy"))
    values = sample_values(t)
    base, _ = _texts(render_certificate(t, values))
    moved, _ = _texts(render_certificate(t, values, dx=2.5, dy=-1.75))
    assert len(base) == len(moved) > 10
    for (t0, x0, y0), (t1, x1, y1) in zip(base, moved):
        assert t0 == t1
        assert x1 - x0 == pytest.approx(2.5, abs=0.005)
        assert y1 - y0 == pytest.approx(-1.75, abs=0.005)


def test_preprinted_prints_only_fields_plain_prints_the_design():
    t = parse_template(next(d for d in demo_templates() if d["key"] == "food_business_licence"))
    values = sample_values(t)
    pre = "".join(r[0] for r in _texts(render_certificate(t, values, mode="preprinted"))[0])
    plain = "".join(r[0] for r in _texts(render_certificate(t, values, mode="plain"))[0])
    assert "食品经营许可证" not in pre and "经营者名称" not in pre
    assert "食品经营许可证" in plain and "经营者名称" in plain
    assert values["licence_id"] in pre and values["certificate_no"] in pre


def _tpl(**change):
    d = copy.deepcopy(next(d for d in demo_templates() if d["key"] == "permit_decision"))
    for f in d["fields"]:
        if f["name"] == "case_no":
            f.update(change)
    return d


def test_templates_with_a_field_off_the_page_overlapping_or_unknown_are_refused():
    with pytest.raises(ValidationFailed, match="“办件编号”超出纸张范围"):
        parse_template(_tpl(x_mm=190))
    with pytest.raises(ValidationFailed, match="“办件编号”与.*重叠|与“办件编号”位置重叠"):
        parse_template(_tpl(y_mm=171))
    with pytest.raises(ValidationFailed, match="未知字段名“case_number”"):
        parse_template(_tpl(name="case_number"))


def test_a_value_too_long_for_its_box_is_refused_not_cut():
    t = parse_template(next(d for d in demo_templates() if d["key"] == "business_licence_copy"))
    values = dict(sample_values(t), holder_name="很长的名称" * 40)
    with pytest.raises(ValidationFailed, match="“名称/姓名”内容过长"):
        render_certificate(t, values)


def test_wrapped_field_shrinks_to_fit_inside_its_box():
    t = parse_template(next(d for d in demo_templates() if d["key"] == "business_licence_copy"))
    scope = "软件开发；信息技术咨询服务；" * 30
    runs, _ = _texts(render_certificate(t, dict(sample_values(t), business_scope=scope)))
    f = t.field("business_scope")
    lines = [r for r in runs if abs(r[1] - f.box.x) < 0.01 and f.box.y < r[2] <= f.box.y + f.box.h]
    assert len(lines) > 3
    assert "".join(r[0] for r in lines) == scope  # all of it, inside the box


def test_calibration_sheet_has_the_grid_and_instructions():
    pdf = render_calibration_sheet(297, 210, printer="HP LaserJet", station="PC-03", current=(1.5, -2))
    text = "".join(r[0] for r in _texts(pdf)[0])
    assert "证照打印校准页" in text and "HP LaserJet" in text and "X +1.5 mm" in text
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width) / MM) == 297
