"""SAM frame codec and text block parsing (pure functions; the pty tests are elsewhere)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from devices import idcard, sam
from devices.simulators.idreader import sample_cards


def test_find_card_command_bytes_match_the_spec():
    assert sam.command(sam.FIND_CARD) == bytes.fromhex("AAAAAA966900032001 22".replace(" ", ""))


def test_decoder_reassembles_a_frame_fed_one_byte_at_a_time():
    frame = sam.reply(0x90, bytes(range(200)))
    d = sam.FrameDecoder()
    got = []
    for b in frame:
        got += d.feed(bytes([b]))
    assert got == [sam.Frame(bytes([0, 0, 0x90]) + bytes(range(200)))]


def test_decoder_skips_garbage_and_a_split_preamble():
    frame = sam.reply(0x9F)
    d = sam.FrameDecoder()
    assert d.feed(b"\x00\x13\xAA\xAA" + frame[:3]) == []
    out = d.feed(frame[3:])
    assert len(out) == 1 and out[0].sw3 == 0x9F
    assert d.garbage == 4


def test_bad_checksum_is_reported_then_the_next_frame_decodes():
    bad = bytearray(sam.reply(0x90, b"abc"))
    bad[-1] ^= 1
    out = sam.FrameDecoder().feed(bytes(bad) + sam.reply(0x9F))
    assert isinstance(out[0], sam.FrameError) and out[0].kind == "checksum"
    assert isinstance(out[-1], sam.Frame) and out[-1].sw3 == 0x9F


def test_absurd_length_is_reported_and_resynced():
    bad = bytearray(sam.reply(0x90))
    bad[5:7] = b"\xFF\xFF"
    out = sam.FrameDecoder().feed(bytes(bad) + sam.reply(0x80))
    assert out[0] == sam.FrameError("length", "LEN=65535")
    assert out[-1].sw3 == 0x80


def test_status_messages_are_chinese_for_known_and_unknown_codes():
    assert "未找到身份证" in sam.status_message(0x80)
    assert "读卡失败" in sam.status_message(0x41)
    assert "未知状态 77" in sam.status_message(0x77)


def test_nation_table_has_56_nations_plus_97_and_98():
    assert len(idcard.NATIONS) == 58
    assert [f"{i:02d}" for i in range(1, 57)] == list(idcard.NATIONS)[:56]
    assert idcard.NATIONS["01"] == "汉" and idcard.NATIONS["98"] == "外国血统中国籍人士"


@pytest.mark.parametrize("name", ["resident", "resident_rare_name", "gat_permit", "foreign_old", "foreign_2023"])
def test_text_block_round_trips_for_every_card_type(name):
    card = sample_cards()[name]
    block = idcard.encode_text_block(card)
    assert len(block) == 256
    assert idcard.parse_text_block(block, card.photo_wlt) == card


def test_rare_character_name_is_a_surrogate_pair_in_the_block():
    card = sample_cards()["resident_rare_name"]
    block = idcard.encode_text_block(card)
    assert block[2:6] == "𠀀".encode("utf-16-le") == b"\x40\xd8\x00\xdc"
    doc = idcard.parse_text_block(block)
    assert doc.name == "王𠀀䶮" and doc.valid_to == "长期" and doc.nation == "基诺"


def test_layout_offsets_of_the_resident_card():
    card = sample_cards()["resident"]
    block = idcard.encode_text_block(card)
    assert block[30:32].decode("utf-16-le") == "1"
    assert block[36:52].decode("utf-16-le") == "19850312"
    assert block[122:158].decode("utf-16-le") == card.id_number
    assert block[248:250] == b"  "[:1] + b"\x00"  # a space: resident card


def test_permit_and_foreign_flags_and_fields():
    cards = sample_cards()
    j = idcard.parse_text_block(idcard.encode_text_block(cards["gat_permit"]))
    assert j.card_type == "gat_permit" and j.nation == "" and j.pass_number == "H60123456" and j.issue_count == "01"
    i = idcard.parse_text_block(idcard.encode_text_block(cards["foreign_old"]))
    assert (i.card_type, i.name_en, i.nationality, i.birth_date) == ("foreign_old", "SMITH, JOHN MICHAEL", "USA", date(1978, 8, 12))
    y = idcard.parse_text_block(idcard.encode_text_block(cards["foreign_2023"]))
    assert y.name_en == "GARCIA LOPEZ, MARIA DE LOS ANGELES CAROLINA"  # continued in the second field
    assert y.authority == idcard.AUTHORITY_2023 and y.nationality == "ESP"


def test_gender_codes():
    base = sample_cards()["resident"]
    for code, label in [("0", "未知"), ("1", "男"), ("2", "女"), ("9", "未说明")]:
        doc = idcard.parse_text_block(idcard.encode_text_block(replace(base, gender_code=code)))
        assert doc.gender == label


def test_unknown_flag_and_wrong_size_raise_a_clerk_message():
    block = bytearray(idcard.encode_text_block(sample_cards()["resident"]))
    block[248:250] = "Q".encode("utf-16-le")
    with pytest.raises(idcard.CardFormatError, match="无法识别的证件类型"):
        idcard.parse_text_block(bytes(block))
    with pytest.raises(idcard.CardFormatError, match="长度错误"):
        idcard.parse_text_block(b"\x20\x00" * 10)


def test_as_json_has_the_read_id_shape():
    d = sample_cards()["resident_rare_name"].as_json()
    assert set(d) == {"card_type", "name", "name_en", "gender", "gender_code", "nation", "nation_code", "birth_date",
                      "address", "id_number", "authority", "valid_from", "valid_to", "photo_wlt_base64", "extra"}
    assert set(d["extra"]) == {"nationality", "pass_number", "issue_count"}
    gat = sample_cards()["gat_permit"]
    assert gat.as_json()["extra"]["pass_number"] == gat.pass_number != ""
    assert idcard.document_from_json(gat.as_json()) == gat  # the sample card format is the output
    assert d["valid_to"] == "长期" and d["birth_date"] == "1960-11-02"
