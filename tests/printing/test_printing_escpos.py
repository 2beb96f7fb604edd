"""ESC/POS bytes: commands checked byte for byte, text decoded as GB18030, rare characters as
raster images, and the queue/test tickets."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import zxingcpp
from PIL import Image

from printing import ticket as ticket_mod  # not `from … import test_ticket_bytes`: pytest would collect it
from printing.escpos import EscPos, printable_as_text
from printing.escpos_reader import parse, preview, text_lines


def test_mode_commands_byte_exact():
    b = EscPos().init().chinese().align("center").size(2, 3).bold().reverse().feed(2).chinese(False).bytes()
    assert b == (
        b"\x1b\x40"  # ESC @
        b"\x1c\x26"  # FS &
        b"\x1b\x61\x01"  # ESC a 1
        b"\x1d\x21\x12"  # GS ! (w-1)<<4 | (h-1)
        b"\x1b\x45\x01"  # ESC E 1
        b"\x1d\x42\x01"  # GS B 1
        b"\x1b\x64\x02"  # ESC d 2
        b"\x1c\x2e"  # FS .
    )


def test_chinese_text_in_gb18030_and_yuan_sign():
    b = EscPos().line("收费 ￥12.50").line("¥3").bytes()
    assert b == "收费 ￥12.50\n".encode("gb18030") + "￥3\n".encode("gb18030")
    assert b.startswith(b"\xca\xd5\xb7\xd1 \xa3\xa4")  # 收费, space, ￥ = A3 A4
    assert b"\x81\x30\x84\x36" not in b  # the 4-byte code of U+00A5 never reaches the printer


def test_cut_code128_and_qr_byte_exact():
    b = EscPos().code128("A017-{X}", height=60, module=3, hri=2).cut(5).bytes()
    payload = b"{BA017-{{X}"
    assert b == (
        b"\x1d\x48\x02\x1d\x68\x3c\x1d\x77\x03"  # GS H 2, GS h 60, GS w 3
        + b"\x1d\x6b\x49" + bytes([len(payload)]) + payload  # GS k 73 n {B…
        + b"\n"
        + b"\x1d\x56\x42\x05"  # GS V 66 5
    )
    url = "https://zwfw.example.gov.cn/q?t=A017"
    q = EscPos().qr(url, module=5, ec="Q").bytes()
    n = len(url) + 3
    assert q == (
        b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00"  # model 2
        b"\x1d\x28\x6b\x03\x00\x31\x43\x05"  # module size 5
        b"\x1d\x28\x6b\x03\x00\x31\x45\x32"  # error correction Q
        + b"\x1d\x28\x6b" + bytes([n & 0xFF, n >> 8]) + b"\x31\x50\x30" + url.encode()  # store
        + b"\x1d\x28\x6b\x03\x00\x31\x51\x30"  # print
        + b"\n"
    )


def test_bad_barcode_data_is_refused():
    with pytest.raises(ValueError):
        EscPos().code128("李䶮")
    with pytest.raises(ValueError):
        EscPos().code128("")


def test_what_the_printer_font_covers():
    # GBK (every Chinese printer's ROM): common hanzi, full-width punctuation, ￥.
    for ch in "李张受理，。：￥①":
        assert printable_as_text(ch), ch
    # 䶮 has a 2-byte code only since GB18030-2005 (FE9F); GBK-era ROMs have no glyph there.
    assert "䶮".encode("gb18030") == b"\xfe\x9f"
    assert not printable_as_text("䶮")
    assert printable_as_text("䶮", "gb18030")
    # 𠀀 (Extension B) has only a 4-byte code: never printer text.
    assert len("𠀀".encode("gb18030")) == 4
    assert not printable_as_text("𠀀") and not printable_as_text("𠀀", "gb18030")
    assert not printable_as_text("\ue000") and not printable_as_text("\x07")


def test_rare_characters_become_a_raster_line():
    b = EscPos(paper_dots=384).init().chinese().align("center").line("李䶮 张𠀀").bytes()
    assert b[:7] == b"\x1b\x40\x1c\x26\x1b\x61\x01"
    assert b[7:11] == b"\x1d\x76\x30\x00"  # GS v 0, normal density
    xb, rows = b[11] | b[12] << 8, b[13] | b[14] << 8
    assert xb == 384 // 8 and rows >= 24
    assert len(b) == 15 + xb * rows  # the image and nothing else: no 4-byte GB18030 text
    assert "䶮".encode("gb18030") not in b and "𠀀".encode("gb18030") not in b
    (cmd,) = [c for c in parse(b) if c.name == "raster"]
    img = cmd.image.convert("L")
    ink = img.point(lambda v: 255 if v < 128 else 0).getbbox()  # bounding box of black pixels
    assert ink is not None
    # Centred: about as much margin on each side.
    assert abs(ink[0] - (img.width - ink[2])) < 16


def test_raster_of_each_rare_character_has_ink():
    """Each fallback font really draws its character (not a blank or a .notdef box only)."""
    p = EscPos(paper_dots=200)
    notdef = p.render_line("\U000F0000").convert("L").tobytes()  # in no font: the missing-glyph box
    for ch in "䶮𠀀":
        img = p.render_line(ch).convert("L")
        black = sum(img.histogram()[:128])
        assert black > 40, ch
        assert img.tobytes() != notdef, ch


def test_text_refuses_characters_outside_the_font():
    with pytest.raises(ValueError):
        EscPos().text("李䶮")


def sample_ticket(**kw):
    t = ticket_mod.sample_ticket()
    return ticket_mod.QueueTicket(**{**t.__dict__, **kw})


def test_queue_ticket_layout_and_text():
    issued = datetime(2025, 11, 13, 1, 42, tzinfo=timezone.utc)
    t = sample_ticket(issued_at=issued, waiting_ahead=12, appointment="预约 10:00-10:30")
    b = ticket_mod.ticket_bytes(t)
    assert b.startswith(b"\x1b\x40\x1c\x26")  # init, Chinese mode
    assert b.endswith(b"\x1d\x56\x42\x03")  # cut
    lines = text_lines(b)
    assert "示例市政务服务中心" in lines
    assert "A017" in lines and "综合受理" in lines
    assert " 老年人优先 " in lines and "预约 10:00-10:30" in lines
    assert "您前面还有 12 人等候" in lines
    assert "取号时间：" + issued.astimezone().strftime("%Y-%m-%d %H:%M") in lines
    names = [c.name for c in parse(b)]
    # The number is printed 4x4, then the queue 2x2.
    sizes = [c.args[0] for c in parse(b) if c.name == "size"]
    assert sizes[:3] == [0x00, 0x33, 0x11]
    assert names.count("qr_print") == 1
    store = next(c for c in parse(b) if c.name == "qr_store")
    assert store.data.decode() == t.qr_url


def test_queue_ticket_without_priority_or_appointment():
    b = ticket_mod.ticket_bytes(sample_ticket(priority_label="", appointment=""))
    assert not any(c.name == "reverse" for c in parse(b))


def test_queue_ticket_preview_scans():
    t = sample_ticket()
    img = preview(ticket_mod.ticket_bytes(t))
    qrs = [c.text for c in zxingcpp.read_barcodes(img) if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert qrs == [t.qr_url]


def test_test_ticket_has_chinese_text_raster_barcode_qr_and_cut():
    b = ticket_mod.test_ticket_bytes()
    cmds = parse(b)
    names = [c.name for c in cmds]
    assert names[:2] == ["init", "chinese"]
    assert names[-1] == "cut"
    text = "".join(c.args[0] for c in cmds if c.name == "text")
    assert "打印测试" in text and "￥12.50" in text
    assert names.count("raster") == 1  # the rare-character line
    (bar,) = [c for c in cmds if c.name == "code128"]
    assert bar.data == b"{BA017-TEST"
    assert names.count("qr_print") == 1
    img = preview(b)
    found = {(c.format, c.text) for c in zxingcpp.read_barcodes(img)}
    assert (zxingcpp.BarcodeFormat.Code128, "A017-TEST") in found
    assert any(f == zxingcpp.BarcodeFormat.QRCode for f, _ in found)


def test_58mm_paper():
    b = ticket_mod.ticket_bytes(sample_ticket(hall_name="示例市𠀀区政务服务中心"), paper_dots=384)
    raster = [c for c in parse(b) if c.name == "raster"]
    assert raster and all(c.args[0] == 48 for c in raster)
    assert isinstance(preview(b, paper_dots=384), Image.Image)


def test_reader_rejects_unknown_commands():
    with pytest.raises(ValueError):
        parse(b"\x1b\x99\x00")
    with pytest.raises(ValueError):
        parse(b"\x1d\x76\x30\x00\x02\x00\x05")  # truncated header
