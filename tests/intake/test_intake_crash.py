"""kill -9 in the middle of accepting cases: each case is absent or complete, numbers unique."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from hallclient.context import open_context
from hallclient.intake import accept
from hallclient.intake.numbering import parse_case_number, sequence_name
from hallclient.models import Case, CaseEvent, NumberSequence, OutboxEntry
from intake_helpers import at, new_case, receive_all

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def test_kill_during_accepts_leaves_no_half_case(data_dir):
    with open_context(data_dir, seed=True):
        pass  # migrate and seed first, so the child spends its life accepting
    child = subprocess.Popen([sys.executable, str(HERE / "crash_child.py"), str(data_dir), str(ROOT), str(HERE)],
                             stdout=subprocess.PIPE, text=True)
    committed = []
    try:
        assert child.stdout.readline().strip() == "ready"
        while len(committed) < 25:
            line = child.stdout.readline().strip()
            assert line, "child died before accepting cases"
            committed.append(line)
    finally:
        os.kill(child.pid, signal.SIGKILL)  # mid-loop: most likely inside a transaction
        child.wait()
    assert child.returncode == -signal.SIGKILL

    with open_context(data_dir, seed=True) as ctx, ctx.store.session() as s:
        cases = s.scalars(select(Case)).all()
        numbers = [c.case_no for c in cases]
        assert set(committed) <= set(numbers)  # what was committed survived
        for c in cases:  # a case that exists is complete: started and accepted together
            assert c.state == "accepted" and c.case_no and c.query_password and c.promised_date
            ev = s.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id, CaseEvent.type == "accepted")).one()
            assert ev.payload["case_no"] == c.case_no
            assert s.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.uuid == ev.uuid)) == 1
        assert not [n for n, k in Counter(numbers).items() if k > 1]
        for window in ("03", "05"):
            seqs = [int(parse_case_number(n)["seq"]) for n in numbers if parse_case_number(n)["window"] == window]
            row = s.get(NumberSequence, sequence_name("440300001", window))
            assert sorted(seqs) == list(range(1, len(seqs) + 1))  # no gap, no repeat
            assert row.value == len(seqs)
        # after the restart the next number continues, never repeats
        cid, d = new_case(s, "SCJG-003", window="05", when=at(2026, 9, 30))
        receive_all(s, cid, at(2026, 9, 30).date())
        nxt = accept(s, cid, d, now=at(2026, 9, 30)).case_no
        assert nxt not in numbers
