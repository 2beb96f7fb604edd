"""The commands, end to end in subprocesses: server, admin, register, sync, status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import requests

from hallclient.catalogue import demo_catalogue


def _json(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_server_admin_and_client_commands(tmp_path, cli):
    srv_dir, client = tmp_path / "srv", tmp_path / "client"
    db = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen(
        [sys.executable, "-m", "hallclient", "--data-dir", str(srv_dir), "server", "--db", db, "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        listening = json.loads(proc.stdout.readline())
        url = listening["listening"]
        assert listening["queue"] == url + "/queue"
        deadline = time.monotonic() + 20
        while True:
            try:
                assert requests.get(url + "/v1/health", timeout=2).json()["status"] == "ok"
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        # the same process serves the hall queue under /queue
        from sync.hallqueue.client import QueueClient
        from sync.hallqueue.tokens import TokenStore

        tokens = TokenStore.open(f"sqlite:///{tmp_path / 'hall-queue.sqlite3'}")  # the hall queue wants a kiosk's token
        kiosk = tokens.issue("kiosk")["token"]
        tokens.close()
        assert QueueClient(listening["queue"], token=kiosk).issue("A")["ticket"]["no"] == "A001"
        assert (tmp_path / "hall-queue.sqlite3").exists()
        dev = _json(cli("server", "admin", "--db", db, "register-device", "--name", "3号窗口", data_dir=srv_dir))
        cat = tmp_path / "cat.json"
        cat.write_text(json.dumps(demo_catalogue(), ensure_ascii=False), "utf-8")
        assert _json(cli("server", "admin", "--db", db, "load-catalogue", str(cat), data_dir=srv_dir))["items"] > 10
        bad = tmp_path / "bad.json"
        bad.write_text('{"items": [{"code": "X"}]}', "utf-8")
        r = cli("server", "admin", "--db", db, "load-catalogue", str(bad), data_dir=srv_dir)
        assert r.returncode == 3 and "目录文件无效" in r.stderr

        r = cli("sync", data_dir=client)
        assert r.returncode == 3 and "尚未配置中心服务器" in r.stderr
        r = cli("sync", "register", "--server", url, "--token", dev["token"], data_dir=client)
        assert r.returncode == 2 and "不能写在命令行上" in r.stderr  # a secret never on the command line
        r = cli("sync", "register", "--server", url, "--token", "-", input="wrong\n", data_dir=client)
        assert r.returncode == 3 and "注册失败" in r.stderr
        reg = _json(cli("sync", "register", "--server", url, input=dev["token"] + "\n", data_dir=client))
        assert reg["device_id"] == dev["device_id"]

        from hallclient.context import open_context
        from sync.drill import queue_cases

        with open_context(client, seed=True) as ctx:
            numbers = queue_cases(ctx.store, 5)
        # the 5 cases and the audit record of the registration (a device token change)
        assert _json(cli("sync", "status", data_dir=client))["pending"] == 6
        out = _json(cli("sync", data_dir=client))
        assert (out["pushed"], out["pending"], out["rejected"]) == (6, 0, 0) and out["pulled"] > 0
        from hallclient.caselog import enqueue

        with open_context(client, seed=True) as ctx, ctx.store.session() as s:
            enqueue(s, "case.event", {"type": "accepted", "state": "accepted", "at": "2026-01-05T09:00:00+08:00"})  # no case_id
        out = _json(cli("sync", data_dir=client))
        assert (out["rejected"], out["rejected_now"]) == (1, 1)
        out = _json(cli("sync", data_dir=client))  # `rejected` means parked now, as in `sync status`
        assert (out["rejected"], out["rejected_now"]) == (1, 0)
        assert _json(cli("sync", "status", data_dir=client))["rejected"] == 1
        decided = _json(cli("server", "admin", "--db", db, "decide", numbers[0], "--approve", data_dir=srv_dir))
        assert decided["state"] == "approved"
        r = cli("server", "admin", "--db", db, "decide", "NO-SUCH", "--deny", data_dir=srv_dir)
        assert r.returncode == 3 and "没有办件" in r.stderr
        assert _json(cli("sync", data_dir=client))["pulled"] >= 1
        stats = _json(cli("server", "admin", "--db", db, "stats", data_dir=srv_dir))
        assert (stats["devices"], stats["cases"], stats["events"], stats["decided"]) == (1, 5, 5, 1)
        status = _json(cli("sync", "status", data_dir=client))
        assert status["pending"] == 0 and status["registered"] and status["clock_offset_ms"] is not None
    finally:
        proc.terminate()
        proc.wait(10)
