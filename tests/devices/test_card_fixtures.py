"""Parse offsets checked against hand-built bytes (tests/devices/fixtures/*.hex, written by
make_card_hex.py from DOMAIN.md's offsets, independently of devices/idcard.py's encoder).
The 30 10 reply also goes over a real pty, answered byte for byte from the fixture."""

from __future__ import annotations

import os
import threading
import tty
from datetime import date
from pathlib import Path

from devices import idcard, sam
from devices.reader import SamReader, parse_read_reply
from devices.transport import open_transport

FIX = Path(__file__).resolve().parent / "fixtures"


def load(name: str) -> bytes:
    return bytes.fromhex((FIX / name).read_text(encoding="ascii"))


def test_gat_permit_fixture():
    d = idcard.parse_text_block(load("text_gat_permit.hex"))
    assert (d.card_type, d.name, d.gender, d.nation, d.nation_code) == ("gat_permit", "陈嘉欣", "女", "", "")
    assert d.birth_date == date(1992, 7, 8) and d.address == "广东省深圳市南山区粤海街道科技园路1号"
    assert (d.id_number, d.authority) == ("810000199207080020", "深圳市公安局")
    assert (d.valid_from, d.valid_to) == (date(2019, 1, 15), date(2024, 1, 15))
    assert (d.pass_number, d.issue_count) == ("H60123456", "01")


def test_old_foreign_card_fixture():
    d = idcard.parse_text_block(load("text_foreign_old.hex"))
    assert (d.card_type, d.name, d.name_en) == ("foreign_old", "史密斯", "SMITH JOHN WILLIAM")
    assert (d.gender, d.id_number, d.nationality) == ("男", "USA110070101001", "USA")
    assert d.birth_date == date(1970, 1, 1) and (d.valid_from, d.valid_to) == (date(2015, 3, 1), date(2025, 3, 1))
    assert d.authority == "公安部"  # the card holds the code 1500


def test_2023_foreign_card_fixture():
    d = idcard.parse_text_block(load("text_foreign_2023.hex"))
    assert (d.card_type, d.name, d.gender, d.issue_count) == ("foreign_2023", "玛丽亚", "女", "00")
    assert d.name_en == "GARCIA LOPEZ MARIA DEL CARMEN ISABELLA ROSA"  # 35 characters + the rest at 220
    assert (d.id_number, d.nationality, d.birth_date) == ("932724198503150025", "ESP", date(1985, 3, 15))
    assert (d.valid_from, d.valid_to) == (date(2023, 6, 1), date(2033, 6, 1))
    assert d.authority == idcard.AUTHORITY_2023


def test_encoder_reproduces_the_fixtures():
    # The simulator's encoder must write what the hand-built bytes say (round trip both ways).
    for name in ("text_gat_permit.hex", "text_foreign_old.hex", "text_foreign_2023.hex"):
        raw = load(name)
        assert idcard.encode_text_block(idcard.parse_text_block(raw)) == raw, name


PHOTO = bytes((i * 7 + 3) & 0xFF for i in range(1024))


def _check_resident(doc):
    assert (doc.card_type, doc.name, doc.gender, doc.nation, doc.nation_code) == ("resident", "王𠀀䶮", "女", "基诺", "56")
    assert doc.birth_date == date(1960, 11, 2) and doc.address == "云南省景洪市勐龙镇曼飞龙村"
    assert (doc.id_number, doc.authority) == ("53280119601102002X", "景洪市公安局")
    assert (doc.valid_from, doc.valid_to) == (date(2010, 1, 1), "长期")
    assert doc.photo_wlt == PHOTO


def test_30_10_reply_fixture_decodes_with_its_offsets():
    frame = load("reply_30_10_resident.hex")
    assert len(frame) == 2321 and frame[5:7] == b"\x09\x0A" and frame[9] == 0x90
    out = sam.FrameDecoder(min_len=4, reply_to=sam.READ_TEXT_PHOTO_FP).feed(frame)
    assert len(out) == 1 and isinstance(out[0], sam.Frame)
    _check_resident(parse_read_reply(out[0].data, fingerprint=True))


def test_30_10_reply_fixture_over_a_pty():
    frame = load("reply_30_10_resident.hex")
    replies = {sam.FIND_CARD: sam.reply(sam.SW_FIND_OK), sam.SELECT_CARD: sam.reply(sam.SW_SUCCESS),
               sam.READ_TEXT_PHOTO_FP: frame}
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def reader_side():
        dec = sam.FrameDecoder()
        while not stop.is_set():
            try:
                data = os.read(master, 64)
            except OSError:
                return
            for f in dec.feed(data):
                os.write(master, replies[f.cmd])

    threading.Thread(target=reader_side, daemon=True).start()
    t = open_transport(os.ttyname(slave), 115200)
    try:
        _check_resident(SamReader(t, reply_timeout=2.0, fingerprint=True).read_card())
    finally:
        stop.set()
        t.close()
        os.close(slave)
        os.close(master)
