"""Personal data at rest: SM4-GCM in the store's personal columns, keyed lookups, migration."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from hallclient import personal
from hallclient.context import open_context
from hallclient.intake import ApplicantInput, accept, find_applicants, save_applicant, start_case
from hallclient.intake.queries import search_cases
from hallclient.keystore import KeyUnavailable
from hallclient.models import Applicant, CaseEvent, OutboxEntry
from hallclient.syncstate import MirrorRow, SyncState

import sys
sys.path.insert(0, str(Path(__file__).parents[1] / "intake"))
from intake_helpers import at, desk_for, item_id, make_id, receive_all  # noqa: E402

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store_v0001.sqlite3"
PEOPLE = [
    ("张䶮", make_id("44030519900101123"), "13812345678", "广东省深圳市福田区福华三路88号时代财富大厦12楼"),
    ("欧阳娜娜", make_id("11010519491231002"), "13987654321", "北京市朝阳区建国路93号万达广场8号楼"),
    ("李𠀀", make_id("32010219850615421"), "15011112222", "江苏省南京市鼓楼区中山北路200号"),
]
PHOTO = b"WLTPHOTO-" + bytes(range(256)) * 4


def _variants(s: str) -> list[bytes]:
    return [s.encode("utf-8"), s.encode("utf-16-le"), s.encode("utf-16-be")]


def _leaks(files: list[Path], secrets_: list[str], blobs: list[bytes] = ()) -> list[str]:
    found = []
    for f in files:
        if not f.exists():
            continue
        data = f.read_bytes()
        for s in secrets_:
            if any(v in data for v in _variants(s)):
                found.append(f"{f.name}: {s}")
        for b in blobs:
            if b in data:
                found.append(f"{f.name}: photo")
    return found


def test_a_scripted_day_leaves_no_personal_data_in_the_file_or_logs(ctx, data_dir):
    day = date(2026, 12, 3)
    with ctx.store.session() as s:
        desk = desk_for(s)
        for name, idn, phone, addr in PEOPLE:
            a = save_applicant(s, ApplicantInput("person", name, idn, phone=phone, address=addr, photo_wlt=PHOTO))
            cid = start_case(s, desk, item_id(s, "SCJG-003"), a, now=at(2026, 12, 3))
            receive_all(s, cid, day)
            accept(s, cid, desk, now=at(2026, 12, 3))
            logging.getLogger("hallclient.test").info("accepted %s for %s, phone %s", cid, idn, phone)
        s.add(MirrorRow(stream="cases_today", key="k1", seq=1, data={"id_number": PEOPLE[0][1], "phone": PEOPLE[0][2]}))
        s.add(SyncState(id=1, token="tok-SECRET-DEVICE-TOKEN-0123456789"))
    secrets_ = [p[1] for p in PEOPLE] + [p[2] for p in PEOPLE] + [p[3] for p in PEOPLE] + ["tok-SECRET-DEVICE-TOKEN-0123456789"]
    secrets_ += [p[1][:17] for p in PEOPLE]  # a number with its check char cut off is still a leak
    files = [data_dir / "hallclient.sqlite3", data_dir / "hallclient.sqlite3-wal", *sorted((data_dir / "logs").glob("*"))]
    assert (data_dir / "hallclient.sqlite3-wal").exists()
    assert _leaks(files, secrets_, [PHOTO[:64]]) == []
    # ... while everything works through the store
    with ctx.store.session() as s:
        for name, idn, phone, addr in PEOPLE:
            hits = find_applicants(s, idn.lower())
            assert [h.name for h in hits] == [name] and hits[0].phone == phone and hits[0].address == addr
            assert [r.applicant_name for r in search_cases(s, idn)] == [name]
        assert s.scalars(select(Applicant)).first().photo_wlt == PHOTO
        ev = s.scalars(select(CaseEvent).where(CaseEvent.type == "accepted")).first()
        assert ev.payload["applicant"]["id_number"] == PEOPLE[0][1]
        assert s.scalars(select(OutboxEntry).where(OutboxEntry.uuid == ev.uuid)).one().payload["payload"]["applicant"]["phone"] == PEOPLE[0][2]
        assert s.get(SyncState, 1).token == "tok-SECRET-DEVICE-TOKEN-0123456789"
    ctx.store.close()
    backup = ctx.data_dir.backups / "copy.sqlite3"
    from hallclient.db import backup_database

    backup = backup_database(data_dir / "hallclient.sqlite3", ctx.data_dir.backups)
    assert _leaks([data_dir / "hallclient.sqlite3", backup], secrets_, [PHOTO[:64]]) == []


def test_ciphertext_is_sm4_gcm_and_authenticated(ctx, data_dir):
    idn = PEOPLE[0][1]
    with ctx.store.session() as s:
        save_applicant(s, ApplicantInput("person", "张䶮", idn))
    con = sqlite3.connect(data_dir / "hallclient.sqlite3")
    raw, key = con.execute("SELECT id_number, id_key FROM applicant").fetchone()
    con.close()
    assert raw.startswith("sm4:") and key.startswith("h1:") and idn not in key
    k = ctx.store.keys.data
    assert personal.decrypt_text(k, raw) == idn
    assert personal.encrypt_text(k, idn) != personal.encrypt_text(k, idn)  # fresh nonce each time
    tampered = raw[:-6] + ("A" if raw[-6] != "A" else "B") + raw[-5:]
    with pytest.raises(Exception):
        personal.decrypt_text(k, tampered)


def test_the_key_lives_outside_the_file_and_a_lost_key_is_said(data_dir):
    open_context(data_dir, seed=True).close()
    assert (data_dir / "hallclient.key").exists() and (data_dir / "hallclient.key").stat().st_mode & 0o077 == 0
    shutil.move(data_dir / "hallclient.key", data_dir.parent / "elsewhere.key")
    with pytest.raises(KeyUnavailable, match="密钥"):
        open_context(data_dir)


def test_an_old_store_is_migrated_in_place_and_found_by_id(data_dir, cli):
    shutil.copy(FIXTURE, data_dir / "hallclient.sqlite3")
    idn = "11010519491231002X"
    with open_context(data_dir, seed=False) as ctx:
        # the copy every migration takes, encrypted once the migration to encryption succeeded
        assert list((data_dir / "backups").glob("*.sqlite3")) == []
        (backup,) = (data_dir / "backups").glob("*.sqlite3.sm4")
        with ctx.store.session() as s:
            assert [h.name for h in find_applicants(s, idn.lower())] == ["李䶮𠀀"]
            assert s.scalars(select(CaseEvent)).one().payload == {}
            assert s.scalars(select(OutboxEntry)).one().payload == {}
    assert _leaks([data_dir / "hallclient.sqlite3", backup], [idn]) == []
    restored = data_dir.parent / "restored.sqlite3"
    r = cli("backup-decrypt", str(backup), str(restored), data_dir=data_dir)
    assert r.returncode == 0, r.stderr
    old = sqlite3.connect(restored)
    assert old.execute("SELECT id_number FROM applicant").fetchone()[0] == idn  # a restore gets it all back
    assert old.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    old.close()
    con = sqlite3.connect(data_dir / "hallclient.sqlite3")
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")} >= {
        "case_event_no_update", "case_event_no_delete", "audit_record_no_update", "audit_record_no_delete"}
    con.close()


def test_masks():
    assert personal.mask_id("11010519491231002X") == "110105********002X"
    assert personal.mask_phone("138 1234 5678") == "138****5678"
    assert personal.mask_name("张三") == "张*" and personal.mask_name("欧阳娜娜") == "欧阳**"
    assert personal.mask_address("广东省深圳市福田区福华三路88号") == "广东省深圳市****"


def test_a_backup_restored_on_a_replacement_pc_needs_the_exported_key(ctx, cli, tmp_path):
    with ctx.store.session() as s:
        save_applicant(s, ApplicantInput("person", "张䶮", PEOPLE[0][1]))
    copy = tmp_path / "copy.sqlite3"
    assert cli("backup", "--out", str(copy), data_dir=ctx.data_dir.root).returncode == 0
    assert _leaks([copy], [PEOPLE[0][1]]) == []
    new_pc = tmp_path / "new-pc"
    assert cli("restore", str(copy), data_dir=new_pc).returncode == 0
    r = cli("audit", "verify", data_dir=new_pc)
    assert r.returncode == 3 and "密钥" in r.stderr  # said clearly, nothing made up
    key = cli("key", "export", data_dir=ctx.data_dir.root).stdout
    new_pc2 = tmp_path / "new-pc2"
    assert cli("key", "import", input=key, data_dir=new_pc2).returncode == 0
    assert cli("key", "import", input=key, data_dir=new_pc2).returncode == 2  # never over a key
    assert cli("restore", str(copy), data_dir=new_pc2).returncode == 0
    with open_context(new_pc2) as c2, c2.store.session() as s:
        assert [h.name for h in find_applicants(s, PEOPLE[0][1])] == ["张䶮"]
    with ctx.store.session() as s:  # the backup and the key export are audited exports
        from hallclient import audit

        assert [r.detail for r in reversed(audit.recent(s)) if r.action == "export"] == [
            '{"bytes":%d,"what":"backup"}' % copy.stat().st_size, '{"what":"store key"}']


def test_autosaved_drafts_are_encrypted_with_the_store_key(ctx, data_dir):
    from hallclient.drafts import DraftStore

    drafts = DraftStore(data_dir)
    drafts.save("intake", 1, {"id_number": PEOPLE[1][1], "phone": PEOPLE[1][2], "address": PEOPLE[1][3]})
    assert _leaks(sorted((data_dir / "drafts").glob("*")), [PEOPLE[1][1], PEOPLE[1][2], PEOPLE[1][3]]) == []
    assert drafts.load("intake", 1)["id_number"] == PEOPLE[1][1]
