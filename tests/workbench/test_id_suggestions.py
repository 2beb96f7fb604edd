"""An old 15-digit ID offers its 18-digit form; a credit code typed under 个人 suggests 单位."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hallclient.validation import id_check_char, uscc_check_char, validate_id


def test_fifteen_digit_id_offers_its_eighteen_digit_form():
    old = "440305800101123"  # region 440305, born 1980-01-01, sequence 123
    v = validate_id(old)
    first17 = "44030519800101123"
    assert not v.valid and v.suggestion == first17 + id_check_char(first17)
    assert "15 位旧身份证号码" in v.error and v.suggestion in v.error
    assert validate_id(v.suggestion).valid
    assert "无效" in validate_id("440305801301123").error  # month 13: no suggestion
    assert not validate_id("440305801301123").suggestion


def test_credit_code_under_person_suggests_organisation(ctx, qtbot):
    from ui.intake.applicant_panel import ApplicantPanel

    code = "91440300MA5F00001"
    code += uscc_check_char(code)
    v = validate_id(code)
    assert v.suggest_kind == "organisation" and "单位" in v.error and "外国" not in v.error
    panel = ApplicantPanel(ctx.store)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.keyClicks(panel.id_number, code)
    assert "单位" in panel.id_status.text()
    qtbot.keyClick(panel.id_number, Qt.Key.Key_Return)
    assert panel.kind.currentData() == "organisation"
    panel.clear()
    qtbot.keyClicks(panel.id_number, "440305800101123")
    qtbot.keyClick(panel.id_number, Qt.Key.Key_Return)
    assert len(panel.id_number.text()) == 18 and validate_id(panel.id_number.text()).valid
