"""Core queue logic on scripted scenarios, without a server."""

from datetime import datetime, timedelta, timezone

import pytest

from hallclient.queue.announce import announcement, spoken_number
from hallclient.queue.engine import QueueEngine
from hallclient.queue.model import QueueDef, Rules, TicketState
from hallclient.queue.profile import ConditionRule, WorkProfile
from hallclient.queue.stats import compute_stats

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # 09:00 in the hall


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now

    def advance(self, **kw):
        self.now += timedelta(**kw)


QUEUES = [QueueDef("A", "综合受理"), QueueDef("B", "不动产"), QueueDef("C", "社保")]


@pytest.fixture
def clock():
    return Clock()


def engine(clock, rules=None):
    return QueueEngine(QUEUES, rules or Rules(), clock=clock)


def issue(e, clock, *specs):
    """Issue tickets one minute apart; spec 'A' ordinary, 'A!' elderly priority."""
    out = []
    for s in specs:
        ev, t = e.issue(s[0], priority="elderly" if s.endswith("!") else "")
        out.append(t.no)
        clock.advance(minutes=1)
    return out


def calls(e, window, n):
    """Call and end n times; the numbers called, in order."""
    got = []
    for _ in range(n):
        ev = e.call_next(window)
        if ev.outcome != "ok":
            got.append(ev.outcome)
            continue
        got.append(ev.ticket)
        assert e.end(window).outcome == "ok"
    return got


def test_numbers_are_per_queue_and_restart_each_day(clock):
    e = engine(clock)
    assert issue(e, clock, "A", "A", "B", "A") == ["A001", "A002", "B001", "A003"]
    clock.advance(days=1)
    assert issue(e, clock, "A", "B") == ["A001", "B001"]
    ev, t = e.issue("Z")
    assert ev.outcome == "unknown_queue" and t is None


def test_order_profile_serves_queues_in_listed_order(clock):
    e = engine(clock)
    issue(e, clock, "A", "B", "A", "B")
    e.open_window("01", WorkProfile(("B", "A"), mode="order"))
    assert calls(e, "01", 5) == ["B001", "B002", "A001", "A002", "empty"]


def test_weights_profile_interleaves_by_weight(clock):
    e = engine(clock)
    issue(e, clock, *["A"] * 6, *["B"] * 3)
    e.open_window("01", WorkProfile(("A", "B"), mode="weights", weights={"A": 2, "B": 1}))
    assert calls(e, "01", 9) == ["A001", "B001", "A002", "A003", "B002", "A004", "A005", "B003", "A006"]


def test_longest_wait_mode_takes_oldest_across_queues(clock):
    e = engine(clock)
    issue(e, clock, "B", "A", "B")
    e.open_window("01", WorkProfile(("A", "B"), mode="longest_wait"))
    assert calls(e, "01", 3) == ["B001", "A001", "B002"]


def test_condition_rule_takes_queue_whose_oldest_waited_too_long(clock):
    e = engine(clock)
    issue(e, clock, "C", "A", "A", "A")
    e.open_window("01", WorkProfile(("A", "C"), mode="order", rules=(ConditionRule("C", 30),)))
    assert calls(e, "01", 1) == ["A001"]  # C001 waited 4 min: order rules
    clock.advance(minutes=30)  # now C001 waited 34 min
    assert calls(e, "01", 2) == ["C001", "A002"]


def test_priority_ratio_lets_ordinary_through(clock):
    e = engine(clock)
    issue(e, clock, "A", "A", "A!", "A!", "A!", "A!", "A!")
    e.open_window("01", WorkProfile(("A",), starvation="ratio", priority_ratio=2))
    assert calls(e, "01", 7) == ["A003", "A004", "A001", "A005", "A006", "A002", "A007"]


def test_priority_ageing_lets_long_waiters_first(clock):
    e = engine(clock)
    issue(e, clock, "A")  # 09:00
    clock.advance(minutes=24)
    issue(e, clock, "A!", "A!")  # 09:25, 09:26
    e.open_window("01", WorkProfile(("A",), starvation="ageing", ageing_credit_min=20))
    # A001 waited 25 min longer than A002: more than the 20 min credit, so it goes first.
    assert calls(e, "01", 3) == ["A001", "A002", "A003"]
    issue(e, clock, "A")  # 09:27
    clock.advance(minutes=5)
    issue(e, clock, "A!")  # 09:33: only 6 min later, its credit puts it ahead
    assert calls(e, "01", 2) == ["A005", "A004"]


def test_appointment_becomes_priority_at_booked_time(clock):
    e = engine(clock)
    issue(e, clock, "A", "A")
    ev, appt = e.issue("A", priority="appointment", booked_at=clock.now + timedelta(minutes=10))
    e.open_window("01", WorkProfile(("A",)))
    assert calls(e, "01", 1) == ["A001"]
    clock.advance(minutes=10)
    assert calls(e, "01", 2) == [appt.no, "A002"]


def test_window_transfer_and_help_others(clock):
    e = engine(clock)
    issue(e, clock, "A", "A", "A")
    e.open_window("01", WorkProfile(("A",)))
    e.open_window("05", WorkProfile(("C",)))
    e.open_window("06", WorkProfile(("C",), help_others=True))
    assert e.call_next("05").outcome == "empty"
    assert e.call_next("01").ticket == "A001"
    assert e.transfer("01", to_window="05", keep_position=True).outcome == "ok"
    # Only window 05 may call the transferred ticket; 01 goes on with A002.
    assert e.call_next("06").ticket == "A002"  # helps: longest wait of any queue, not reserved
    assert e.call_next("05").ticket == "A001"
    assert calls(e, "01", 1) == ["A003"]


def test_transfer_keep_position_or_end(clock):
    e = engine(clock)
    issue(e, clock, "A", "B", "B")
    e.open_window("01", WorkProfile(("A",)))
    e.open_window("04", WorkProfile(("B",)))
    e.call_next("01")
    assert e.transfer("01", to_queue="B", keep_position=True).outcome == "ok"
    assert calls(e, "04", 1) == ["A001"]  # issued first, keeps its place at the head of B
    issue(e, clock, "A")
    e.call_next("01")  # A002
    assert e.transfer("01", to_queue="B", keep_position=False).outcome == "ok"
    assert calls(e, "04", 3) == ["B001", "B002", "A002"]
    assert e.transfer("04", to_queue="A").outcome == "not_current"  # nothing called at 04 now
    issue(e, clock, "B")
    assert e.call_next("04").ticket == "B003"
    assert e.transfer("04", to_queue="Q").outcome == "unknown_queue"
    assert e.tickets["B003"].state is TicketState.CALLED and e.windows["04"].current == "B003"  # unchanged


def test_recall_limit_and_gap_then_no_show_after_k_calls(clock):
    e = engine(clock, Rules(recall_limit=2, recall_min_gap_s=10, no_show_after_calls=3))
    issue(e, clock, "A", "A")
    e.open_window("01", WorkProfile(("A",)))
    assert e.call_next("01").ticket == "A001"
    assert e.no_show("01").outcome == "too_few_calls"
    assert e.recall("01").outcome == "recall_too_soon"
    clock.advance(seconds=10)
    assert e.recall("01").outcome == "ok"
    clock.advance(seconds=10)
    assert e.recall("01").outcome == "ok"
    clock.advance(seconds=10)
    assert e.recall("01").outcome == "recall_limit"
    assert e.call_next("01").outcome == "window_busy"
    assert e.no_show("01").outcome == "ok"
    assert e.tickets["A001"].state is TicketState.NO_SHOW
    assert e.call_next("01").ticket == "A002"


@pytest.mark.parametrize("rule,expected", [
    ("end", ["A003", "A004", "A005", "A006", "A001"]),
    ("keep", ["A001", "A003", "A004", "A005", "A006"]),
    ("behind", ["A003", "A004", "A001", "A005", "A006"]),
])
def test_late_comer_requeue_rules(clock, rule, expected):
    e = engine(clock, Rules(no_show_after_calls=1, late_requeue=rule, late_behind=2))
    issue(e, clock, "A", "A", "A", "A", "A", "A")
    e.open_window("01", WorkProfile(("A",)))
    e.call_next("01")
    assert e.no_show("01").outcome == "ok"
    assert calls(e, "01", 1) == ["A002"]
    assert e.requeue_late("A001").outcome == "ok"
    assert calls(e, "01", 5) == expected


def test_late_comer_refused_or_expired(clock):
    e = engine(clock, Rules(no_show_after_calls=1, late_requeue="refuse"))
    issue(e, clock, "A")
    e.open_window("01", WorkProfile(("A",)))
    e.call_next("01"), e.no_show("01")
    assert e.requeue_late("A001").outcome == "late_refused"
    e2 = engine(clock, Rules(no_show_after_calls=1, late_requeue="end", late_window_min=30))
    issue(e2, clock, "A")
    e2.open_window("01", WorkProfile(("A",)))
    e2.call_next("01"), e2.no_show("01")
    clock.advance(minutes=31)
    assert e2.requeue_late("A001").outcome == "late_expired"
    assert e2.requeue_late("A009").outcome == "not_found"


def test_park_and_call_back(clock):
    e = engine(clock)
    issue(e, clock, "A", "A")
    e.open_window("01", WorkProfile(("A",)))
    e.open_window("02", WorkProfile(("A",)))
    e.call_next("01")
    assert e.park("01").outcome == "ok"
    assert e.call_next("01").ticket == "A002"  # the window serves others meanwhile
    assert e.call_back("01", "A001").outcome == "window_busy"
    e.end("01")
    assert e.call_back("02", "A001").outcome == "not_parked"  # parked at 01, not at 02
    assert e.call_back("01", "A001").outcome == "ok"
    assert e.windows["01"].current == "A001"


def test_pause_with_reason_and_resume(clock):
    e = engine(clock)
    issue(e, clock, "A")
    e.open_window("01", WorkProfile(("A",)))
    assert e.pause("01", " ").outcome == "bad_request"
    assert e.pause("01", "午休").outcome == "ok"
    assert e.call_next("01").outcome == "window_paused"
    assert e.resume("01").outcome == "ok"
    assert e.resume("01").outcome == "not_paused"
    assert e.call_next("01").ticket == "A001"


def test_call_specific_only_waiting_tickets(clock):
    e = engine(clock)
    issue(e, clock, "A", "B")
    e.open_window("01", WorkProfile(("A",)))
    e.open_window("02", WorkProfile(("A",)))
    assert e.call_specific("01", "B001").outcome == "ok"
    e.end("01")
    assert e.call_specific("02", "B001").outcome == "not_waiting"
    assert e.call_specific("02", "X999").outcome == "not_found"


def test_every_action_is_an_event_and_stats_derive_from_them(clock):
    e = engine(clock, Rules(no_show_after_calls=1))
    e.open_window("01", WorkProfile(("A",)), clerk="wang")
    e.open_window("02", WorkProfile(("B",)), clerk="li")
    issue(e, clock, "A", "A", "B")  # 09:00, 09:01, 09:02; now 09:03
    clock.advance(minutes=2)  # 09:05
    e.call_next("01")  # A001 waited 5 min
    clock.advance(minutes=10)
    e.end("01")  # served 10 min
    e.call_next("01")  # A002 waited 14 min
    e.no_show("01")
    e.call_next("02")  # B001 waited 13 min
    clock.advance(minutes=4)
    e.end("02")
    e.call_next("02")  # empty: an event too
    assert [ev.seq for ev in e.events] == list(range(1, len(e.events) + 1))
    assert e.events[-1].outcome == "empty"
    by_window = {k: v.as_json() for k, v in compute_stats(e.events, "window").items()}
    assert by_window["01"] == {"called": 2, "turns": 2, "served": 1, "no_shows": 1, "no_show_rate": 0.5,
                               "avg_wait_s": 570.0, "max_wait_s": 840.0, "avg_service_s": 600.0}
    assert by_window["02"]["avg_wait_s"] == 780.0 and by_window["02"]["avg_service_s"] == 240.0
    by_clerk = compute_stats(e.events, "clerk")
    assert by_clerk["wang"].no_show_rate == 0.5 and by_clerk["li"].no_show_rate == 0
    by_queue = compute_stats(e.events, "queue")
    assert by_queue["A"].called == 2 and by_queue["B"].called == 1
    by_hour = compute_stats(e.events, "hour")
    assert set(by_hour) == {"09:00"}


def test_recalled_ticket_counts_once_in_waiting_time(clock):
    e = engine(clock, Rules(recall_min_gap_s=0))
    e.open_window("01", WorkProfile(("A",)))
    issue(e, clock, "A")
    e.call_next("01")
    e.recall("01")
    e.park("01")
    clock.advance(minutes=3)
    e.call_back("01", "A001")
    clock.advance(minutes=2)
    e.end("01")
    s = compute_stats(e.events, "window")["01"]
    assert s.called == 1 and s.wait_s == [60.0] and s.service_s == [120.0]


def test_spoken_numbers_digit_by_digit():
    assert spoken_number("A001") == "A零零一"
    assert spoken_number("B110") == "B一一零"
    assert announcement("A001", "03") == "请 A零零一 号 到 3 号窗口 办理"
    assert announcement("C012", "12") == "请 C零一二 号 到 12 号窗口 办理"


def test_no_show_rate_counts_turns_and_stays_within_0_and_1(clock):
    """A ticket missed, re-queued and missed again is two turns with two 过号 (rate 1.0, never 2.0);
    a ticket transferred from 01 and missed at 02 is a turn of 02, not of 01."""
    e = engine(clock, Rules(no_show_after_calls=1, late_requeue="end"))
    e.open_window("01", WorkProfile(("A",)))
    e.open_window("02", WorkProfile(("B",)))
    issue(e, clock, "A", "A")
    assert e.call_next("01").ticket == "A001"
    assert e.no_show("01").outcome == "ok"
    assert e.requeue_late("A001").outcome == "ok"
    assert e.call_next("01").ticket == "A002"
    assert e.transfer("01", to_window="02").outcome == "ok"
    assert e.call_next("01").ticket == "A001"
    assert e.no_show("01").outcome == "ok"
    assert e.call_next("02").ticket == "A002"
    assert e.no_show("02").outcome == "ok"
    by_window = compute_stats(e.events, "window")
    w1, w2 = by_window["01"], by_window["02"]
    assert (w1.called, w1.turns, w1.no_shows, w1.no_show_rate) == (2, 3, 2, 2 / 3)
    assert (w2.called, w2.turns, w2.no_shows, w2.no_show_rate) == (0, 1, 1, 1.0)
    for by in ("clerk", "window", "queue", "hour"):
        assert all(0 <= st.no_show_rate <= 1 for st in compute_stats(e.events, by).values())
    assert compute_stats(e.events, "queue")["A"].no_show_rate == 0.75


def test_rules_that_contradict_or_are_unknown_are_refused_in_chinese():
    from hallclient.errors import ValidationFailed
    from hallclient.queue.validate import check_rules

    ok = check_rules({**Rules().__dict__, "recall_limit": 1, "no_show_after_calls": 2})
    assert (ok.recall_limit, ok.no_show_after_calls) == (1, 2)  # 2 calls possible: 过号 reachable
    with pytest.raises(ValidationFailed) as e:
        check_rules({**Rules().__dict__, "recall_limit": 0, "no_show_after_calls": 2})
    assert "既不能重呼也不能过号" in e.value.message and "至少 1" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        check_rules({**Rules().__dict__, "late_requeue": "back"})
    assert "过号重排方式“back”未知" in e.value.message and "behind" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        check_rules({**Rules().__dict__, "no_show_after_calls": 0, "recal_limit": 2})
    assert "过号前最少呼叫次数必须是不小于 1 的整数" in e.value.message and "没有“recal_limit”这项规则" in e.value.message


def test_profiles_with_unknown_modes_or_queues_are_refused_in_chinese():
    from hallclient.errors import ValidationFailed
    from hallclient.queue.validate import check_profile

    p = check_profile({"queues": ["A", "C"], "mode": "weights", "weights": {"A": 2}, "rules": [{"queue": "C", "waited_over_min": 30}]}, "ABC")
    assert p.mode == "weights" and p.rules[0].queue == "C"
    for bad, says in [
        ({"queues": ["A"], "mode": "fifo"}, "叫号方式“fifo”未知"),
        ({"queues": ["A"], "starvation": "none"}, "防止普通号久等的方式“none”未知"),
        ({"queues": ["A", "Z"]}, "没有这些业务类别：Z"),
        ({"queues": ["A"], "priority_ratio": 0}, "连续优先号上限"),
        ({"queues": ["A"], "weights": {"A": 0}}, "权重"),
        ({"queues": ["A"], "rules": [{"queue": "C", "waited_over_min": 30}]}, "规则永远不会生效"),
        ({"queues": ["A"], "modus": "order"}, "没有“modus”这项设置"),
    ]:
        with pytest.raises(ValidationFailed) as e:
            check_profile(bad, "ABC")
        assert says in e.value.message and e.value.message.startswith("窗口工作方案无效："), bad
