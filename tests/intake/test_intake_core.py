"""Core intake service: applicants, checklist rules, decisions, numbering, dates, events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from hallclient.errors import CalendarMissing, ValidationFailed
from hallclient.intake import (
    ApplicantInput, accept, attach_agent, case_snapshot, complete_on_the_spot, find_applicants, log_print,
    next_print_is_reprint, record_unresolved, refuse, request_supplement, resume, save_applicant, update_material,
    withdraw,
)
from hallclient.intake.cases import load_case
from hallclient.intake.numbering import parse_case_number
from hallclient.workcalendar import LIBRARY_YEARS
from hallclient.models import Applicant, Case, CaseEvent, NumberSequence, OutboxEntry, UnresolvedRequest
from intake_helpers import at, desk_for, item_id, make_id, make_uscc, new_case, person, receive_all


def test_invalid_check_digit_blocks_with_precise_message(store):
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with store.session() as s:
        with pytest.raises(ValidationFailed) as e:
            save_applicant(s, ApplicantInput("person", "张三", bad))
        assert e.value.message == f"证件号码：校验位应为 {good[17]}，实际为 {bad[17]}"
        assert s.scalar(select(func.count()).select_from(Applicant)) == 0


def test_applicant_found_by_id_fullwidth_lowercase_and_rare_name(store):
    idn = make_id("11010519491231002")  # check char X
    assert idn.endswith("X")
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c.lower() for c in idn)  # IME full-width, x
    with store.session() as s:
        a = save_applicant(s, ApplicantInput("person", "王𠀀䶮", typed, phone="138 0013 8000"))
    with store.session() as s:
        hits = find_applicants(s, idn.lower())
        assert [h.id for h in hits] == [a]
        assert hits[0].name == "王𠀀䶮" and hits[0].id_number == idn and hits[0].phone == "13800138000"
        assert [h.id for h in find_applicants(s, "𠀀")] == [a]
        # same number again updates, never duplicates
        assert save_applicant(s, ApplicantInput("person", "王𠀀䶮", idn)) == a
        assert s.scalar(select(func.count()).select_from(Applicant)) == 1


def test_organisation_by_credit_code(store):
    code = make_uscc()
    with store.session() as s:
        oid = save_applicant(s, ApplicantInput("organisation", "示例科技有限公司", code, legal_rep_name="李四",
                                               legal_rep_id_number=make_id()))
        assert [h.id for h in find_applicants(s, code.lower())] == [oid]
        with pytest.raises(ValidationFailed, match="统一社会信用代码"):
            save_applicant(s, ApplicantInput("organisation", "坏", code[:17] + ("0" if code[17] != "0" else "1")))


def test_checklist_rules(store):
    today = date(2026, 9, 30)
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        rows = {r.name: r for r in load_case(s, cid).materials}
        charter = rows["公司章程"]
        with pytest.raises(ValidationFailed, match="请填写原因"):
            update_material(s, cid, charter.id, "defective", today=today)
        with pytest.raises(ValidationFailed, match="不在本事项的容缺"):
            update_material(s, cid, charter.id, "gap", today=today, gap_due_date=date(2026, 10, 20))
        with pytest.raises(ValidationFailed, match="没有可调用的电子证照"):
            update_material(s, cid, charter.id, "exempt", today=today, e_licence_no="X")
        with pytest.raises(ValidationFailed, match="必交材料"):
            update_material(s, cid, charter.id, "not_applicable", today=today)
        home = rows["住所使用证明"]
        with pytest.raises(ValidationFailed, match="承诺补交日期"):
            update_material(s, cid, home.id, "gap", today=today)
        with pytest.raises(ValidationFailed, match="晚于今天"):
            update_material(s, cid, home.id, "gap", today=today, gap_due_date=today)
        share = rows["股东主体资格证明或自然人身份证明"]
        with pytest.raises(ValidationFailed, match="电子证照编号"):
            update_material(s, cid, share.id, "exempt", today=today)
        for name, r in rows.items():
            if r.required and r not in (home, share):
                update_material(s, cid, r.id, "received", today=today)
        with pytest.raises(ValidationFailed, match="材料不齐全"):
            accept(s, cid, d, now=at(2026, 9, 30))
        update_material(s, cid, home.id, "gap", today=today, gap_due_date=date(2026, 10, 20))
        update_material(s, cid, share.id, "exempt", today=today, e_licence_no="DZZZ-440305-0001")
        r = accept(s, cid, d, now=at(2026, 9, 30))
        assert r.case_no
        snap = case_snapshot(s, cid)
        lines = {m.name: m for m in snap.materials}
        assert lines["住所使用证明"].gap_due_date == date(2026, 10, 20)
        assert lines["股东主体资格证明或自然人身份证明"].e_licence_no == "DZZZ-440305-0001"
        assert lines["公司章程"].original_received == 1


def test_accept_promised_date_across_national_day(store):
    # Accepted Wed 30 Sep 2026, promised 3 working days from the next day: Oct 1-7 are the
    # holiday, Thu 8, Fri 9 and the adjusted working Saturday 10 count -> 2026-10-10.
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        receive_all(s, cid, date(2026, 9, 30))
        r = accept(s, cid, d, now=at(2026, 9, 30))
    assert r.promised_date == date(2026, 10, 10)
    assert r.legal_due_date == date(2026, 10, 27)  # 15 working days: 8,9,10,12-16,19-23,26,27
    assert len(r.query_password) == 6 and r.query_password.isdigit()
    with store.session() as s:
        c = s.get(Case, cid)
        assert c.state == "accepted" and c.case_no == r.case_no and c.promised_date == date(2026, 10, 10)
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.type == "accepted")).one()
        assert ev.payload["case_no"] == r.case_no and ev.payload["applicant"]["name"] == "张䶮"
        assert s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.uuid == ev.uuid)) == 1


# The last year chinesecalendar knows (derived: a release with next year's schedule may come
# out any day after the State Council publishes it, and a fresh install picks it up).
LAST = max(LIBRARY_YEARS)


def test_missing_calendar_year_no_longer_blocks_the_date_is_provisional(store):
    # The strict calendar still refuses (hallclient calendar due); accept counts 暂定 instead.
    from hallclient.provisional import is_provisional

    with store.session() as s:
        cid, d = new_case(s, "SCJG-004", when=at(LAST, 12, 20))  # promised 10 days: into the next year
        receive_all(s, cid, date(LAST, 12, 20))
        r = accept(s, cid, d, now=at(LAST, 12, 20))
        assert r.promised_date.year == LAST + 1 and "暂定" in r.warnings[0]
        assert is_provisional(s, cid, "promised")


def test_legal_due_beyond_calendar_is_provisional_too(store):
    from hallclient.provisional import is_provisional

    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(LAST, 12, 18))  # promised 3 ok, legal 15 -> next year
        receive_all(s, cid, date(LAST, 12, 18))
        r = accept(s, cid, d, now=at(LAST, 12, 18))
        assert r.legal_due_date.year == LAST + 1 and not r.warnings  # the promised date is a firm one
        assert is_provisional(s, cid, "legal") and not is_provisional(s, cid, "promised")


def test_case_numbers_unique_across_windows_restart_and_clock_back(data_dir):
    from hallclient.context import open_context

    numbers = []
    for when in (at(2026, 9, 30), at(2026, 9, 30), at(2026, 9, 29)):  # the clock goes back a day
        with open_context(data_dir, seed=True) as ctx:  # a restart each time
            for window in ("03", "05"):
                with ctx.store.session() as s:
                    cid, d = new_case(s, "SCJG-001", window=window, when=when)
                    receive_all(s, cid, when.date())
                    numbers.append(accept(s, cid, d, now=when).case_no)
    assert len(set(numbers)) == len(numbers)
    parsed = [parse_case_number(n) for n in numbers]
    assert [p["seq"] for p in parsed if p["window"] == "03"] == ["000001", "000002", "000003"]
    assert parsed[-1]["day"] == "20260929" and parsed[0]["hall"] == "440300001"


def test_immediate_completed_on_the_spot(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-001", when=at(2026, 9, 30))
        with pytest.raises(ValidationFailed, match="不能当场办结"):
            complete_on_the_spot(s, cid, d)
        receive_all(s, cid, date(2026, 9, 30))
        r = accept(s, cid, d, now=at(2026, 9, 30))
        assert r.promised_date == date(2026, 9, 30)
        complete_on_the_spot(s, cid, d)
        assert s.get(Case, cid).state == "completed"
    with store.session() as s:
        cid2, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        receive_all(s, cid2, date(2026, 9, 30))
        accept(s, cid2, d, now=at(2026, 9, 30))
        with pytest.raises(ValidationFailed, match="只有即办件"):
            complete_on_the_spot(s, cid2, d)


def test_supplement_lists_everything_then_resume_restarts_clock(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 25))
        rows = load_case(s, cid).materials
        update_material(s, cid, rows[0].id, "received", today=date(2026, 9, 25))
        update_material(s, cid, rows[1].id, "defective", today=date(2026, 9, 25), reason="缺少股东签字")
        listed = request_supplement(s, cid, d, now=at(2026, 9, 25))
        # every required material not received is listed at once (defective + all missing);
        # the optional 名称自主申报告知书, merely not brought, is not something to bring
        assert [x["name"] for x in listed] == [r.name for r in rows if r.required and r.status in ("missing", "defective")]
        assert "名称自主申报告知书" not in [x["name"] for x in listed]
        assert listed[0]["reason"] == "缺少股东签字" and listed[1]["reason"] == "未提交"
        with pytest.raises(ValidationFailed, match="继续办理"):
            update_material(s, cid, rows[2].id, "received", today=date(2026, 9, 25))
        with pytest.raises(ValidationFailed):
            accept(s, cid, d, now=at(2026, 9, 25))
    with store.session() as s:
        resume(s, cid, d, now=at(2026, 9, 30))
        receive_all(s, cid, date(2026, 9, 30))
        r = accept(s, cid, d, now=at(2026, 9, 30))
        assert r.promised_date == date(2026, 10, 10)  # counted from the return, not the first visit
        types = [e.type for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid).order_by(CaseEvent.seq))]
        assert types == ["created", "supplement_requested", "resumed", "accepted"]
        assert s.scalar(select(func.count()).select_from(Case)) == 1  # the same case resumed


def test_refuse_requires_reason_and_authority(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003")
        with pytest.raises(ValidationFailed, match="理由"):
            refuse(s, cid, d, "", "区市场监管局")
        with pytest.raises(ValidationFailed, match="哪个机关"):
            refuse(s, cid, d, "不属于本机关职权范围", " ")
        refuse(s, cid, d, "不属于本机关职权范围", "深圳市南山区市场监督管理局")
        snap = case_snapshot(s, cid)
        assert snap.state == "refused" and snap.redirect_authority == "深圳市南山区市场监督管理局"
        assert snap.outcome_reason == "不属于本机关职权范围" and snap.case_no == ""


def test_withdraw_and_unresolved(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003")
        withdraw(s, cid, d, "申请人自行撤回")
        with pytest.raises(ValidationFailed, match="已撤回"):
            withdraw(s, cid, d)
        with pytest.raises(ValidationFailed, match="原因"):
            record_unresolved(s, d, " ")
        uid = record_unresolved(s, d, "本地无法办理跨省迁移", case_id=cid)
        row = s.get(UnresolvedRequest, uid)
        assert row.item_id == item_id(s, "SCJG-003") and row.window_id == d.window_id
        assert s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.kind == "unresolved")) == 1


def test_agent_requires_authorization_letter(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        agent = person(s, "李代办", "44030519850505123")
        attach_agent(s, cid, agent, d)
        receive_all(s, cid, date(2026, 9, 30))  # receives the letter too (required now)
        letter = [m for m in load_case(s, cid).materials if m.name == "授权委托书"]
        assert letter and letter[0].required and letter[0].status == "received"
        update_material(s, cid, letter[0].id, "missing", today=date(2026, 9, 30))
        with pytest.raises(ValidationFailed, match="授权委托书"):
            accept(s, cid, d, now=at(2026, 9, 30))
        attach_agent(s, cid, None, d)
        assert not [m for m in load_case(s, cid).materials if m.name == "授权委托书"]
        # an item with its own 委托 row makes that row required
        cid2, d = new_case(s, "SCJG-001")
        attach_agent(s, cid2, agent, d)
        rows = [m for m in load_case(s, cid2).materials if "委托" in m.name]
        assert len(rows) == 1 and rows[0].required and rows[0].material_id is not None
        assert case_snapshot(s, cid2).agent.name == "李代办"


def test_print_log_first_then_reprint(store):
    with store.session() as s:
        cid, d = new_case(s, "SCJG-001")
        assert not next_print_is_reprint(s, cid, "acceptance_notice")
        assert log_print(s, cid, "acceptance_notice", d.user_id, printer="PDF") is False
        assert next_print_is_reprint(s, cid, "acceptance_notice")
        assert log_print(s, cid, "acceptance_notice", d.user_id) is True
        assert log_print(s, cid, "material_receipt", d.user_id) is False


def test_optional_rows_and_when_supplement_is_possible(store):
    today = date(2026, 9, 25)
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 25))
        rows = {r.name: r for r in load_case(s, cid).materials}
        optional = rows["名称自主申报告知书"]
        assert not optional.required and optional.status == "missing"
        receive_all(s, cid, today)  # every required row received, the optional one still missing
        with pytest.raises(ValidationFailed, match="无需补正，请直接受理"):
            request_supplement(s, cid, d, now=at(2026, 9, 25))
        # an optional material the clerk marked defective alone is no reason for a supplement
        update_material(s, cid, optional.id, "defective", today=today, reason="未加盖公章")
        with pytest.raises(ValidationFailed, match="无需补正"):
            request_supplement(s, cid, d, now=at(2026, 9, 25))
        # with a required one missing, both go on the notice; the merely absent optional would not
        update_material(s, cid, rows["公司章程"].id, "missing", today=today)
        with pytest.raises(ValidationFailed, match="应晚于今天"):
            request_supplement(s, cid, d, deadline=today, now=at(2026, 9, 25))
        listed = request_supplement(s, cid, d, deadline=date(2026, 10, 9), now=at(2026, 9, 25))
        assert [(x["name"], x["status"], x["required"]) for x in listed] == [
            ("公司章程", "missing", True), ("名称自主申报告知书", "defective", False)]
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.type == "supplement_requested")).one()
        assert ev.payload["deadline"] == "2026-10-09"


def test_default_supplement_deadline_counts_working_days(store):
    from hallclient.intake.cases import SUPPLEMENT_WORKING_DAYS, default_supplement_deadline
    from hallclient.workcalendar import WorkCalendar

    with store.session() as s:
        assert SUPPLEMENT_WORKING_DAYS == 5
        # Friday 2026-09-25: five working days later skips the weekend and the National Day
        # holiday (Oct 1-7; Sep 27 and Oct 10 are working Sundays/Saturdays in the 2026 plan)
        cal = WorkCalendar.from_session(s)
        expected = cal.add_working_days(date(2026, 9, 25), 5)
        assert default_supplement_deadline(s, date(2026, 9, 25)) == expected
        assert expected > date(2026, 10, 1)
        assert default_supplement_deadline(s, date(2199, 3, 2)) is None  # unknown year: the clerk types it


def test_window_code_and_exhausted_sequence_are_told_in_chinese(store):
    from hallclient.errors import HallError
    from hallclient.intake import allocate_case_number
    from hallclient.intake.numbering import sequence_name

    with store.session() as s:
        with pytest.raises(HallError, match="编号“A7”无效") as e:
            allocate_case_number(s, "440300001", "A7", date(2026, 9, 30))
        assert "系统管理员" in e.value.message
        s.add(NumberSequence(name=sequence_name("440300001", "09"), value=999_999))
        s.flush()
        with pytest.raises(HallError, match="已用完"):
            allocate_case_number(s, "440300001", "9", date(2026, 9, 30))


def test_today_cases_include_cases_resumed_or_accepted_today(store, monkeypatch):
    from datetime import timedelta

    from hallclient.intake.queries import today_cases
    from hallclient.models import utcnow

    earlier = utcnow() - timedelta(days=3)
    with store.session() as s:
        # Three days ago (the event log stamps the clock, so the clock goes back too)
        monkeypatch.setattr("hallclient.caselog.utcnow", lambda: earlier)
        cid, d = new_case(s, "SCJG-003", when=earlier)
        old, _ = new_case(s, "GJJ-001", when=earlier)  # untouched since
        request_supplement(s, cid, d, now=earlier)
        assert [r.id for r in today_cases(s, d.window_id)] == []
        monkeypatch.undo()
        resume(s, cid, d)  # back today: one of today's cases, though started earlier
        assert [r.id for r in today_cases(s, d.window_id)] == [cid]
        receive_all(s, cid, date.today())
        accept(s, cid, d)
        assert [r.id for r in today_cases(s, d.window_id)] == [cid]
        assert [r.id for r in today_cases(s, d.window_id, today=date.today() + timedelta(days=1))] == []


def test_received_counts_recorded_and_short_required_refused(store):
    today = date(2026, 9, 30)
    with store.session() as s:
        cid, d = new_case(s, "SCJG-003", when=at(2026, 9, 30))
        rows = {r.name: r for r in load_case(s, cid).materials}
        home = rows["住所使用证明"]  # 1 original, 1 copy expected
        with pytest.raises(ValidationFailed, match="复印件应收 1 份、实收 0 份") as e:
            update_material(s, cid, home.id, "received", today=today, original_received=1, copies_received=0)
        assert "不符合要求" in e.value.message
        assert home.status == "missing"  # nothing changed
        update_material(s, cid, home.id, "received", today=today, original_received=1, copies_received=3)
        assert (home.status, home.original_received, home.copies_received) == ("received", 1, 3)
        optional = rows["名称自主申报告知书"]  # optional: a short count is the applicant's choice
        update_material(s, cid, optional.id, "received", today=today, original_received=0, copies_received=0)
        assert optional.status == "received"
        for r in load_case(s, cid).materials:
            if r.required and r.status != "received":
                update_material(s, cid, r.id, "received", today=today)
        accept(s, cid, d, now=at(2026, 9, 30))
        line = next(m for m in case_snapshot(s, cid).materials if m.name == "住所使用证明")
        assert (line.original_received, line.copies_received) == (1, 3)
