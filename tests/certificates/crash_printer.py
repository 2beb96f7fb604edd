"""Child process of the stock crash test: prints (and sometimes spoils) certificates in a loop
until killed with SIGKILL; prints each serial after its transaction committed."""

import sys

sys.path[:0] = [sys.argv[2], sys.argv[2] + "/tests/certificates"]

from cert_helpers import actor, decided_case, without_demo_stock  # noqa: E402
from hallclient.certificates.stock import print_certificate, register_range, spoil  # noqa: E402
from hallclient.context import open_context  # noqa: E402

with open_context(sys.argv[1], seed=True) as ctx:
    with ctx.store.session() as s:
        without_demo_stock(s)
        register_range(s, actor(s, "supervisor"), "business_licence_copy", 1, 500, prefix="YZ")
        _cid, cert = decided_case(s, "SCJG-001")
    n = 0
    while True:
        with ctx.store.session() as s:
            clerk = actor(s, "clerk")
            t = print_certificate(s, clerk, cert, printer="crash")
            spoil(s, clerk, t.sheet_id, "测试作废")  # so the next print is a first print again
        print(t.serial, flush=True)
        n += 1
