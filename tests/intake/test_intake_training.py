"""`hallclient training generate`: accepted training cases through the intake service."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from hallclient.context import open_context
from hallclient.models import Case, CaseEvent, CaseMaterial, OutboxEntry


def _counts(data_dir):
    with open_context(data_dir, seed=True) as ctx, ctx.store.session() as s:
        cases = s.scalars(select(Case)).all()
        return (
            cases,
            s.scalar(select(func.count()).select_from(CaseEvent)),
            s.scalar(select(func.count()).select_from(OutboxEntry)),
            s.scalar(select(func.count()).select_from(CaseMaterial).where(CaseMaterial.status == "missing")),
        )


def test_generate_without_outbox(cli, data_dir):
    open_context(data_dir, seed=True).close()  # the demo hall and catalogue to train on
    r = cli("training", "generate", "--cases", "40", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["cases"] == 40 and out["outbox_rows"] == 0
    cases, events, outbox, missing = _counts(data_dir)
    assert len(cases) == 40 and all(c.training for c in cases)
    assert all(c.case_no and c.state in ("accepted", "completed") and c.promised_date for c in cases)
    assert len({c.case_no for c in cases}) == 40
    assert events >= 80 and outbox == 0 and missing == 0


def test_generate_with_outbox_for_the_sync_benchmark(cli, data_dir):
    open_context(data_dir, seed=True).close()
    r = cli("training", "generate", "--cases", "30", "--with-outbox", "--batch", "7", data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    cases, events, outbox, _ = _counts(data_dir)
    assert len(cases) == 30 and outbox == events == json.loads(r.stdout)["outbox_rows"]
    with open_context(data_dir, seed=True) as ctx, ctx.store.session() as s:
        # payloads are encrypted at rest: SQL cannot look inside them, Python can
        row = next(r for r in s.scalars(select(OutboxEntry)) if r.payload.get("type") == "accepted")
        assert row.payload["training"] is True and row.payload["case_no"]
    assert cli("training", "generate", "--cases", "0", data_dir=data_dir).returncode == 2


def test_training_on_a_store_without_a_catalogue_says_what_is_missing(cli, tmp_path):
    empty = tmp_path / "new-installation"
    r = cli("training", "generate", "--cases", "5", data_dir=empty)
    assert r.returncode == 2 and "还没有大厅和窗口" in r.stderr and "Traceback" not in r.stderr
