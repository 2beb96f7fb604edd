"""The server's admin commands as an operator runs them: the database URL from a file or the
environment (never the command line), devices listed and revoked, a password from stdin."""

from __future__ import annotations

import json
import uuid

import requests

from sync.server.store import ServerDB


def test_admin_commands_with_the_url_from_a_file_or_the_environment(tmp_path, cli, sqlite_server, monkeypatch):
    url_file = tmp_path / "db-url"
    url_file.write_text(sqlite_server.db.url + "\n", "utf-8")
    r = cli("server", "admin", "--db-file", str(url_file), "register-device", "--name", "3号窗口", "--hall", "440300002",
            data_dir=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    dev = json.loads(r.stdout)
    monkeypatch.setenv("HALLCLIENT_SERVER_DB", sqlite_server.db.url)  # run_cli passes the environment on
    r = cli("server", "admin", "list-devices", "--hall", "440300002", data_dir=tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert [d["device_id"] for d in json.loads(r.stdout)] == [dev["device_id"]]
    hello = lambda: requests.post(sqlite_server.url + "/v1/hello", headers={"Authorization": f"Bearer {dev['token']}"}, timeout=10)  # noqa: E731
    assert hello().status_code == 200
    r = cli("server", "admin", "revoke-device", dev["device_id"], data_dir=tmp_path / "d")
    assert r.returncode == 0 and json.loads(r.stdout)["revoked"] is True
    assert hello().status_code == 401  # at once: the next request
    r = cli("server", "admin", "revoke-device", "no-such-device", data_dir=tmp_path / "d")
    assert r.returncode != 0 and "list-devices" in r.stderr and "Traceback" not in r.stderr
    # A password from stdin: not in the process list, not in the shell history.
    r = cli("server", "admin", "add-user", "lisi", "--name", "李四", "--password", "-", data_dir=tmp_path / "d",
            input="s3cret-pw\n")
    assert r.returncode == 0, r.stderr
    from hallclient.accounts import verify_password
    from sqlalchemy import select

    from sync.server.models import StreamRow

    db = ServerDB(sqlite_server.db.url)
    try:
        with db.session() as s:
            data = s.scalars(select(StreamRow.data).where(StreamRow.stream == "users", StreamRow.key == "lisi")).one()
        assert verify_password(data["password_hash"], "s3cret-pw")
    finally:
        db.close()


def test_decide_by_number_and_hall_from_the_command_line(tmp_path, cli, sqlite_server, monkeypatch):
    from sync.server.admin import register_device

    case_a, case_b = str(uuid.uuid4()), str(uuid.uuid4())
    for hall, case_id in (("440300001", case_a), ("440300002", case_b)):
        token = register_device(sqlite_server.db, "窗口", hall)["token"]
        item = {"uuid": str(uuid.uuid4()), "kind": "case.event",
                "payload": {"case_id": case_id, "case_no": "DUP-7", "type": "accepted", "state": "accepted", "at": "2026-03-02T09:00:00+08:00"}}
        r = requests.post(sqlite_server.url + "/v1/push", json={"items": [item]}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.json()["results"][0]["status"] == "accepted"
    monkeypatch.setenv("HALLCLIENT_SERVER_DB", sqlite_server.db.url)  # run_cli passes the environment on
    r = cli("server", "admin", "decide", "DUP-7", "--approve", data_dir=tmp_path)
    assert r.returncode != 0 and case_a in r.stderr and case_b in r.stderr
    r = cli("server", "admin", "decide", "DUP-7", "--hall", "440300002", "--deny", "--reason", "材料不全", data_dir=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["case_id"] == case_b
    r = cli("server", "admin", "decide", case_a, "--approve", data_dir=tmp_path)  # by id
    assert r.returncode == 0 and json.loads(r.stdout)["state"] == "approved"


def test_a_password_on_the_command_line_is_warned_about(tmp_path, cli):
    r = cli("server", "admin", "--db", "postgresql://u:topsecret@127.0.0.1:1/x", "stats", data_dir=tmp_path, timeout=60)
    assert "--db-file" in r.stderr and "ps" in r.stderr
    assert "topsecret" not in r.stderr and "Traceback" not in r.stderr
