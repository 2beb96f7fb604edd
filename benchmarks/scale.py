"""Case search and today's list at 1,000 / 20,000 / 100,000 cases; prints JSON.

    python benchmarks/scale.py [--sizes 1000,20000,100000] [--runs 30] [--keep DIR]

The 1,000-case store is made by the training generator (`hallclient training generate`: real
applicants, items, numbers and events through the core). Larger stores repeat those cases
with SQL, each copy a week earlier, with its own ids, case numbers, ID and phone lookup keys,
and names of its own (the last character replaced by one the generator never uses), so a
full-name query finds the same people at every size and the figures compare like with like;
a surname alone finds up to 25 people (the search's bound). Each figure is the median (p50)
and p95 of wall-clock time, and the median of the process's CPU time, over `--runs` calls of
the real `search_cases` / `today_cases` in a read session, after 3 warm-up calls; the queries
are values of the 1,000-case store, present at every size. `legacy_name_scan` is the same name
search done the way the client did before revision 0004 (a LIKE over every case), measured
in the same run as the baseline. `migration_0003_to_0004_s`: the largest store taken back to
revision 0003 (alembic downgrade), then the upgrade timed (indexes, backfills, suffix table,
ANALYZE). The machine is shared and noisy: compare figures of one run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import or_, select, text  # noqa: E402

from hallclient import db  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from hallclient.intake.queries import _base, _rows, search_cases, today_cases  # noqa: E402
from hallclient.intake.training import generate  # noqa: E402
from hallclient.models import Applicant, Case, ServiceItem  # noqa: E402

BASE_CASES = 1000


def build_base(dir_: Path) -> Path:
    ctx = open_context(dir_, seed=True)
    try:
        generate(ctx.store.write, BASE_CASES, seed=11)
    finally:
        ctx.close()
    return dir_ / "hallclient.sqlite3"


APPLICANT_COLS = ("kind, name, id_type, id_number, id_key, phone, phone_key, address, photo_wlt, gender, birth_date, "
                  "legal_rep_name, legal_rep_id_number, created_at, updated_at")
CASE_COLS = ("id, case_no, item_id, applicant_id, agent_id, window_id, clerk_id, state, case_type, query_password, "
             "ticket_no, received_at, accepted_at, decided_at, clock_start, promised_date, legal_due_date, "
             "outcome_reason, training, created_at, updated_at, last_activity_at")


def _name_pool() -> str:
    from hallclient.intake.training import GIVEN, RARE_NAMES, SURNAMES

    used = set(GIVEN + SURNAMES + "".join(RARE_NAMES))
    return "".join(ch for ch in map(chr, range(0x4E00, 0x4E00 + 800)) if ch not in used)[:500]


def replicate(path: Path, copies: int) -> None:
    """Append `copies` copies of the base cases (and their applicants), copy k a k weeks earlier."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")  # building only; the measured store is a normal file
    a_max = con.execute("SELECT max(id) FROM applicant").fetchone()[0]
    base_cases = con.execute("SELECT count(*) FROM case_record").fetchone()[0]
    shifted = "strftime('%Y-%m-%d %H:%M:%S.000000', {c}, '-{d} days')"
    pool = _name_pool()
    renamed = (f"CASE WHEN kind = 'person' THEN substr(name, 1, length(name) - 1) || "
               f"substr(:pool, ((id * 31 + {{k}} * 7) % {len(pool)}) + 1, 1) ELSE name || '（' || {{k}} || '）' END")
    for k in range(1, copies):
        d = 7 * k
        con.execute(
            f"INSERT INTO applicant (id, {APPLICANT_COLS}) SELECT id + {k * a_max}, kind, {renamed.format(k=k)}, "
            "id_type, id_number, "
            f"id_key || '#{k}', phone, phone_key || '#{k}', address, photo_wlt, gender, birth_date, legal_rep_name, "
            f"legal_rep_id_number, {shifted.format(c='created_at', d=d)}, {shifted.format(c='updated_at', d=d)} "
            f"FROM applicant WHERE id <= {a_max}", {"pool": pool})
        con.execute(
            f"INSERT INTO case_record ({CASE_COLS}) SELECT printf('%08x', {k}) || substr(id, 9), "
            f"CASE WHEN case_no IS NULL THEN NULL ELSE substr(case_no, 1, 9) || printf('%03d', {k}) || substr(case_no, 13) END, "
            f"item_id, applicant_id + {k * a_max}, agent_id + {k * a_max}, window_id, clerk_id, state, case_type, "
            f"query_password, ticket_no, {shifted.format(c='received_at', d=d)}, {shifted.format(c='accepted_at', d=d)}, "
            f"{shifted.format(c='decided_at', d=d)}, clock_start, promised_date, legal_due_date, outcome_reason, training, "
            f"{shifted.format(c='created_at', d=d)}, {shifted.format(c='updated_at', d=d)}, "
            f"{shifted.format(c='last_activity_at', d=d)} FROM case_record LIMIT {base_cases}")
    con.commit()
    con.close()


def pick_queries(store) -> dict:
    """Search values taken from the base cases (they exist at every size)."""
    with store.read() as s:
        latest = s.execute(select(Case.case_no, Case.window_id, Case.created_at).where(Case.case_no.is_not(None))
                           .order_by(Case.created_at.desc()).limit(1)).one()
        person = s.scalars(select(Applicant).where(Applicant.kind == "person", Applicant.phone.is_not(None))
                           .order_by(Applicant.id).limit(1)).one()
        org = s.scalars(select(Applicant).where(Applicant.kind == "organisation").order_by(Applicant.id).limit(1)).one()
        two = s.scalars(select(Applicant.name).where(text("length(name) = 2 AND kind = 'person'"))
                        .order_by(Applicant.id).limit(1)).one()
        three = s.scalars(select(Applicant.name).where(text("length(name) = 3 AND kind = 'person'"))
                          .order_by(Applicant.id).limit(1)).one()
        surname = s.scalar(text("SELECT substr(name, 1, 1) AS f FROM applicant WHERE kind = 'person' "
                                "GROUP BY f ORDER BY count(*) DESC LIMIT 1"))
        rare = s.scalar(text("SELECT name FROM applicant WHERE name IN ('李䶮', '王𠀀') LIMIT 1")) or "李䶮"
        # An item word whose cases already fill a page (200) at the smallest size.
        words = sorted({n[i:i + 2] for n in s.scalars(select(ServiceItem.name)) for i in range(len(n) - 1)})
        item = next(w for w in words if len(search_cases(s, w)) == 200)
    return {
        "case_no_exact": latest.case_no,
        "case_no_prefix": latest.case_no[:15],  # hall code + day
        "id_number": person.id_number,
        "phone": person.phone,
        "uscc": org.id_number,
        "name_2_chars_exact": two,
        "name_3_chars_exact": three,
        "name_surname_prefix": surname,
        "name_inside_2_chars": three[1:],
        "name_rare_char": rare,
        "item_name": item,
        "_today": (latest.window_id, latest.created_at.astimezone().date()),
    }


def timed(fn, runs: int) -> dict:
    """Wall-clock p50/p95 and the p50 of this process's CPU time (the machine is shared: CPU
    time is what other processes disturb least)."""
    for _ in range(3):
        fn()
    xs, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        n = fn()
        xs.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    xs.sort()
    return {"p50_ms": round(statistics.median(xs), 3), "p95_ms": round(xs[int(0.95 * (len(xs) - 1))], 3),
            "cpu_p50_ms": round(statistics.median(cpu), 3), "rows": n}


def legacy_name_search(s, q: str) -> int:
    """The search before revision 0004 (contains over every case), for the baseline."""
    conds = [Case.case_no.startswith(q, autoescape=True), Applicant.name.contains(q, autoescape=True),
             ServiceItem.name.contains(q, autoescape=True)]
    return len(_rows(s, _base().where(or_(*conds)).order_by(Case.created_at.desc()).limit(200)))


def measure(path: Path, queries: dict, runs: int) -> dict:
    store = db.Store(path, path.parent / "backups")
    out: dict = {}
    try:
        with store.read() as s:
            out["cases"] = s.scalar(text("SELECT count(*) FROM case_record"))
        for kind, q in queries.items():
            if kind.startswith("_"):
                continue

            def run(q=q):
                with store.read() as s:
                    return len(search_cases(s, q))
            out[kind] = timed(run, runs)
        window, day = queries["_today"]

        def today():
            with store.read() as s:
                return len(today_cases(s, window, today=day))
        out["today_list"] = timed(today, runs)

        def legacy():
            with store.read() as s:
                return legacy_name_search(s, queries["name_2_chars_exact"])
        out["legacy_name_scan"] = timed(legacy, max(5, runs // 3))
    finally:
        store.close()
    return out


def migration_time(path: Path) -> dict:
    from alembic import command

    engine = db.make_engine(path)
    try:
        command.downgrade(db.alembic_config(engine), "0003")
    finally:
        engine.dispose()
    times = []
    for _ in range(2):
        copy = path.with_name("migrate-me.sqlite3")
        shutil.copy(path, copy)
        engine = db.make_engine(copy)
        try:
            t0 = time.perf_counter()
            command.upgrade(db.alembic_config(engine), "head")
            times.append(time.perf_counter() - t0)
        finally:
            engine.dispose()
            copy.unlink()
    return {"runs_s": [round(t, 2) for t in times], "median_s": round(statistics.median(times), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,20000,100000")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--keep", default=None, help="build in this directory and keep it")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="hall-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    import logging

    logging.disable(logging.INFO)
    t0 = time.perf_counter()
    base = build_base(work / "base")
    built = {"base_generate_s": round(time.perf_counter() - t0, 1)}
    store = db.Store(base, base.parent / "backups")
    queries = pick_queries(store)
    store.close()
    results = {}
    largest = None
    for n in sizes:
        d = work / f"n{n}"
        d.mkdir(exist_ok=True)
        path = d / "hallclient.sqlite3"
        shutil.copy(base, path)
        replicate(path, max(1, n // BASE_CASES))
        results[str(n)] = measure(path, queries, a.runs)
        largest = path
    report = {"date": date.today().isoformat(), "runs": a.runs, "build": built,
              "queries": {k: v for k, v in queries.items() if not k.startswith("_")}, "sizes": results}
    small, big = results[str(sizes[0])], results[str(sizes[-1])]
    report["ratio_largest_to_smallest_p50"] = {
        k: round(big[k]["p50_ms"] / small[k]["p50_ms"], 2) for k in big if isinstance(big[k], dict)}
    report["ratio_largest_to_smallest_cpu_p50"] = {
        k: round(big[k]["cpu_p50_ms"] / max(small[k]["cpu_p50_ms"], 1e-3), 2) for k in big if isinstance(big[k], dict)}
    report["migration_0003_to_0004_at_" + str(sizes[-1])] = migration_time(largest)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
