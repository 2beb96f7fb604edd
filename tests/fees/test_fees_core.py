"""Charging cases: notices, window payments, change, refusals that record nothing, reversals
with and without authorisation, paper stock, the daily close and the read-only closed day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from fees_helpers import accepted_case, actor
from hallclient.errors import ValidationFailed
from hallclient.fees import close as close_ops
from hallclient.fees import payments, stock
from hallclient.fees.codes import valid_payment_code
from hallclient.fees.days import DayClosed
from hallclient.fees.records import FeeBill, FeePayment, FeeReversal, PaperReceipt
from hallclient.fees.rules import Exemption
from hallclient.fees.view import case_fees
from hallclient.intake.cases import local_today
from hallclient.models import CaseEvent, OutboxEntry
from hallclient.permissions import Action, PermissionDenied, authorise


def counts(s):
    return tuple(s.scalar(select(func.count()).select_from(t)) for t in (FeeBill, FeePayment, FeeReversal, CaseEvent, OutboxEntry))


def test_notice_with_payment_code_event_and_outbox(store):
    with store.session() as s:
        cid, desk = accepted_case(s, "BDC-001")
        r = payments.issue_notice(s, actor(s), desk, cid, {1: 3})
        assert r.total_fen == 10000 and valid_payment_code(r.payment_code) and r.payment_code.startswith("44030000103")
        ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == cid, CaseEvent.type == "fee_notice_issued")).one()
        assert ev.payload["payment_code"] == r.payment_code and ev.payload["total_fen"] == 10000
        assert s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.uuid == ev.uuid)) == 1
        f = case_fees(s, cid)
        assert f.fee_status == "待缴费" and f.active_bill.payment is None
        cid2, _ = accepted_case(s, "BDC-001")
        r2 = payments.issue_notice(s, actor(s), desk, cid2)
        assert int(r2.payment_code[11:19]) == int(r.payment_code[11:19]) + 1  # per-window sequence


def test_cash_change_card_and_scan(store):
    with store.session() as s:
        a = actor(s)
        cid, desk = accepted_case(s, "BDC-002")
        r = payments.pay_at_window(s, a, desk, cid, "cash", {1: 2}, tendered_fen=10000)
        assert r.total_fen == 9000 and r.change_fen == 1000
        pay = s.get(FeePayment, r.payment_id)
        assert (pay.tendered_fen, pay.change_fen, pay.amount_fen) == (10000, 1000, 9000)
        cid2, _ = accepted_case(s, "GAJ-002")
        assert payments.pay_at_window(s, a, desk, cid2, "card", reference=" pos-000123 ").change_fen is None
        assert s.scalar(select(FeePayment.reference).where(FeePayment.case_id == cid2)) == "POS-000123"
        cid3, _ = accepted_case(s, "GAJ-002")
        with pytest.raises(ValidationFailed, match="已用于另一笔"):
            payments.pay_at_window(s, a, desk, cid3, "card", reference="POS-000123")
        payments.pay_at_window(s, a, desk, cid3, "scan", reference="WX4200001234")
        assert case_fees(s, cid3).fee_status == "已缴费"


BAD_PAYMENTS = [
    (dict(channel="cash", tendered_fen=5000), "少于应收"),
    (dict(channel="cash", tendered_fen=None), "实收现金"),
    (dict(channel="cash", tendered_fen=-100), "负数"),
    (dict(channel="cash", tendered_fen=10_000_000 * 100 + 1), "超过上限"),
    (dict(channel="card", reference=""), "凭证号"),
    (dict(channel="scan", reference="12"), "6–40"),
    (dict(channel="cash", tendered_fen=9000, exemptions=[Exemption("", "x")]), "原因"),
]


def test_bad_payments_record_nothing(store):
    with store.session() as s:
        cid, desk = accepted_case(s, "BDC-002")
        before = counts(s)
        for kw, words in BAD_PAYMENTS:
            kw = dict(kw)
            with pytest.raises(ValidationFailed) as e:
                payments.pay_at_window(s, actor(s), desk, cid, kw.pop("channel"), **kw)
            assert words in e.value.message
            assert counts(s) == before  # nothing half-recorded
            assert case_fees(s, cid).fee_status == "未收费"


def test_free_items_duplicates_and_unaccepted_cases_refused(store):
    with store.session() as s:
        a = actor(s)
        cid, desk = accepted_case(s, "SCJG-003")  # free
        with pytest.raises(ValidationFailed, match="无需收费"):
            payments.issue_notice(s, a, desk, cid)
        assert case_fees(s, cid).fee_status == "免费"
        cid, desk = accepted_case(s, "BDC-002")
        with pytest.raises(ValidationFailed, match="无需收费"):
            payments.issue_notice(s, a, desk, cid, exemptions=[Exemption("低保对象", "民政文件")])
        payments.issue_notice(s, a, desk, cid)
        with pytest.raises(ValidationFailed, match="重复收费"):
            payments.pay_at_window(s, a, desk, cid, "cash", tendered_fen=8000)
        from fees_helpers import new_case

        draft, _ = new_case(s, "BDC-002")
        with pytest.raises(ValidationFailed, match="尚未受理"):
            payments.issue_notice(s, a, desk, draft)


def test_reversal_refused_without_and_accepted_with_authorisation(store):
    with store.session() as s:
        clerk, sup = actor(s), actor(s, "supervisor")
        cid, desk = accepted_case(s, "BDC-002")
        r = payments.pay_at_window(s, clerk, desk, cid, "cash", tendered_fen=8000)
        before = counts(s)
        with pytest.raises(PermissionDenied, match="值班长现场授权"):
            payments.reverse_payment(s, clerk, r.payment_id, "金额有误")
        with pytest.raises(PermissionDenied, match="不能为自己授权"):
            authorise(s, Action.REVERSE_FEE, clerk, "clerk", "clerk123")
        with pytest.raises(PermissionDenied, match="无权授权"):
            authorise(s, Action.REVERSE_FEE, clerk, "clerk2", "clerk123")
        # No fee record, no case event; the outbox carries only the audit records of the two
        # refused authorisations (issue 16: refusals are audited).
        from hallclient.audit import OUTBOX_KIND

        assert counts(s)[:4] == before[:4]
        added = s.scalars(select(OutboxEntry.kind).order_by(OutboxEntry.id.desc()).limit(counts(s)[4] - before[4])).all()
        assert added and set(added) == {OUTBOX_KIND}
        auth = authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "super123")
        with pytest.raises(ValidationFailed, match="原因"):
            payments.reverse_payment(s, clerk, r.payment_id, "  ", auth)
        rid = payments.reverse_payment(s, clerk, r.payment_id, "申请人撤回申请，退还现金", auth)
        rev = s.get(FeeReversal, rid)
        assert rev.authoriser_id == sup.user_id and rev.amount_fen == 8000 and rev.channel == "cash"
        assert s.get(FeePayment, r.payment_id) is not None  # the original stays
        ev = s.scalars(select(CaseEvent).where(CaseEvent.type == "fee_reversed")).one()
        assert ev.payload["authoriser"] == sup.display_name
        with pytest.raises(ValidationFailed, match="已经退款"):
            payments.reverse_payment(s, sup, r.payment_id, "再退一次")
        assert case_fees(s, cid).fee_status == "已退款/冲红"
        # after the refund the case may be charged again (a corrected bill)
        payments.pay_at_window(s, clerk, desk, cid, "scan", reference="ALI20251113000001")


def test_paper_numbers_in_order_void_and_stock_rules(store):
    with store.session() as s:
        clerk, sup = actor(s), actor(s, "supervisor")
        with pytest.raises(PermissionDenied):
            stock.register_stock(s, clerk, "clerk", "44010226", 1, 10)
        st = stock.register_stock(s, sup, "clerk", "44010226", 101, 103)
        with pytest.raises(ValidationFailed, match="重叠"):
            stock.register_stock(s, sup, "clerk2", "44010226", 103, 200)
        with pytest.raises(ValidationFailed, match="验旧换新"):
            stock.register_stock(s, sup, "clerk", "44010226", 201, 300)
        with pytest.raises(ValidationFailed, match="8 位数字"):
            stock.register_stock(s, sup, "clerk2", "4401", 1, 2)
        cid, desk = accepted_case(s, "BDC-002")
        pay = payments.pay_at_window(s, clerk, desk, cid, "cash", tendered_fen=8000).payment_id
        r1 = stock.take_receipt_number(s, clerk, pay)
        assert r1.number == "00000101" and r1.state == "taken"
        with pytest.raises(ValidationFailed, match="尚未确认"):
            stock.take_receipt_number(s, clerk, pay)
        with pytest.raises(PermissionDenied):
            stock.void_receipt(s, clerk, r1.id, "卡纸")
        auth = authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "super123")
        stock.void_receipt(s, clerk, r1.id, "卡纸", auth)
        r2 = stock.take_receipt_number(s, clerk, pay)
        assert r2.number == "00000102"  # the voided number is never used again
        stock.confirm_printed(s, clerk, r2.id)
        with pytest.raises(ValidationFailed, match="已开过"):
            stock.take_receipt_number(s, clerk, pay)
        cur = stock.current_stock(s, clerk.user_id)
        assert (cur.printed, cur.voided, cur.taken, cur.remaining) == (1, 1, 0, 1)
        assert cur.printed + cur.voided + cur.taken + cur.remaining == 103 - 101 + 1


def test_daily_close_totals_and_closed_day_is_read_only(store):
    with store.session() as s:
        clerk = actor(s)
        stock.register_stock(s, actor(s, "supervisor"), "clerk", "44010226", 1, 50)
        desk = None
        amounts = {"cash": 0, "card": 0, "scan": 0}
        pays = []
        for n, (code, ch) in enumerate([("BDC-002", "cash"), ("GAJ-002", "cash"), ("BDC-001", "card"), ("GAJ-001", "scan"), ("RSJ-002", "cash")]):
            cid, desk = accepted_case(s, code)
            kw = dict(tendered_fen=100000) if ch == "cash" else dict(reference=f"REF{n:08d}")
            r = payments.pay_at_window(s, clerk, desk, cid, ch, **kw)
            amounts[ch] += r.total_fen
            pays.append(r)
        stock.confirm_printed(s, clerk, stock.take_receipt_number(s, clerk, pays[0].payment_id).id)
        ncid, _ = accepted_case(s, "BDC-002")
        payments.issue_notice(s, clerk, desk, ncid)
        auth = authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "super123")
        payments.reverse_payment(s, clerk, pays[1].payment_id, "重复收费", auth)
        day = local_today()
        preview = close_ops.compute_close(s, clerk.user_id, day)
        c = close_ops.close_day(s, clerk, day)
        by = {x.channel: x for x in c.channels}
        assert by["cash"].total_fen == amounts["cash"] and by["card"].total_fen == amounts["card"]
        assert by["scan"].total_fen == amounts["scan"] and by["cash"].reversed_fen == pays[1].total_fen
        assert c.total_fen == sum(p.amount_fen for p in s.scalars(select(FeePayment)))
        assert c.cash_to_hand_over_fen == amounts["cash"] - pays[1].total_fen
        assert (c.notices_issued, c.notices_unpaid, c.paper_printed, c.paper_first) == (1, 1, 1, "44010226 00000001")
        assert c.payments == 5 and preview.total_fen == c.total_fen
        assert close_ops.stored_close(s, clerk.user_id, day).total_fen == c.total_fen
        assert s.scalars(select(OutboxEntry).where(OutboxEntry.kind == "fee.day_close")).one().payload["total_fen"] == c.total_fen
        with pytest.raises(ValidationFailed, match="已经日结"):
            close_ops.close_day(s, clerk, day)
        cid, _ = accepted_case(s, "BDC-002")
        before = counts(s)
        with pytest.raises(DayClosed, match="已日结"):
            payments.pay_at_window(s, clerk, desk, cid, "cash", tendered_fen=8000)
        with pytest.raises(DayClosed):
            payments.reverse_payment(s, clerk, pays[0].payment_id, "x", auth)
        assert counts(s) == before
    # The store itself refuses, whatever code runs.
    for sql in ("UPDATE fee_payment SET amount_fen = 1", "DELETE FROM fee_reversal",
                "UPDATE fee_paper_receipt SET state = 'void'", "UPDATE fee_day_close SET totals = '{}'",
                "UPDATE fee_receipt_stock SET next_no = 1"):
        with pytest.raises(IntegrityError), store.session() as s:
            s.execute(text(sql))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(PaperReceipt).where(PaperReceipt.state == "printed")) == 1
        # the next day is open
        tomorrow_close = close_ops.compute_close(s, clerk.user_id, day + timedelta(days=1))
        assert tomorrow_close.payments == 0


def test_confirmation_after_the_close_is_booked_on_the_next_open_day(store):
    with store.session() as s:
        clerk = actor(s)
        cid, desk = accepted_case(s, "BDC-002")
        notice = payments.issue_notice(s, clerk, desk, cid)
        other, _ = accepted_case(s, "BDC-002")
        n2 = payments.issue_notice(s, clerk, desk, other)
        day = local_today()
        closed = close_ops.close_day(s, clerk, day)
        assert closed.notices_unpaid == 2 and closed.payments == 0
        with pytest.raises(DayClosed):
            payments.issue_notice(s, clerk, desk, accepted_case(s, "BDC-002")[0])
        row = {"bill_id": notice.bill_id, "case_id": cid, "receipts": [],
               "confirmation": {"payment_id": "6f1c0d7e-0000-4000-8000-000000000001", "amount_fen": 8000,
                                "channel": "wechat", "transaction_id": "WX1", "paid_at": "2026-12-04T10:00:00+00:00"}}
        payments.apply_fee_row(s, row)
        payments.apply_fee_row(s, row)  # the same page pulled twice
        pay = s.scalars(select(FeePayment)).one()
        assert pay.business_day == day + timedelta(days=1) and pay.channel == "notice"
        assert close_ops.compute_close(s, clerk.user_id, day).payments == 0  # the closed day unchanged
        assert case_fees(s, cid).fee_status == "已缴费"
        with pytest.raises(ValidationFailed, match="不符"):
            payments.apply_fee_row(s, {**row, "bill_id": n2.bill_id, "confirmation": {**row["confirmation"], "amount_fen": 1}})
