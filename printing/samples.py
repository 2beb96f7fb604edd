"""Built-in sample cases, one per document kind, so anyone can look at the documents
(`hallclient docs samples`) and tests have realistic data.

The applicant's name 李䶮 has a CJK Extension A character, the agent's 张𠀀 one outside the
BMP (Extension B): both must come out of every document intact.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from hallclient.snapshots import CaseSnapshot, EventLine, MaterialLine, PartyInfo

SAMPLE_APPLICANT = PartyInfo(
    kind="person",
    name="李䶮",
    id_type="居民身份证",
    id_number="440304199001011234",
    phone="13800138000",
    address="广东省深圳市福田区示例路 88 号 3 栋 1202",
)
SAMPLE_AGENT = PartyInfo(
    kind="person", name="张𠀀", id_type="居民身份证", id_number="44030519850615002X", phone="13900139000"
)

_RECEIVED_AT = datetime(2025, 11, 13, 1, 42, tzinfo=timezone.utc)  # 09:42 in Beijing
_ACCEPTED_AT = datetime(2025, 11, 13, 1, 55, tzinfo=timezone.utc)


def _materials(kind: str) -> tuple[MaterialLine, ...]:
    def m(seq, name, status, oe, ce, orr, cr, required=True, **kw):
        return MaterialLine(seq, name, required, status, oe, ce, orr, cr, **kw)

    site_status = {"supplement_notice": "defective"}.get(kind, "gap")
    rows = [
        m(1, "个体工商户登记（备案）申请书", "received", 1, 0, 1, 0),
        m(2, "经营者身份证明", "received", 1, 1, 1, 1),
        m(
            3,
            "经营场所使用相关文件（租赁合同或产权证明）",
            site_status,
            1,
            1,
            0 if site_status == "gap" else 1,
            0 if site_status == "gap" else 1,
            reason="租赁合同未载明租赁期限，且出租方未签章" if site_status == "defective" else "",
            gap_due_date=date(2025, 11, 20) if site_status == "gap" else None,
            source="由出租方重新出具并签章；或到不动产登记中心窗口打印产权证明",
        ),
        m(4, "不动产权证书", "exempt", 0, 1, 0, 0, e_licence_no="粤（2023）深圳市不动产权第0123456号"),
        m(5, "授权委托书（代办人办理时提交）", "received", 1, 0, 1, 0),
        m(6, "从事特定行业的许可证明", "not_applicable", 0, 1, 0, 0, required=False),
    ]
    if kind == "supplement_notice":
        rows.append(
            m(
                7,
                "登记联络员身份证明复印件",
                "missing",
                0,
                1,
                0,
                0,
                reason="未提交",
                source="申请人自备（身份证正反面复印于同一页）",
            )
        )
    return tuple(rows)


def sample_snapshot(kind: str) -> CaseSnapshot:
    """A realistic case in the state the document `kind` is printed for."""
    from printing.documents import DOCUMENT_KINDS

    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"unknown document kind {kind!r}; one of {', '.join(DOCUMENT_KINDS)}")
    common = dict(
        id="c0a8012e-5f3b-4d7e-9a61-2b8e4f1d9c07",
        case_type="promise",
        case_type_name="承诺件",
        item_code="11440300MB2C92001X4442114001000",
        item_name="个体工商户设立登记",
        department="示例市市场监督管理局",
        legal_basis="《促进个体工商户发展条例》第八条；《市场主体登记管理条例》第十九条",
        applicant=SAMPLE_APPLICANT,
        agent=SAMPLE_AGENT,
        materials=_materials(kind),
        received_at=_RECEIVED_AT,
        legal_limit_days=15,
        promised_limit_days=3,
        clerk_name="周晓梅",
        window_name="3号窗口",
        hall_name="示例市政务服务中心",
        ticket_no="A017",
    )
    if kind in ("acceptance_notice", "material_receipt"):
        return CaseSnapshot(
            **common,
            case_no="440300001-20251113-03-0007",
            query_password="482915",
            state="accepted",
            accepted_at=_ACCEPTED_AT,
            promised_date=date(2025, 11, 18),
        )
    if kind == "supplement_notice":
        return CaseSnapshot(
            **common,
            case_no="",
            query_password="",
            state="supplement",
            accepted_at=None,
            promised_date=None,
            outcome_reason="经营场所使用证明不符合要求，缺少登记联络员身份证明复印件",
            events=(
                EventLine(
                    "supplement",
                    _ACCEPTED_AT,
                    "周晓梅",
                    {"deadline": "2025-12-12"},
                ),
            ),
        )
    return CaseSnapshot(
        **{**common, "item_name": "食品经营许可（新办）", "item_code": "11440300MB2C92001X4442113002000"},
        case_no="",
        query_password="",
        state="refused",
        accepted_at=None,
        promised_date=None,
        outcome_reason="申请人经营场所位于示例市福田区，该事项由经营场所所在地的区级市场监督管理部门负责许可，不属于本机关职权范围",
        redirect_authority="示例市福田区市场监督管理局（福田区行政服务大厅 2 楼 C 区）",
        events=(
            EventLine(
                "refuse",
                _ACCEPTED_AT,
                "周晓梅",
                {"legal_basis": "《中华人民共和国行政许可法》第三十二条第一款第（二）项", "appeal_body": "示例市人民政府"},
            ),
        ),
    )
