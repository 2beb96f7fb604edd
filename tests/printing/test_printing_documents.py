"""The A4 notices: real PDFs, read back with pypdf and rendered with pypdfium2, codes decoded
with zxing-cpp."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, datetime, timezone

import pypdf
import pypdfium2
import pytest
import zxingcpp

from hallclient.personal import mask_id
from printing.documents import DOCUMENT_KINDS, UnknownDocumentKind, render_document, render_timings
from printing.samples import sample_snapshot

KINDS = list(DOCUMENT_KINDS)


@pytest.fixture(scope="module")
def pdfs():
    """Every kind rendered once as an original and once as a reprint."""
    return {
        (kind, reprint): render_document(kind, sample_snapshot(kind), reprint=reprint)
        for kind in KINDS
        for reprint in (False, True)
    }


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text without line breaks and spaces (tables wrap long cells)."""
    return re.sub(r"\s+", "", text)


def decode_codes(pdf: bytes, scale: float = 300 / 72):
    doc = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for page in doc:
            image = page.render(scale=scale).to_pil()
            found += zxingcpp.read_barcodes(image)
        return found
    finally:
        doc.close()


def local(dt: datetime) -> str:
    return dt.astimezone().strftime("%Y年%m月%d日 %H:%M")


@pytest.mark.parametrize("kind", KINDS)
def test_title_applicant_item_and_rare_characters(pdfs, kind):
    snap = sample_snapshot(kind)
    text = flat(text_of(pdfs[kind, False]))
    assert DOCUMENT_KINDS[kind] in text
    # 䶮 (Extension A) and 𠀀 (outside the BMP) come back out of the PDF text layer.
    assert "李䶮" in text and "张𠀀" in text
    assert snap.item_name in text
    assert mask_id(snap.applicant.id_number) in text
    assert snap.applicant.id_number not in text  # never the full ID number on paper
    assert snap.clerk_name in text and snap.window_name in text
    assert "盖章" in text


def test_acceptance_notice_fields(pdfs):
    snap = sample_snapshot("acceptance_notice")
    text = flat(text_of(pdfs["acceptance_notice", False]))
    for field in (
        snap.case_no,
        snap.query_password,
        snap.case_type_name,
        flat(local(snap.received_at)),
        flat(local(snap.accepted_at)),
        "2025年11月18日",  # promised completion date
        "法定15个工作日，承诺3个工作日",
        "予以受理",
    ):
        assert field in text, field
    # Materials received, exempt (with its e-licence) and tolerated (with the promised date).
    assert "个体工商户登记（备案）申请书" in text
    assert "免于提交（已调取电子证照：粤（2023）深圳市不动产权第0123456号）" in text
    assert "容缺受理（申请人承诺于2025年11月20日前补交）" in text
    assert "从事特定行业的许可证明" not in text  # not applicable: not listed


def test_material_receipt_lists_every_material_with_counts_and_signatures(pdfs):
    text = flat(text_of(pdfs["material_receipt", False]))
    for m in sample_snapshot("material_receipt").materials:
        if m.status != "not_applicable":
            assert m.name in text
    assert "实收/应收" in text
    assert "合计：收取3项，免于提交1项，容缺1项" in text
    assert "申请人（代办人）签字" in text and "收件人签字" in text


def test_supplement_notice_lists_everything_at_once(pdfs):
    snap = sample_snapshot("supplement_notice")
    text = flat(text_of(pdfs["supplement_notice", False]))
    todo = [m for m in snap.materials if m.status in ("missing", "defective")]
    assert len(todo) == 2
    for m in todo:
        assert flat(m.name) in text and flat(m.reason) in text and flat(m.source) in text
    assert "不符合要求" in text and "缺少" in text
    assert "请于2025年12月12日前" in text  # the deadline from the supplement event
    assert "一次性告知" in text and "全部材料" in text
    # Materials already received are not asked for again.
    assert "个体工商户登记（备案）申请书" not in text


def test_supplement_notice_without_deadline_says_when_ready(pdfs):
    snap = dataclasses.replace(sample_snapshot("supplement_notice"), events=())
    text = flat(text_of(render_document("supplement_notice", snap)))
    assert "请在备齐材料后" in text


def test_refusal_notice_reason_basis_authority_and_appeal(pdfs):
    snap = sample_snapshot("refusal_notice")
    text = flat(text_of(pdfs["refusal_notice", False]))
    assert flat(snap.outcome_reason) in text
    assert "《中华人民共和国行政许可法》第三十二条第一款第（二）项" in text
    assert flat(snap.redirect_authority) in text
    assert "行政复议" in text and "行政诉讼" in text and "六十日" in text
    assert "不予受理" in text


def test_reprint_mark_only_on_reprints(pdfs):
    for kind in KINDS:
        assert "补打" not in text_of(pdfs[kind, False]), kind
        reprint = pypdf.PdfReader(io.BytesIO(pdfs[kind, True]))
        for page in reprint.pages:  # on every page of a reprint
            assert "补打" in page.extract_text(), kind


def test_fonts_are_embedded_subsets(pdfs):
    reader = pypdf.PdfReader(io.BytesIO(pdfs["acceptance_notice", False]))
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, font["/BaseFont"]  # TrueType outlines embedded
            base = str(font["/BaseFont"])
            assert re.fullmatch(r"/[A-Z]{6}\+.+", base), base  # subset tag
            seen.add(base.split("+", 1)[1])
    # Main font plus the Extension A and B fallbacks used by 李䶮 / 张𠀀.
    assert any("WenQuanYi" in s for s in seen)
    assert any("HanaMinA" in s for s in seen)
    assert any("HanaMinB" in s for s in seen)
    # Subsets, not whole fonts: the bundled fonts are 3–22 MB.
    assert len(pdfs["acceptance_notice", False]) < 200_000


@pytest.mark.parametrize("kind", KINDS)
def test_barcode_decodes_to_case_reference(pdfs, kind):
    snap = sample_snapshot(kind)
    codes = decode_codes(pdfs[kind, False])
    bars = [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.Code128]
    assert bars == [snap.case_no or snap.id]


def test_barcode_is_vector_not_image(pdfs):
    reader = pypdf.PdfReader(io.BytesIO(pdfs["acceptance_notice", False]))
    resources = reader.pages[0]["/Resources"]
    xobjects = resources.get("/XObject", {})
    images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert images == []


@pytest.mark.parametrize("kind", ["acceptance_notice", "material_receipt", "supplement_notice"])
def test_progress_qr_decodes(pdfs, kind):
    snap = sample_snapshot(kind)
    codes = decode_codes(pdfs[kind, False])
    qrs = [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert qrs == [f"https://zwfw.example.gov.cn/progress?no={snap.case_no or snap.id}"]


def test_progress_url_is_configurable():
    pdf = render_document("acceptance_notice", sample_snapshot("acceptance_notice"),
                          progress_url="http://hall.local/p/{no}")
    qrs = [c.text for c in decode_codes(pdf) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert qrs == ["http://hall.local/p/440300001-20251113-03-0007"]


def test_print_time_is_local_and_given():
    at = datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc)
    pdf = render_document("material_receipt", sample_snapshot("material_receipt"), printed_at=at)
    assert flat("打印时间：" + local(at)) in flat(text_of(pdf))


def test_long_material_list_flows_onto_more_pages_with_mark_on_each():
    snap = sample_snapshot("material_receipt")
    many = tuple(dataclasses.replace(snap.materials[1], seq=i, name=f"补充证明材料第{i}号")
                 for i in range(1, 61))
    pdf = render_document("material_receipt", dataclasses.replace(snap, materials=many), reprint=True)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = flat(text_of(pdf))
    assert "补充证明材料第1号" in text and "补充证明材料第60号" in text
    assert all("补打" in p.extract_text() for p in reader.pages)


def test_organisation_applicant_without_agent():
    snap = sample_snapshot("acceptance_notice")
    org = dataclasses.replace(snap.applicant, kind="organisation", name="示例市𠀀源科技有限公司",
                              id_type="统一社会信用代码", id_number="91440300MA5F4XXX3Q",
                              legal_rep_name="王五")
    text = flat(text_of(render_document("acceptance_notice",
                                        dataclasses.replace(snap, applicant=org, agent=None))))
    assert "示例市𠀀源科技有限公司" in text and "法定代表人" in text and "代办人张" not in text


def test_unknown_kind_is_refused():
    with pytest.raises(UnknownDocumentKind):
        render_document("certificate", sample_snapshot("acceptance_notice"))
    with pytest.raises(ValueError):
        sample_snapshot("nope")


def test_render_timings_reports_every_kind():
    timings = render_timings(warm_runs=2)
    assert [t.kind for t in timings] == KINDS
    assert all(t.first_ms > 0 and t.warm_p50_ms > 0 and t.pages_bytes > 10_000 for t in timings)


def test_sample_dates_are_dates():
    assert isinstance(sample_snapshot("acceptance_notice").promised_date, date)


def test_to_unicode_of_characters_outside_the_bmp_is_a_surrogate_pair(pdfs):
    """reportlab writes <20000> for U+20000; printing.fonts repairs it to UTF-16 <D840DC00>."""
    reader = pypdf.PdfReader(io.BytesIO(pdfs["acceptance_notice", False]))
    cmaps = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "HanaMinB" in str(font["/BaseFont"]):
            cmaps.append(font["/ToUnicode"].get_object().get_data().decode("latin-1"))
    assert cmaps and all("<D840DC00>" in c and "<20000>" not in c for c in cmaps)


def test_renders_concurrently_from_worker_threads():
    from concurrent.futures import ThreadPoolExecutor

    # Eight threads, several rounds: without the per-face subset lock (printing/fonts.py) about
    # half of such rounds broke on reportlab's shared font read cursor.
    for _ in range(5):
        jobs = [(kind, sample_snapshot(kind)) for kind in KINDS] * 4
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda j: render_document(*j), jobs))
        for (kind, _), pdf in zip(jobs, results):
            text = flat(text_of(pdf))
            assert DOCUMENT_KINDS[kind] in text and "张𠀀" in text


def test_stored_id_type_codes_never_reach_paper():
    snap = sample_snapshot("acceptance_notice")
    coded = dataclasses.replace(snap, applicant=dataclasses.replace(snap.applicant, id_type="resident"),
                                agent=dataclasses.replace(snap.agent, id_type="gat_permit"))
    text = flat(text_of(render_document("acceptance_notice", coded)))
    assert "李䶮（居民身份证" in text and "张𠀀（港澳台居民居住证" in text
    assert "resident" not in text and "gat_permit" not in text


def test_supplement_notice_skips_optional_rows_not_brought():
    from hallclient.snapshots import MaterialLine

    snap = sample_snapshot("supplement_notice")
    extra = (MaterialLine(8, "可选的补充说明材料", False, "missing", 1, 0, 0, 0, reason="未提交"),
             MaterialLine(9, "自愿提交的经营计划书", False, "defective", 1, 0, 1, 0, reason="未签名"))
    text = flat(text_of(render_document("supplement_notice", dataclasses.replace(snap, materials=snap.materials + extra))))
    assert "登记联络员身份证明复印件" in text  # required, missing
    assert "可选的补充说明材料" not in text
    assert "自愿提交的经营计划书" in text and "非必交材料" in text and "未签名" in text
    assert "补正期限" in text and "请于2025年12月12日前" in text
