"""An ID card placed on the reader lands in the right part of the applicant form, with its
photo (through a real compiled decoder library) or “无照片”."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from datetime import date

import pytest
from PySide6.QtGui import QColor

from devices.simulators.idreader import sample_cards
from hallclient import settings
from hallclient.validation import id_check_char, uscc_check_char
from ui.ops import wait_all

CARDS = sample_cards()


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


USCC = "91440300MA5F00001" + uscc_check_char("91440300MA5F00001")


@pytest.fixture
def panel(qtbot, ctx):
    from ui.intake.applicant_panel import ApplicantPanel

    p = ApplicantPanel(ctx.store)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    yield p
    wait_all()


def _read(qtbot, panel, doc):
    """Place `doc` as the reader would, and wait until its photo was decided."""
    with qtbot.waitSignal(panel.photo.decided, timeout=10000) as b:
        panel.fill_from_identity(doc)
    return b.args[0]


def test_card_fills_a_person_applicant_and_says_no_photo_without_decoder(qtbot, panel):
    card = CARDS["resident_rare_name"]
    shown = _read(qtbot, panel, card)
    assert (panel.kind.currentData(), panel.id_number.text(), panel.name.text()) == ("person", card.id_number, "王𠀀䶮")
    assert panel.photo_wlt == card.photo_wlt
    assert not shown and panel.photo.text() == "无照片" and panel.photo.pixmap().isNull()
    assert "未配置照片解码库" in panel.photo.toolTip()
    assert panel.card_status.text() == "已读取居民身份证：填入申请人 王𠀀䶮"


def test_organisation_card_fills_the_empty_legal_representative(qtbot, panel):
    panel.kind.setCurrentIndex(panel.kind.findData("organisation"))
    qtbot.keyClicks(panel.id_number, USCC)
    panel.name.setText("深圳市前海𠀀科技有限公司")
    card = CARDS["resident"]
    _read(qtbot, panel, card)
    assert panel.kind.currentData() == "organisation"  # not forced to 个人
    assert (panel.id_number.text(), panel.name.text()) == (USCC, "深圳市前海𠀀科技有限公司")
    assert (panel.rep_id.text(), panel.rep_name.text()) == (card.id_number, card.name)
    assert "填入法定代表人" in panel.card_status.text()
    inp = panel.applicant_input()
    assert inp.legal_rep_id_number == card.id_number and inp.kind == "organisation"


def test_organisation_with_a_representative_is_not_overwritten(qtbot, panel):
    panel.kind.setCurrentIndex(panel.kind.findData("organisation"))
    qtbot.keyClicks(panel.id_number, USCC)
    panel.rep_name.setText("吴法人")
    panel.rep_id.setText(_id("44030519800101123"))
    panel.fill_from_identity(CARDS["resident"])
    assert (panel.rep_name.text(), panel.id_number.text()) == ("吴法人", USCC)
    assert "未覆盖" in panel.card_status.text()


def test_agent_card_fills_the_agent_when_the_applicant_is_there(qtbot, panel):
    applicant = CARDS["resident"]
    _read(qtbot, panel, applicant)
    panel.has_agent.setChecked(True)
    agent = dataclasses.replace(CARDS["resident_rare_name"])
    _read(qtbot, panel, agent)
    assert (panel.id_number.text(), panel.name.text()) == (applicant.id_number, applicant.name)
    assert (panel.agent_id.text(), panel.agent_name.text()) == (agent.id_number, agent.name)
    assert panel.photo_wlt == applicant.photo_wlt  # the applicant's photo stays the applicant's
    assert panel.agent_input().id_number == agent.id_number
    assert "填入代办人" in panel.card_status.text() and panel.photo.whose == "代办人"


def test_agent_ticked_but_no_applicant_yet_fills_the_applicant(qtbot, panel):
    panel.has_agent.setChecked(True)
    card = CARDS["resident"]
    _read(qtbot, panel, card)
    assert panel.id_number.text() == card.id_number and panel.agent_id.text() == ""


def test_expired_card_is_flagged_and_a_long_term_card_is_not(qtbot, panel):
    old = dataclasses.replace(CARDS["resident"], valid_from=date(2000, 1, 1), valid_to=date(2020, 1, 1))
    _read(qtbot, panel, old)
    assert "已过期" in panel.card_status.text() and "2020-01-01" in panel.card_status.text()
    assert "b00020" in panel.card_status.styleSheet()  # in red
    panel.clear()
    forever = dataclasses.replace(CARDS["resident"], valid_to="长期")
    _read(qtbot, panel, forever)
    assert "过期" not in panel.card_status.text()


def test_card_target_rules():
    from ui.intake.card_read import CardTarget, card_target

    form = {"organisation": False, "has_agent": False, "applicant_id": _id("44030519800101123"),
            "applicant_name": "甲", "rep_id": "", "rep_name": ""}
    assert card_target(form, CARDS["resident"].id_number) is CardTarget.APPLICANT
    assert card_target({**form, "has_agent": True}, CARDS["resident"].id_number) is CardTarget.AGENT
    # The applicant's own card again, with 代办人 ticked: it refreshes the applicant.
    assert card_target({**form, "has_agent": True}, form["applicant_id"].lower()) is CardTarget.APPLICANT


# -- a real decoder library ------------------------------------------------------------------------
DECODER_C = r"""
/* Stand-in for a vendor WLT library: same signature, writes 102x126 BGR bottom-up rows
   padded to 4 bytes. Colour = first three WLT bytes; the first (bottom) row is white.
   A photo starting with 0 fails (returns 0), as a damaged photo would. */
int unpack(char *wlt, char *bgr, int save_bmp) {
    int stride = (102 * 3 + 3) & ~3;
    if (wlt[0] == 0) return 0;
    for (int y = 0; y < 126; y++)
        for (int x = 0; x < 102; x++) {
            char *p = bgr + y * stride + x * 3;
            p[0] = y == 0 ? (char)255 : wlt[0];
            p[1] = y == 0 ? (char)255 : wlt[1];
            p[2] = y == 0 ? (char)255 : wlt[2];
        }
    return 1;
}
"""


@pytest.fixture
def decoder(tmp_path, ctx):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None or sys.platform == "win32":
        pytest.skip("no C compiler to build a stand-in decoder library")
    src = tmp_path / "wlt.c"
    src.write_text(DECODER_C)
    lib = tmp_path / "libwlt_test.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True, capture_output=True)
    with ctx.store.session() as s:
        settings.set_value(s, settings.WLT_DECODER, str(lib))
    return lib


def test_photo_is_decoded_by_the_configured_library_and_shown(qtbot, panel, decoder):
    card = dataclasses.replace(CARDS["resident"], photo_wlt=bytes([10, 20, 30]) + bytes(1021))
    assert _read(qtbot, panel, card)
    img = panel.photo.pixmap().toImage()
    assert (img.width(), img.height()) == (102, 126)
    assert img.pixelColor(50, 10) == QColor(30, 20, 10)  # BGR -> RGB
    assert img.pixelColor(50, 125) == QColor(255, 255, 255)  # bottom-up rows: first row at the bottom
    assert panel.photo.text() == ""


def test_decoder_failure_shows_no_photo_with_the_reason(qtbot, panel, decoder):
    card = dataclasses.replace(CARDS["resident"], photo_wlt=bytes(1024))  # the library returns 0
    assert not _read(qtbot, panel, card)
    assert panel.photo.text() == "无照片" and "照片解码失败" in panel.photo.toolTip()
    assert panel.id_number.text() == card.id_number  # the form is filled all the same


def test_unloadable_decoder_shows_no_photo(qtbot, panel, ctx, tmp_path):
    with ctx.store.session() as s:
        settings.set_value(s, settings.WLT_DECODER, str(tmp_path / "missing.so"))
    assert not _read(qtbot, panel, CARDS["resident"])
    assert panel.photo.text() == "无照片" and panel.photo.toolTip().endswith("missing.so（文件不存在）")


def test_library_without_unpack_is_said_in_chinese(tmp_path):
    from devices.photo import PhotoDecoderError, decode_photo

    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or sys.platform == "win32":
        pytest.skip("no C compiler")
    src = tmp_path / "other.c"
    src.write_text("int something_else(void) { return 1; }\n")
    lib = tmp_path / "libother.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True, capture_output=True)
    with pytest.raises(PhotoDecoderError, match="没有 unpack 函数"):
        decode_photo(b"\x01" * 1024, str(lib))
