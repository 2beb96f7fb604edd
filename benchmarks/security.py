"""Security benchmarks; prints JSON.

    python benchmarks/security.py [--cases 3000] [--runs 7]

- case_list: the case list of N cases (the query of 办件查询 with each row's applicant and
  masked ID number) from a store whose personal columns are SM4-GCM encrypted, against the
  same store with those columns in the clear (the baseline: same file, same rows, values read
  through the same column types, which pass plain values through undecrypted). Target: the
  encrypted list within 1.5x of the plain one.
- login: signing in (Argon2id check + audit record + commit), as the login dialog's writer
  job does it. Target <= 0.5 s.
Medians of several alternating runs; the machine is shared, so read the ratio, not only the
absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HALLCLIENT_NO_KEYRING", "1")  # a throw-away store: keep its key out of the OS key store

from hallclient import personal, signin  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from hallclient.intake.queries import _base, _rows  # noqa: E402
from hallclient.intake.training import generate  # noqa: E402
from hallclient.accounts import verify_password  # noqa: E402
from hallclient.models import Case, User  # noqa: E402
from sqlalchemy import select  # noqa: E402


def _decrypt_in_place(db: Path, key: bytes) -> int:
    """The baseline store: every encrypted applicant column written back in the clear."""
    con = sqlite3.connect(db)
    n = 0
    cols = ("id_number", "phone", "address", "legal_rep_id_number")
    for row in con.execute(f"SELECT id, {', '.join(cols)} FROM applicant").fetchall():
        vals = [personal.decrypt_text(key, v) if isinstance(v, str) and personal.is_encrypted(v) else v for v in row[1:]]
        con.execute(f"UPDATE applicant SET {', '.join(c + '=?' for c in cols)} WHERE id=?", (*vals, row[0]))
        n += 1
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return n


def _list(store, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one opening of the list."""
    t, c = time.perf_counter(), time.process_time()
    with store.session() as s:
        rows = _rows(s, _base().order_by(Case.updated_at.desc(), Case.created_at.desc()).limit(n))
    dt, dc = time.perf_counter() - t, time.process_time() - c
    assert len(rows) == n and all("*" in r.applicant_id_masked for r in rows[:50])
    return dt, dc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hall-sec-bench-"))
    try:
        enc_dir, plain_dir = tmp / "encrypted", tmp / "plain"
        with open_context(enc_dir, seed=True) as ctx:
            t = time.perf_counter()
            generate(ctx.store.session, args.cases)
            gen_s = time.perf_counter() - t
            key = ctx.store.keys.data
        shutil.copytree(enc_dir, plain_dir, ignore=shutil.ignore_patterns("hallclient.lock", "logs", "backups"))
        _decrypt_in_place(plain_dir / "hallclient.sqlite3", key)
        with open_context(enc_dir) as enc, open_context(plain_dir, exclusive=False) as plain:
            for st in (enc.store, plain.store):
                _list(st, args.cases)  # warm: imports, statement cache, page cache
            enc_t, plain_t = [], []
            for _ in range(args.runs):
                enc_t.append(_list(enc.store, args.cases))
                plain_t.append(_list(plain.store, args.cases))
            login_t, argon_t = [], []
            with enc.store.session() as s:
                pw_hash = s.scalars(select(User.password_hash).where(User.username == "clerk")).one()
            for _ in range(args.runs):
                t = time.perf_counter()
                with enc.store.session() as s:
                    signin.sign_in(s, "clerk", "clerk123", window_code="01")
                login_t.append(time.perf_counter() - t)
                t = time.perf_counter()
                verify_password(pw_hash, "clerk123")  # the baseline: the Argon2id check alone
                argon_t.append(time.perf_counter() - t)
        e, p = statistics.median(x[0] for x in enc_t), statistics.median(x[0] for x in plain_t)
        ec, pc = statistics.median(x[1] for x in enc_t), statistics.median(x[1] for x in plain_t)
        print(json.dumps({
            "cases": args.cases, "runs": args.runs, "generate_s": round(gen_s, 1),
            "case_list_encrypted_ms": round(e * 1000, 1), "case_list_plain_ms": round(p * 1000, 1),
            "case_list_ratio": round(e / p, 2), "case_list_ratio_target": 1.5,
            # CPU time of this process: what the decryption costs, less disturbed by other
            # processes on a shared machine than the wall clock
            "case_list_encrypted_cpu_ms": round(ec * 1000, 1), "case_list_plain_cpu_ms": round(pc * 1000, 1),
            "case_list_cpu_ratio": round(ec / pc, 2),
            "case_list_encrypted_all_ms": [round(x[0] * 1000, 1) for x in enc_t],
            "case_list_plain_all_ms": [round(x[0] * 1000, 1) for x in plain_t],
            "login_ms": round(statistics.median(login_t) * 1000, 1), "login_max_ms": round(max(login_t) * 1000, 1),
            "login_target_ms": 500, "argon2_verify_alone_ms": round(statistics.median(argon_t) * 1000, 1),
        }, ensure_ascii=False))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
