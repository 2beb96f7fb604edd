"""The day's figures from a scripted day equal the values computed by hand."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from hallclient.permissions import PermissionDenied
from hallclient.queue.stats import compute_stats
from hallclient.supervision import figures as fig
from hallclient.supervision import sample
from hallclient.supervision.overview import CaseFilter, filter_cases, load_day, reading

from day_script import accepted_case, apply, clerk, event, hall, q, record, supervisor, uid

DAY = date(2026, 12, 2)


def _scripted(store):
    t = lambda h, m=0: hall(DAY, h, m)  # noqa: E731
    queue = [
        q(1, "issue", t(9, 0), "A001"),
        q(2, "issue", t(9, 2), "A002"),
        q(3, "call", t(9, 5), "A001", window="01", clerk="clerk", issued=t(9, 0)),      # waited 5 min
        q(4, "issue", t(9, 10), "A003"),
        q(5, "call", t(9, 14), "A002", window="01", clerk="clerk", issued=t(9, 2)),     # waited 12 min
        q(6, "no_show", t(9, 16), "A002", window="01", clerk="clerk", issued=t(9, 2)),
        q(7, "end", t(9, 20), "A001", window="01", clerk="clerk", issued=t(9, 0)),      # handled 15 min
        q(8, "call", t(9, 30), "A003", window="02", clerk="clerk2", issued=t(9, 10)),   # waited 20 min
        q(9, "issue", t(10, 0), "B001", queue="B"),                                     # never called
        q(10, "call", t(10, 1), "A999", window="02", outcome="window_busy"),             # refused: not counted
        q(11, "end", t(10, 10), "A003", window="02", clerk="clerk2", issued=t(9, 10)),  # handled 40 min
    ]
    a, rows_a = accepted_case(DAY, 9)
    b, rows_b = accepted_case(DAY, 9, window="02", clerk="clerk2", case_type="immediate")
    rows_b.append(event(b, "completed", "completed", t(9, 40), {"on_the_spot": True}, window="02", clerk="clerk2"))
    c = uid()
    rows_c = [event(c, "created", "draft", t(10), {"item_code": "GJJ-001"}),
              event(c, "refused", "refused", t(10, 5), {"reason": "不属于本机关职权", "legal_basis": "《行政许可法》第三十二条"})]
    money = [
        record("fee.paid", {"amount_fen": 2000, "channel": "cash", "case_id": a, "window_code": "01", "clerk": "clerk", "at": t(9, 30).isoformat()}),
        record("fee.paid", {"amount_fen": 1500, "channel": "scan", "case_id": b, "window_code": "02", "clerk": "clerk2", "at": t(9, 45).isoformat()}),
        record("fee.reversed", {"amount_fen": 2000, "channel": "cash", "case_id": a, "reason": "金额有误", "window_code": "01",
                                "clerk": "clerk", "at": t(9, 50).isoformat()}),
        # certificates and notices plug in by kind (hallclient/supervision/records.py)
        record("certificate.spoiled", {"case_id": b, "reason": "卡纸", "window_code": "02", "clerk": "clerk2", "at": t(9, 41).isoformat()}),
        record("certificate.reprinted", {"case_id": b, "reason": "申请人遗失", "window_code": "02", "clerk": "clerk2", "at": t(9, 42).isoformat()}),
        record("print.document", {"case_id": a, "reprint": True, "reason": "补打受理通知书", "window_code": "01", "clerk": "clerk",
                                  "at": t(9, 43).isoformat()}),
    ]
    ratings = [record("rating", {"rating_id": uid(), "case_id": cid, "level": lv, "reasons": rs, "comment": "", "window_code": w,
                                 "clerk": k, "at": t(9, 50).isoformat()})
               for cid, lv, rs, w, k in ((a, 5, [], "01", "clerk"), (b, 4, [], "02", "clerk2"), (c, 2, ["等候时间太长"], "01", "clerk"))]
    apply(store, rows_a + rows_b + rows_c + money + ratings, queue)
    return a, b, c


def test_figures_of_a_scripted_day_equal_hand_computed_values(store):
    _scripted(store)
    with reading(store) as s:
        day = load_day(s, supervisor(), DAY, today=DAY)
    f = day.figures
    t = f.total
    assert (t.tickets, t.called, t.served, t.no_shows) == (4, 3, 2, 1)
    assert t.no_show_rate == pytest.approx(1 / 3)
    assert t.wait_mean_s == pytest.approx((300 + 720 + 1200) / 3)  # 740 s
    assert t.wait_p90_s == 1200  # nearest rank: ceil(0.9 * 3) = 3rd of 300, 720, 1200
    assert t.handle_mean_s == pytest.approx((900 + 2400) / 2)
    assert t.handle_p90_s == 2400
    assert t.wait_ok is False and t.handle_ok is False  # 12.3 min > 10, 27.5 min > 20
    win = {g.key: g for g in f.by_window}
    assert (win["01"].called, win["01"].served, win["01"].no_shows, win["01"].wait_mean_s) == (2, 1, 1, 510)
    assert (win["02"].called, win["02"].served, win["02"].handle_mean_s) == (1, 1, 2400)
    assert win["01"].handle_ok is True and win["02"].handle_ok is False
    queues = {g.key: g for g in f.by_queue}
    assert queues["A"].tickets == 3 and queues["B"].tickets == 1 and queues["B"].called == 0
    assert f.tickets_by_hour == {"09:00": 3, "10:00": 1}
    assert {g.key: (g.tickets, g.called) for g in f.by_hour} == {"09:00": (3, 3), "10:00": (1, 0)}
    assert dict((k, n) for k, _l, n in f.cases_by_outcome) == {"accepted": 1, "completed": 1, "refused": 1}
    assert [(c, n, a) for c, _l, n, a in f.fees] == [("cash", 1, 0), ("scan", 1, 1500)]
    assert f.fees_total_fen == 1500 and f.reversals == 1
    assert f.ratings_by_level == {5: 1, 4: 1, 3: 0, 2: 1, 1: 0}
    assert f.satisfaction_rate == pytest.approx(2 / 3) and f.bad_ratings == 1
    assert f.ratings_mean == pytest.approx(11 / 3)
    kinds = sorted(e.kind for e in day.exceptions)
    assert kinds == ["bad_rating", "refusal", "reprint", "reprint", "reversal", "spoiled"]
    spoiled = next(e for e in day.exceptions if e.kind == "spoiled")
    assert (spoiled.text, spoiled.window_code, spoiled.clerk) == ("卡纸", "02", "clerk2")


def test_the_one_pass_grouping_equals_the_queue_stats_rules():
    events = []
    rnd = random.Random(3)
    from hallclient.queue.model import QueueEvent

    seq = 0
    for n in range(300):
        issued = hall(DAY, 8) + timedelta(seconds=n * 90)
        no = f"A{n:03d}"
        for typ, dt in (("issue", 0), ("call", rnd.randrange(60, 900)), (rnd.choice(["end", "no_show", "transfer", "end"]), 1200),
                        ("call_back", 1300), ("end", 1500)):
            seq += 1
            events.append(QueueEvent(type=typ, outcome="ok", at=issued + timedelta(seconds=dt), window=f"0{n % 4}",
                                     clerk=f"c{n % 3}", ticket=no, queue="AB"[n % 2], issued_at=issued, seq=seq))
    one = fig.multi_stats(events)
    for by in ("clerk", "window", "queue", "hour"):
        ref = compute_stats(events, by)
        assert {k: v.as_json() for k, v in one[by].items()} == {k: v.as_json() for k, v in ref.items()}, by


def test_filters_and_search_on_a_sample_day(store):
    sample.load_day(store, DAY, cases=300, tickets=400, ratings=100)
    with reading(store) as s:
        day = load_day(s, supervisor(), DAY, today=DAY)
    assert len(day.cases) == 300
    w3 = filter_cases(day.cases, CaseFilter(window="03"))
    assert w3 and all(c.window_code == "03" for c in w3)
    one = day.cases[17]
    assert filter_cases(day.cases, CaseFilter(text=one.case_no or one.applicant_name))[0].case_id
    masked = [c for c in day.cases if c.applicant_id_masked][0]
    assert "*" in masked.applicant_id_masked and len(masked.applicant_id_masked) == 18
    assert masked in filter_cases(day.cases, CaseFilter(text=masked.applicant_id_masked[-6:]))
    morning = filter_cases(day.cases, CaseFilter(hour_from=9, hour_to=11))
    assert morning and all(9 <= c.hour < 11 for c in morning)
    refused = filter_cases(day.cases, CaseFilter(state="refused", case_type=one.case_type))
    assert all(c.state == "refused" and c.case_type == one.case_type for c in refused)


def test_ranges_empty_reversed_and_too_long_are_explained(store):
    with reading(store) as s:
        empty = load_day(s, supervisor(), DAY, today=DAY)
    assert empty.figures.empty and "本机还没有大厅数据" in empty.empty_message
    from hallclient.models import SyncCursor

    with store.session() as s:  # once synced, an empty day is said to be empty, not unsynced
        s.add(SyncCursor(stream="hall_day", cursor="5"))
    with reading(store) as s:
        assert "2026-12-02 没有大厅数据" in load_day(s, supervisor(), DAY, today=DAY).empty_message
        with pytest.raises(fig.RangeRefused, match="早于开始日期"):
            load_day(s, supervisor(), DAY, DAY - timedelta(days=1))
        with pytest.raises(fig.RangeRefused, match="超过 31 天"):
            load_day(s, supervisor(), date(2026, 1, 1), date(2026, 12, 31))


def test_the_page_data_is_refused_to_a_clerk(store):
    with reading(store) as s:
        with pytest.raises(PermissionDenied, match="值班长监察"):
            load_day(s, clerk(), DAY)


def test_a_case_with_a_broken_event_history_is_shown_with_what_is_wrong(store):
    cid = uid()
    # accepted without ever being created, then completed although it is a promised case
    # and then "resumed" from a state it never was in
    apply(store, [event(cid, "accepted", "accepted", hall(DAY, 9), {"case_no": "X1", "item_code": "SCJG-003", "promised_date": "2026-12-09"}),
                  event(cid, "resumed", "draft", hall(DAY, 10), {})])
    with reading(store) as s:
        day = load_day(s, supervisor(), DAY, today=DAY)
    row = next(c for c in day.cases if c.case_id == cid)
    assert "缺少“创建”记录" in row.broken and "resumed" in row.broken
    assert any(w.kind == "broken" and w.case_id == cid for w in day.warnings)
    assert any(e.kind == "broken" for e in day.exceptions)


def test_fees_and_certificates_recorded_as_case_events_count(store):
    """The fees and certificates packages record fee_paid, fee_reversed, certificate_spoiled …
    as events of the case: they reach the figures and the exceptions like records do."""
    a, rows = accepted_case(DAY, 9)
    t = lambda h, m=0: hall(DAY, h, m)  # noqa: E731
    rows += [
        event(a, "fee_notice_issued", "accepted", t(9, 20), {"bill_id": "b1", "method": "notice", "total_fen": 5000}),
        event(a, "fee_paid", "accepted", t(9, 21), {"payment_id": "p1", "channel": "card", "amount_fen": 5000}),
        event(a, "fee_paid", "accepted", t(9, 22), {"payment_id": "p2", "channel": "cash", "amount_fen": 1000}),
        event(a, "fee_reversed", "accepted", t(9, 30), {"payment_id": "p2", "channel": "cash", "amount_fen": 1000, "reason": "重复收费"}),
        event(a, "fee_paper_receipt_voided", "accepted", t(9, 31), {"payment_id": "p1", "reason": "打印错位"}),
        event(a, "certificate_printed", "accepted", t(9, 40), {"certificate_id": "c1", "serial": "0001"}),
        event(a, "certificate_spoiled", "accepted", t(9, 41), {"certificate_id": "c1", "serial": "0001", "reason": "卡纸"}),
        event(a, "certificate_reprinted", "accepted", t(9, 42), {"certificate_id": "c1", "serial": "0002", "reason": "卡纸后补打"}),
    ]
    apply(store, rows)
    with reading(store) as s:
        day = load_day(s, supervisor(), DAY, today=DAY)
        detail = __import__("hallclient.supervision.overview", fromlist=["x"]).case_detail(s, supervisor(), a)
    f = day.figures
    assert [(c, n, amt) for c, _l, n, amt in f.fees] == [("card", 1, 5000), ("cash", 1, 0)]
    assert f.fees_total_fen == 5000 and f.reversals == 2
    kinds = sorted(e.kind for e in day.exceptions)
    assert kinds == ["reprint", "reversal", "reversal", "spoiled"]
    assert not next(c for c in day.cases if c.case_id == a).broken
    labels = [e.label for e in detail.timeline]
    assert "收费" in labels and "证照作废" in labels and any("￥50.00 card" in e.detail for e in detail.timeline)
