"""The 电子证照库 on the reference server (real HTTP on loopback): a certificate issued at a
window becomes an e-licence; at intake the holder's licences make materials 免于提交 — but not
offline, nor from an expired or revoked licence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cert_helpers import NOW, TODAY, actor, make_id, make_uscc
from intake_helpers import desk_for, item_id
from hallclient.certificates.elicence import ELicence, mark_exempt
from hallclient.certificates.identifier import build_identifier
from hallclient.certificates.issue import certificate_of_case
from hallclient.intake import ApplicantInput, accept, save_applicant, start_case, update_material
from hallclient.intake.cases import load_case
from sync.engine import SyncEngine, register
from sync.licences import lookup_licences
from sync.server.admin import decide, register_device
from sync.server.run import ServerThread

ORG = ApplicantInput("organisation", "示例市䶮𠀀科技有限公司", make_uscc(), legal_rep_name="王五",
                     legal_rep_id_number=make_id("44030519800101123"))


@pytest.fixture
def central(tmp_path):
    st = ServerThread(f"sqlite:///{tmp_path / 'central.sqlite3'}").start()
    yield st
    st.stop()


def _sync(store):
    eng = SyncEngine.from_store(store)
    try:
        return eng.cycle()
    finally:
        eng.close()


def _draft(store, code: str, applicant: ApplicantInput) -> str:
    with store.session() as s:
        return start_case(s, desk_for(s), item_id(s, code), save_applicant(s, applicant), now=NOW)


def _row(store, cid: str, name: str):
    with store.session() as s:
        return next((m.status, m.e_licence_no) for m in load_case(s, cid).materials if m.name == name)


def test_issued_certificate_becomes_an_e_licence_that_exempts_a_material(store, central):
    register(store, central.url, register_device(central.db, "3号窗口", "440300001")["token"])
    with store.session() as s:  # 有限责任公司设立登记 (承诺件) accepted at the window
        cid = start_case(s, desk_for(s), item_id(s, "SCJG-003"), save_applicant(s, ORG), now=NOW)
        for row in load_case(s, cid).materials:
            if row.required:
                update_material(s, cid, row.id, "received", today=TODAY)
        case_no = accept(s, cid, desk_for(s), now=NOW).case_no
    _sync(store)
    decide(central.db, case_no, approve=True, fields={"business_scope": "软件开发", "registered_capital": "人民币伍佰万元整"})
    _sync(store)  # pulls the approval: the certificate is issued locally, its licence queued
    with store.session() as s:
        cert = certificate_of_case(s, cid)
        assert cert is not None and cert.fields["business_scope"] == "软件开发"
        licence_id = cert.licence_id
    _sync(store)  # pushes certificate.issued: the library has it now
    found = lookup_licences(store, ORG.id_number)
    assert found.online and [x.licence_id for x in found.licences] == [licence_id]
    assert found.licences[0].holder_code_type == "001" and found.licences[0].licence_type == "营业执照"

    # At intake of 食品经营许可（新办） the material 营业执照 becomes 免于提交 by itself.
    cid2 = _draft(store, "SCJG-004", ORG)
    with store.session() as s:
        m = mark_exempt(s, cid2, ORG.id_number, found.licences, date.today())
    assert m.exempted == (("营业执照", licence_id),)
    assert _row(store, cid2, "营业执照") == ("exempt", licence_id)

    # Revoked in the library: not offered any more.
    from sync.server.licences import revoke

    revoke(central.db, licence_id)
    assert lookup_licences(store, ORG.id_number).licences == ()


def _licence(holder: str, valid_to: date | None, status: str = "valid") -> ELicence:
    lid = build_identifier("11100000MB0143028R001", "11440300MB2C90010X", "440300201900003", 1)
    return ELicence(lid, "营业执照", "某公司", holder, "001", "示例市市场监督管理局", date(2019, 3, 1), valid_to, status)


def test_expired_or_revoked_licences_are_not_used(store):
    cid = _draft(store, "SCJG-004", ORG)
    today = date.today()
    with store.session() as s:
        m = mark_exempt(s, cid, ORG.id_number, [_licence(ORG.id_number, today - timedelta(days=1))], today)
        assert m.exempted == () and "已于" in m.refused[0][1] and "过期" in m.refused[0][1]
        m = mark_exempt(s, cid, ORG.id_number, [_licence(ORG.id_number, None, "revoked")], today)
        assert m.exempted == () and "已注销" in m.refused[0][1]
        # someone else's licence is never used for this applicant
        m = mark_exempt(s, cid, ORG.id_number, [_licence(make_uscc("91440300MA5F00002"), None)], today)
        assert m == type(m)((), ())
    assert _row(store, cid, "营业执照") == ("missing", None)


def test_server_filters_expired_licences_and_offline_says_so(store, central, tmp_path):
    from sync.server.licences import add_licences

    holder = make_id("44030419900101123")
    old = build_identifier("11100000MB0143028R002", "11440300MB2C90010X", "JY1440300201500001", 1)
    good = build_identifier("11100000MB0143028R002", "11440300MB2C90010X", "JY1440300202500001", 1)
    base = dict(licence_type="食品经营许可证", certificate_no="", holder_name="李䶮", holder_code=holder,
                holder_code_type="111", authority_name="示例市市场监督管理局", authority_uscc="11440300MB2C90010X",
                status="valid", hall_code="440300001")
    add_licences(central.db, [
        dict(base, licence_id=old, issue_date=date(2015, 1, 1), valid_from=date(2015, 1, 1), valid_to=date(2020, 1, 1)),
        dict(base, licence_id=good, issue_date=date(2025, 1, 1), valid_from=date(2025, 1, 1), valid_to=None),
    ])
    register(store, central.url, register_device(central.db, "3号窗口", "440300001")["token"])
    found = lookup_licences(store, holder.lower())
    assert [x.licence_id for x in found.licences] == [good]
    central.stop(close_db=False)
    off = lookup_licences(store, holder)
    assert not off.online and off.licences == () and "无法连接" in off.message and off.seconds < 3


def test_unregistered_window_says_so(store):
    res = lookup_licences(store, make_id("44030419900101123"))
    assert not res.online and "尚未注册" in res.message


def test_a_slow_library_is_reported_within_the_short_timeout(store, central):
    from sync.faultproxy import FaultProxy

    proxy = FaultProxy(central.host, central.port).start()
    try:
        register(store, proxy.url, register_device(central.db, "3号窗口", "440300001")["token"])
        proxy.plan(["delay:5"])
        res = lookup_licences(store, make_id("44030419900101123"))
        assert not res.online and "超时" in res.message and res.seconds < 3.5
        assert lookup_licences(store, make_id("44030419900101123")).online  # the next answer comes in time
    finally:
        proxy.close()


def test_templates_travel_with_the_catalogue_and_a_bad_one_is_refused(store, central):
    import copy

    from hallclient.catalogue import demo_catalogue
    from hallclient.certificates.templates import get_template
    from sync.server.admin import AdminError, load_catalogue

    register(store, central.url, register_device(central.db, "3号窗口", "440300001")["token"])
    cat = demo_catalogue()
    v2 = copy.deepcopy(cat)
    tpl = next(t for t in v2["certificate_templates"] if t["key"] == "permit_decision")
    tpl["version"] = 2
    next(f for f in tpl["fields"] if f["name"] == "case_no")["x_mm"] = 55
    load_catalogue(central.db, v2)
    _sync(store)
    with store.session() as s:
        t = get_template(s, "permit_decision")
        assert t.version == 2 and t.field("case_no").box.x == 55
    bad = copy.deepcopy(v2)
    next(t for t in bad["certificate_templates"] if t["key"] == "permit_decision")["fields"][0]["name"] = "wenhao"
    with pytest.raises(AdminError, match="未知字段名“wenhao”"):
        load_catalogue(central.db, bad)
