"""Child process of the crash test: accepts cases in a loop until killed with SIGKILL.

Prints each case number after its transaction committed, so the parent knows which numbers
must survive the kill."""

import sys
from datetime import date

sys.path[:0] = [sys.argv[2], sys.argv[3]]  # project root, tests/intake

from hallclient.context import open_context  # noqa: E402
from intake_helpers import at, new_case, receive_all  # noqa: E402
from hallclient.intake import accept  # noqa: E402

with open_context(sys.argv[1], seed=True) as ctx:
    print("ready", flush=True)
    n = 0
    while True:
        with ctx.store.session() as s:
            cid, d = new_case(s, "SCJG-003", window="03" if n % 2 else "05", when=at(2026, 9, 30))
            receive_all(s, cid, date(2026, 9, 30))
            no = accept(s, cid, d, now=at(2026, 9, 30)).case_no
        print(no, flush=True)
        n += 1
