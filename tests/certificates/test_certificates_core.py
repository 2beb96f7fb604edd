"""Certificates from decisions, blank stock accounting, hand-over rules (real SQLite store)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cert_helpers import NOW, actor, decided_case, make_id, make_uscc, without_demo_stock
from hallclient.certificates.calibration import get_offset, set_offset
from hallclient.certificates.handover import delivery_slip, hand_over, mail
from hallclient.certificates.identifier import identifier_valid
from hallclient.certificates.issue import set_fields
from hallclient.certificates.models import Certificate
from hallclient.certificates.stock import print_certificate, register_range, spoil, spoil_blank, stock_report
from hallclient.errors import ValidationFailed
from hallclient.intake import ApplicantInput
from hallclient.intake.cases import load_case
from hallclient.models import OutboxEntry
from hallclient.permissions import Action, PermissionDenied, authorise


def _line(s, key="business_licence_copy"):
    return next(x for x in stock_report(s) if x.template_key == key)


def test_immediate_case_gets_its_certificate_with_a_checked_identifier(store):
    with store.session() as s:
        cid, cert_id = decided_case(s, "SCJG-001")
        c = s.get(Certificate, cert_id)
        assert c.template_key == "business_licence_copy" and c.holder_code_type == "111"
        assert identifier_valid(c.licence_id) and c.licence_id.startswith("1.2.156.3005.2.11100000MB0143028R001.11440300MB2C90010X.")
        assert c.fields["holder_name"] == "李䶮" and c.fields["licence_id"] == c.licence_id
        kinds = [o.kind for o in s.scalars(select(OutboxEntry).order_by(OutboxEntry.id))]
        assert "certificate.issued" in kinds
        ev = [e.type for e in load_case(s, cid).events]
        assert ev[-1] == "certificate_issued"


def test_server_approval_carries_fields_and_issues_for_an_organisation(store):
    org = ApplicantInput("organisation", "示例市䶮味餐饮有限公司", make_uscc(), legal_rep_name="王五",
                         legal_rep_id_number=make_id("44030519800101123"))
    with store.session() as s:
        cid, cert_id = decided_case(s, "SCJG-004", applicant=org, fields={"main_business": "餐饮服务经营者", "bogus": "x"})
        c = s.get(Certificate, cert_id)
        assert c.holder_code_type == "001" and c.certificate_no.startswith("JY1440300")
        assert c.fields["main_business"] == "餐饮服务经营者" and "bogus" not in c.fields
        assert c.valid_to is not None  # 5 years
        set_fields(s, cert_id, {"business_items": "热食类食品制售"})
        with pytest.raises(ValidationFailed, match="不能在窗口修改"):
            set_fields(s, cert_id, {"licence_id": "x"})


def test_stock_accounting_through_prints_spoils_and_reprints(store):
    with store.session() as s:
        sup, clerk = actor(s, "supervisor"), actor(s, "clerk")
        without_demo_stock(s)
        _cid, cert_id = decided_case(s, "SCJG-001")
        with pytest.raises(ValidationFailed, match="空白证书已用完"):
            print_certificate(s, clerk, cert_id)
        with pytest.raises(PermissionDenied):
            register_range(s, clerk, "business_licence_copy", 1, 10)
        register_range(s, sup, "business_licence_copy", 1001, 1003, prefix="YZ")
        with pytest.raises(ValidationFailed, match="重叠"):
            register_range(s, sup, "business_licence_copy", 1003, 1005, prefix="YZ")
        register_range(s, sup, "business_licence_copy", 2001, 2002, prefix="YZ")
        t1 = print_certificate(s, clerk, cert_id, printer="HP")
        assert (t1.serial, t1.reprint) == ("YZ0001001", False)
        spoil(s, clerk, t1.sheet_id, "卡纸，字段打歪")
        t2 = print_certificate(s, clerk, cert_id, printer="HP")  # replaces a spoiled sheet: not a reprint
        assert (t2.serial, t2.reprint) == ("YZ0001002", False)
        with pytest.raises(ValidationFailed, match="补打原因"):
            print_certificate(s, clerk, cert_id)
        with pytest.raises(PermissionDenied, match="值班长现场授权"):
            print_certificate(s, clerk, cert_id, reason="申请人要求")
        auth = authorise(s, Action.REPRINT_CERTIFICATE, clerk, "supervisor", "super123")
        t3 = print_certificate(s, clerk, cert_id, reason="证书污损", authorisation=auth)
        assert (t3.serial, t3.reprint) == ("YZ0001003", True)
        blank = spoil_blank(s, clerk, "business_licence_copy", "运输中折损")
        assert blank == "YZ0002001"  # the next range, in order
        line = _line(s)
        assert (line.registered, line.used, line.spoiled, line.remaining) == (5, 2, 2, 1) and line.balanced
        print_certificate(s, clerk, cert_id, reason="再次补打", authorisation=auth)
        with pytest.raises(ValidationFailed, match="空白证书已用完"):
            print_certificate(s, clerk, cert_id, reason="再次补打", authorisation=auth)
        line = _line(s)
        assert (line.registered, line.used, line.spoiled, line.remaining) == (5, 3, 2, 0) and line.balanced
        events = [e.type for e in load_case(s, _cid).events]
        assert events.count("certificate_printed") == 2 and events.count("certificate_reprinted") == 2


def test_stock_balances_after_a_crash_while_printing(tmp_path, data_dir):
    """A process printing certificates in a loop is killed (SIGKILL) mid-transaction."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from hallclient.context import open_context

    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("crash_printer.py")), str(data_dir), str(root)],
                             stdout=subprocess.PIPE, text=True)
    try:
        printed = []
        end = time.monotonic() + 60
        while len(printed) < 8 and time.monotonic() < end:
            line = child.stdout.readline()
            if line.strip().startswith("YZ"):
                printed.append(line.strip())
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert len(printed) >= 8
    with open_context(data_dir) as ctx, ctx.store.session() as s:
        line = _line(s)
        assert line.balanced and line.registered == 500
        assert line.used + line.spoiled >= len(printed)  # every reported print survived
        assert line.next_serial == f"YZ{1 + line.used + line.spoiled:07d}"


def test_hand_over_refuses_a_stranger_and_accepts_an_agent_with_a_letter(store):
    agent = ApplicantInput("person", "张𠀀", make_id("44030519850615002"))
    with store.session() as s:
        sup, clerk = actor(s, "supervisor"), actor(s, "clerk")
        without_demo_stock(s)
        register_range(s, sup, "business_licence_copy", 1, 50)
        cid, cert_id = decided_case(s, "SCJG-001", agent=agent)
        with pytest.raises(ValidationFailed, match="尚未打印"):
            hand_over(s, clerk, cert_id, make_id("44030419900101123"), "李䶮")
        print_certificate(s, clerk, cert_id)
        n_out = s.scalar(select(__import__("sqlalchemy").func.count()).select_from(OutboxEntry))
        with pytest.raises(ValidationFailed, match="不是申请人本人，也没有登记的授权委托书"):
            hand_over(s, clerk, cert_id, make_id("11010119800101123"), "路人甲")
        assert s.get(Certificate, cert_id).status == "printed" and load_case(s, cid).state == "completed"
        assert s.scalar(__import__("sqlalchemy").select(__import__("sqlalchemy").func.count()).select_from(OutboxEntry)) == n_out
        # The agent of the case, whose 授权委托书 was received at intake (all required rows were).
        hand_over(s, clerk, cert_id, agent.id_number.lower(), "张𠀀")
        c = s.get(Certificate, cert_id)
        assert c.status == "handed_over" and load_case(s, cid).state == "completed"
        slip = delivery_slip(s, cert_id)
        assert slip.relation == "受托代办人" and "授权委托书" in slip.agent_reason and slip.documents[0][2] == 1
        last = s.scalars(select(OutboxEntry).order_by(OutboxEntry.id.desc())).first()
        assert last.kind == "case.event" and last.payload["type"] == "handed_over"


def test_a_stranger_with_a_letter_recorded_now_and_mail(store):
    with store.session() as s:
        sup, clerk = actor(s, "supervisor"), actor(s, "clerk")
        without_demo_stock(s)
        register_range(s, sup, "permit_decision", 1, 50)
        cid, cert_id = decided_case(s, "WJW-003")
        assert load_case(s, cid).state == "approved"
        print_certificate(s, clerk, cert_id)
        hand_over(s, clerk, cert_id, make_id("11010119800101123"), "赵六", letter_note="李䶮 2026-09-29 签署的领证授权委托书")
        assert load_case(s, cid).state == "completed"
        _cid2, cert2 = decided_case(s, "WJW-003")
        print_certificate(s, clerk, cert2)
        with pytest.raises(ValidationFailed, match="运单号"):
            mail(s, clerk, cert2, "顺丰速运", "12", "广东省示例市福田区示例路 88 号")
        mail(s, clerk, cert2, "顺丰速运", "SF1234567890", "广东省示例市福田区示例路 88 号")
        assert delivery_slip(s, cert2).tracking_no == "SF1234567890"


def test_calibration_offset_limits(store):
    with store.session() as s:
        assert get_offset(s, "HP").dx_mm == 0
        with pytest.raises(ValidationFailed, match="±10 mm"):
            set_offset(s, "HP", 10.5, 0)
        set_offset(s, "HP", -2.25, 1.5)
        assert get_offset(s, "HP") == type(get_offset(s, "HP"))(-2.25, 1.5)
        assert get_offset(s, "Other").dx_mm == 0  # per printer


def test_an_organisations_legal_representative_may_receive_it(store):
    rep = make_id("44030519800101123")
    org = ApplicantInput("organisation", "示例市䶮味餐饮有限公司", make_uscc(), legal_rep_name="王五", legal_rep_id_number=rep)
    with store.session() as s:
        clerk = actor(s, "clerk")
        cid, cert_id = decided_case(s, "SCJG-003", applicant=org)
        print_certificate(s, clerk, cert_id)  # the demo seed's blank stock
        with pytest.raises(ValidationFailed, match="不是申请人的法定代表人"):
            hand_over(s, clerk, cert_id, make_id("11010119800101123"), "路人甲")
        with pytest.raises(ValidationFailed, match="证件号码有误"):
            hand_over(s, clerk, cert_id, rep[:-1] + ("0" if rep[-1] != "0" else "1"), "王五")
        hand_over(s, clerk, cert_id, rep, "王五")
        assert delivery_slip(s, cert_id).relation == "法定代表人" and load_case(s, cid).state == "completed"
