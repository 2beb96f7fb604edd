"""Child process of the receipt crash test: charges cases and prints paper receipts in a loop
until killed with SIGKILL. Prints "taken N" once a number is committed, "printed N" once its
print is confirmed, so the parent knows what must survive."""

import sys

sys.path[:0] = [sys.argv[2], sys.argv[3]]  # project root, tests/fees

from fees_helpers import accepted_case, actor  # noqa: E402
from hallclient.context import open_context  # noqa: E402
from hallclient.fees import payments, stock  # noqa: E402

with open_context(sys.argv[1], seed=True) as ctx:
    print("ready", flush=True)
    while True:
        with ctx.store.session() as s:
            clerk = actor(s)
            cid, desk = accepted_case(s, "GAJ-002")
            pay = payments.pay_at_window(s, clerk, desk, cid, "cash", tendered_fen=1000).payment_id
        with ctx.store.session() as s:
            r = stock.take_receipt_number(s, actor(s), pay)
        print(f"taken {r.number}", flush=True)
        # ... the receipt goes to the printer here: a crash now leaves a taken, unprinted number
        with ctx.store.session() as s:
            stock.confirm_printed(s, actor(s), r.id)
        print(f"printed {r.number}", flush=True)
