"""A 差评 followed up through 回访 and 整改 to closed; steps out of order refused; overdue
follow-ups are warnings; review actions go up as outbox records; clerks are refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hallclient.errors import ValidationFailed
from hallclient.models import OutboxEntry
from hallclient.permissions import PermissionDenied
from hallclient.supervision import followups
from hallclient.supervision.overview import load_day, reading

from day_script import accepted_case, apply, clerk, hall, record, supervisor, uid

DAY = date(2026, 12, 3)  # Thursday


def _bad_rating(store) -> tuple[str, str]:
    cid, rows = accepted_case(DAY, 9)
    rid = uid()
    rows.append(record("rating", {"rating_id": rid, "case_id": cid, "level": 1, "reasons": ["服务态度差"], "comment": "态度冷淡",
                                  "window_code": "01", "clerk": "clerk", "at": hall(DAY, 9, 30).isoformat()}, key=rid))
    apply(store, rows)
    return rid, cid


def _status(store, rid):
    with reading(store) as s:
        return next(b for b in load_day(s, supervisor(), DAY, today=DAY).bad_ratings if b.rating.id == rid)


def test_a_bad_rating_through_callback_and_fix_to_closed(store):
    rid, _cid = _bad_rating(store)
    assert _status(store, rid).status_label == "待回访"
    with store.session() as s, pytest.raises(ValidationFailed, match="先回访"):
        followups.start_fix(s, supervisor(), rid, "加强培训", 5, today=DAY)
    with store.session() as s, pytest.raises(ValidationFailed, match="先回访并安排整改"):
        followups.close(s, supervisor(), rid, "已整改")
    with store.session() as s, pytest.raises(ValidationFailed, match="回访情况"):
        followups.record_callback(s, supervisor(), rid, "  ")
    with store.session() as s:
        followups.record_callback(s, supervisor(), rid, "已电话联系申请人，对等候时间和态度不满")
    assert _status(store, rid).status_label == "已回访"
    with store.session() as s:
        v = followups.start_fix(s, supervisor(), rid, "窗口人员服务规范再培训", 2, today=DAY)
    assert v.fix_deadline == date(2026, 12, 7)  # two working days after Thursday: Friday, Monday
    assert _status(store, rid).status_label == "整改中"
    with store.session() as s, pytest.raises(ValidationFailed, match="整改结果"):
        followups.close(s, supervisor(), rid, "")
    with store.session() as s:
        followups.close(s, supervisor(), rid, "已培训并回访，申请人表示认可")
    b = _status(store, rid)
    assert b.status_label == "已办结" and b.follow_up.result.startswith("已培训")
    with store.session() as s, pytest.raises(ValidationFailed, match="已办结"):
        followups.record_callback(s, supervisor(), rid, "再次回访")
    with store.session() as s:
        steps = [o.payload["step"] for o in s.scalars(select(OutboxEntry).where(OutboxEntry.kind == "rating.follow_up").order_by(OutboxEntry.id))]
    assert steps == ["callback", "fix", "close"]


def test_overdue_follow_ups_are_warnings(store):
    rid, cid = _bad_rating(store)
    later = date(2026, 12, 8)  # Tuesday: the one working day for the call back has passed
    with reading(store) as s:
        ws = [w for w in load_day(s, supervisor(), DAY, today=later).warnings if w.rating_id == rid]
    assert [w.kind for w in ws] == ["rating_callback"] and ws[0].level == "yellow"
    with reading(store) as s:  # looking at a later day, the old 差评 is still a warning of today
        assert [w.kind for w in load_day(s, supervisor(), later, today=later).warnings if w.rating_id == rid] == ["rating_callback"]
    with store.session() as s:
        followups.record_callback(s, supervisor(), rid, "已联系")
        followups.start_fix(s, supervisor(), rid, "整改", 1, today=DAY)  # due Friday 4 Dec
    with reading(store) as s:
        ws = [w for w in load_day(s, supervisor(), DAY, today=later).warnings if w.rating_id == rid]
    assert [(w.kind, w.level) for w in ws] == [("rating_fix", "red")]
    with store.session() as s:  # a flag past its deadline is a warning too
        followups.add_review(s, supervisor(), cid, "核实材料", deadline=date(2026, 12, 4), today=DAY)
    with reading(store) as s:
        assert any(w.kind == "review_flag" and w.case_id == cid for w in load_day(s, supervisor(), DAY, today=later).warnings)


def test_review_actions_are_outbox_events_and_refused_to_a_clerk(store):
    rid, cid = _bad_rating(store)
    with store.session() as s:
        n = followups.add_review(s, supervisor(), cid, "请核对受理时间")
        f = followups.add_review(s, supervisor(), cid, "督办补齐材料", deadline=date(2026, 12, 10), today=DAY)
    assert (n.kind, f.kind) == ("note", "flag")
    with store.session() as s, pytest.raises(ValidationFailed, match="已经过去"):
        followups.add_review(s, supervisor(), cid, "过去的期限", deadline=date(2026, 12, 1), today=DAY)
    with store.session() as s:
        kinds = [(o.kind, o.payload["kind"]) for o in s.scalars(select(OutboxEntry).where(OutboxEntry.kind == "case.review"))]
        assert kinds == [("case.review", "note"), ("case.review", "flag")]
    with store.session() as s:
        with pytest.raises(PermissionDenied):
            followups.add_review(s, clerk(), cid, "x")
        with pytest.raises(PermissionDenied):
            followups.record_callback(s, clerk(), rid, "x")


def test_another_supervisors_steps_arrive_through_the_hall_stream(store):
    rid, cid = _bad_rating(store)
    at = hall(DAY, 15).isoformat()
    apply(store, [
        record("rating.follow_up", {"rating_id": rid, "step": "fix", "status": "fixing", "callback_note": "已回访",
                                    "callback_at": at, "fix_plan": "培训", "fix_deadline": "2026-12-10", "result": "",
                                    "closed_at": None, "clerk": "supervisor2", "at": at}),
        record("case.review", {"id": uid(), "case_id": cid, "kind": "flag", "text": "督办", "deadline": "2026-12-09",
                               "done": False, "clerk": "supervisor2", "at": at}),
    ])
    b = _status(store, rid)
    assert b.status_label == "整改中" and b.follow_up.fix_deadline == date(2026, 12, 10) and b.follow_up.by == "supervisor2"
    with store.session() as s:
        assert [r.text for r in followups.reviews_of(s, cid)] == ["督办"]
    # an older step arriving late does not overwrite the newer state
    apply(store, [record("rating.follow_up", {"rating_id": rid, "step": "callback", "status": "called", "callback_note": "旧",
                                              "clerk": "supervisor2", "at": hall(DAY, 14).isoformat()})])
    assert _status(store, rid).status_label == "整改中"
