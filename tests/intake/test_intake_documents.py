"""Documents rendered from cases the core produced (not the built-in samples): what the
snapshot carries is what the paper says."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf

from hallclient.intake import (
    accept, attach_agent, case_snapshot, refuse, request_supplement, resume, save_applicant, start_case,
    update_material,
)
from hallclient.intake.applicants import ApplicantInput
from hallclient.intake.cases import load_case
from intake_helpers import at, desk_for, item_id, make_uscc, new_case, person, receive_all
from printing.documents import render_document


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_id_types_printed_in_chinese_from_a_real_case(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        attach_agent(s, cid, person(s, "李代办", "44030519850505123"), d)
        receive_all(s, cid, date(2026, 9, 30))
        accept(s, cid, d, now=at(2026, 9, 30))
        snap = case_snapshot(s, cid)
        org = save_applicant(s, ApplicantInput("organisation", "深圳市𠀀科技有限公司", make_uscc()))
        cid2 = start_case(s, d, item_id(s, "SCJG-004"), org)
        refuse(s, cid2, d, "不属于本机关职权范围", "福田区市场监督管理局")
        snap2 = case_snapshot(s, cid2)
    assert snap.applicant.id_type == "居民身份证" and snap.agent.id_type == "居民身份证"
    for kind in ("acceptance_notice", "material_receipt"):
        text = text_of(render_document(kind, snap))
        assert "张䶮（居民身份证" in text and "李代办（居民身份证" in text
        assert "resident" not in text
    text = text_of(render_document("refusal_notice", snap2))
    assert "深圳市𠀀科技有限公司（统一社会信用代码" in text and "uscc" not in text


def test_supplement_notice_lists_required_rows_with_deadline_and_survives_resume(store):
    today = date(2026, 9, 25)
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 25))
        rows = {r.name: r for r in load_case(s, cid).materials}
        update_material(s, cid, rows["公司登记（备案）申请书"].id, "received", today=today)
        update_material(s, cid, rows["公司章程"].id, "defective", today=today, reason="缺少全体股东签字")
        request_supplement(s, cid, d, deadline=date(2026, 10, 12), now=at(2026, 9, 25))
        supplement = case_snapshot(s, cid)
        resume(s, cid, d, now=at(2026, 10, 9))
        receive_all(s, cid, date(2026, 10, 9))
        accept(s, cid, d, now=at(2026, 10, 9))
        later = case_snapshot(s, cid)
    for snap in (supplement, later):  # a reprint after acceptance still says what was asked
        text = text_of(render_document("supplement_notice", snap))
        assert "公司章程" in text and "缺少全体股东签字" in text
        assert "法定代表人、董事、监事和经理的任职文件" in text and "未提交" in text
        assert "名称自主申报告知书" not in text  # optional, not brought: nothing to bring
        assert "请于2026年10月12日前" in text and "请在备齐材料后" not in text
        assert "补正期限" in text
