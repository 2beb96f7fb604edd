"""The supervisor's reads that span every day kept (open cases, open 差评) go through indexes:
the store grows by the hall's whole day, every day, and a scan would grow with it. The
statements checked are the ones the code runs, caught as they execute."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, text

from hallclient.supervision import records, warnings


def _statements(store, run) -> list[tuple[str, tuple]]:
    seen = []

    def catch(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and ("hall_case" in statement or "hall_record" in statement):
            seen.append((statement, params))

    event.listen(store.read_engine, "before_cursor_execute", catch)
    try:
        with store.read() as s:
            run(s)
    finally:
        event.remove(store.read_engine, "before_cursor_execute", catch)
    return seen


def _plan(store, statement: str, params) -> str:
    with store.engine.connect() as c:
        return " | ".join(r[-1] for r in c.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))


def test_open_cases_and_open_bad_ratings_use_their_indexes(store, monkeypatch):
    from hallclient.supervision import figures

    raw = []  # _open_cases reads through the driver's cursor (figures.raw_rows), past SQLAlchemy

    def recording(s, sql, params):
        raw.append((sql, params))
        return original(s, sql, params)

    original = figures.raw_rows
    monkeypatch.setattr(figures, "raw_rows", recording)
    with store.read() as s:
        warnings._open_cases(s, date(2026, 12, 3))
    [(open_sql, open_params)] = raw
    plan = _plan(store, open_sql, open_params)
    assert "ix_hall_case_state" in plan and "ix_hall_case_broken" in plan and "SCAN hall_case" not in plan, plan
    [(bad_sql, bad_params)] = _statements(store, lambda s: records.ratings(s, None, None, bad_only=True))
    plan = _plan(store, bad_sql, bad_params)
    # a walk of the partial index is a walk of the 差评 alone, never of every record or rating
    assert plan == "SCAN hall_record USING INDEX ix_hall_record_bad_rating", plan


def test_the_partial_index_holds_only_bad_ratings(store):
    from hallclient.supervision.tables import HallRecord
    from hallclient.models import utcnow

    with store.write() as s:
        for n, level in enumerate((1, 2, 3, 5)):
            s.add(HallRecord(uuid=f"r{n}", kind="rating", at=utcnow(), data={"level": level}))
    with store.read() as s:
        indexed = s.execute(text("SELECT count(*) FROM hall_record INDEXED BY ix_hall_record_bad_rating "
                                 "WHERE kind = 'rating' AND json_extract(data, '$.level') <= 2")).scalar()
        assert indexed == 2
        assert sorted(r.level for r in records.ratings(s, None, None, bad_only=True)) == [1, 2]
