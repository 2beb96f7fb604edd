"""`hallclient fees register-stock`: a supervisor gives a clerk a paper receipt range."""

from __future__ import annotations

import json


def test_register_stock_by_supervisor_only(cli, ctx, data_dir):
    ctx.close()  # the command opens the data directory itself
    r = cli("fees", "register-stock", "--clerk", "clerk", "--code", "44010226", "--first", "1", "--last", "500",
            "--by", "supervisor", data_dir=data_dir, input="super123\n")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"stock_id": 1, "code": "44010226", "first": "00000001", "last": "00000500", "remaining": 500}
    r = cli("fees", "register-stock", "--clerk", "clerk", "--code", "44010226", "--first", "501", "--last", "600",
            "--by", "clerk", data_dir=data_dir, input="clerk123\n")
    assert r.returncode != 0 and "无权" in r.stderr and "Traceback" not in r.stderr
