"""The client's copy of the hall's cases of the day keeps today's and the previous pulled day's
rows only: the server never updates earlier days' rows again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hallclient.syncstate import MirrorRow
from sync.apply import apply_rows, prune_daily_mirror


def _pull(store, day: date, keys_seqs: list[tuple[str, int]]) -> int:
    rows = [{"seq": seq, "key": key, "data": {"case_id": key, "state": "accepted"}} for key, seq in keys_seqs]
    with store.write() as s:
        apply_rows(s, "cases_today", rows)
        return prune_daily_mirror(s, [r["seq"] for r in rows], day)


def _keys(store) -> set[str]:
    with store.read() as s:
        return set(s.scalars(select(MirrorRow.key).where(MirrorRow.stream == "cases_today")))


def test_days_before_the_previous_one_are_pruned_and_a_case_changed_again_stays(store):
    assert _pull(store, date(2026, 12, 1), [("a", 1), ("b", 2)]) == 0  # the first day: nothing earlier
    assert _pull(store, date(2026, 12, 1), [("c", 3)]) == 0  # later the same day
    assert _pull(store, date(2026, 12, 2), [("d", 4), ("e", 5)]) == 0  # yesterday is kept
    assert _keys(store) == {"a", "b", "c", "d", "e"}
    # Two days on (the PC was off on the 3rd): the 1st goes, the 2nd (the previous pulled day)
    # stays; case "a", changed again today, comes back with a new seq and stays.
    assert _pull(store, date(2026, 12, 4), [("f", 6), ("a", 7)]) == 2
    assert _keys(store) == {"a", "d", "e", "f"}
    assert _pull(store, date(2026, 12, 5), [("g", 8)]) == 2  # the 2nd goes now
    assert _keys(store) == {"a", "f", "g"}
    with store.read() as s:  # one marker per kept day
        assert set(s.scalars(select(MirrorRow.key).where(MirrorRow.stream == "cases_today.day"))) == {"2026-12-04", "2026-12-05"}
