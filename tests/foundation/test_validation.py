"""Validation vectors. Valid numbers are built here by an independent implementation of the
published algorithms (written differently from hallclient.validation on purpose), plus a few
well-known public examples."""

from datetime import date

import pytest

from hallclient.validation import validate_id, validate_phone, validate_uscc

TODAY = date(2026, 11, 22)


def gb11643_check(body17: str) -> str:
    # ISO 7064 MOD 11-2 in its textbook form: weights are 2^(i) mod 11 from the right.
    total = sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(body17))
    return "10X98765432"[total % 11]


def gb32100_check(body17: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(body17))
    return alphabet[(31 - total % 31) % 31]


def make_id(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    return body + gb11643_check(body)


def test_public_example_with_x_check_digit():
    r = validate_id("11010519491231002X", TODAY)
    assert r.valid and r.kind == "resident"
    assert r.birth_date == date(1949, 12, 31) and r.gender == "女"


@pytest.mark.parametrize("birth,seq,gender", [("19800101", "001", "男"), ("20000229", "124", "女"), ("19991231", "999", "男")])
def test_independently_built_ids_are_valid(birth, seq, gender):
    number = make_id("440305", birth, seq)
    r = validate_id(number, TODAY)
    assert r.valid, r.error
    assert r.birth_date.strftime("%Y%m%d") == birth
    assert r.gender == gender


def test_full_width_digits_and_lowercase_x_are_normalised():
    r = validate_id("１１０１０５１９４９１２３１００２ｘ", TODAY)
    assert r.valid and r.normalized == "11010519491231002X"
    assert validate_id("11010519491231002x", TODAY).valid


def test_wrong_check_digit_says_what_it_should_be():
    good = make_id("320102", "19850615", "203")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    r = validate_id(wrong, TODAY)
    assert not r.valid
    assert r.error == f"校验位应为 {good[17]}，实际为 {wrong[17]}"


@pytest.mark.parametrize(
    "birth,needle",
    [("19870230", "不是有效日期"), ("20270101", "晚于今天"), ("19991301", "不是有效日期")],
)
def test_impossible_or_future_birth_dates(birth, needle):
    r = validate_id(make_id("110101", birth, "001"), TODAY)
    assert not r.valid and needle in r.error


def test_length_and_character_errors():
    assert "18 位" in validate_id("1101051949123100", TODAY).error
    assert "第 5 位应为数字" in validate_id("1101A519491231002X", TODAY).error


@pytest.mark.parametrize("prefix,kind", [("810000", "gat_permit"), ("820000", "gat_permit"), ("830000", "gat_permit")])
def test_hk_macau_taiwan_residence_permits(prefix, kind):
    r = validate_id(make_id(prefix, "19900101", "003"), TODAY)
    assert r.valid and r.kind == kind


def test_foreign_permanent_residence_card_2023():
    # 9 + province (11) + nationality code (156 is not foreign; use 840) + birth + seq + check
    body = "9" + "11" + "840" + "19850312" + "00" + "1"
    r = validate_id(body + gb11643_check(body), TODAY)
    assert r.valid and r.kind == "foreign_2023"
    bad = body + ("0" if gb11643_check(body) != "0" else "1")
    assert "校验位应为" in validate_id(bad, TODAY).error


def icao_check(s: str) -> int:
    vals = [int(c) if c.isdigit() else ord(c) - 55 for c in s]
    return sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(vals)) % 10


def test_foreign_permanent_residence_card_old_format():
    body = "USA" + "11" + "850312" + "011"  # nationality, province, YYMMDD, sequence
    r = validate_id(body + str(icao_check(body)), TODAY)
    assert r.valid and r.kind == "foreign_old" and r.birth_date == date(1985, 3, 12)
    assert not validate_id(body + str((icao_check(body) + 1) % 10), TODAY).valid


def test_unified_social_credit_code():
    assert validate_uscc("91350100M000100Y43").valid  # public example
    body = "91440300MA5" + "F0A1B2"
    code = body + gb32100_check(body)
    assert validate_uscc(code.lower()).valid
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert validate_uscc(wrong).error == f"校验位应为 {code[17]}，实际为 {wrong[17]}"
    assert "不使用 I、O、S、V、Z" in validate_uscc("91350100M0001O0Y43").error


@pytest.mark.parametrize(
    "body, needle",
    [("00000000000000000", "第 1 位"), ("B1440300MA5F0A1B2", "第 1 位"), ("90440300MA5F0A1B2", "第 2 位"),
     ("9144A300MA5F0A1B2", "第 3–8 位"), ("91000000MA5F0A1B2", "第 3–8 位")],
)
def test_credit_codes_with_a_right_check_digit_but_an_impossible_structure(body, needle):
    code = body + gb32100_check(body)  # the check digit is right: only the structure is wrong
    r = validate_uscc(code)
    assert not r.valid and needle in r.error


@pytest.mark.parametrize(
    "raw,ok,normalized",
    [
        ("13812345678", True, "13812345678"),
        ("+86 138 1234 5678", True, "13812345678"),
        ("１３８１２３４５６７８", True, "13812345678"),
        ("12812345678", False, None),
        ("1381234567", False, None),
        ("010-62345678", True, "010-62345678"),
        ("02087654321", True, "020-87654321"),
        ("0755-88886666-123", True, "0755-88886666-123"),
        ("0755-0888666", False, None),
    ],
)
def test_phone_numbers(raw, ok, normalized):
    r = validate_phone(raw)
    assert r.valid is ok, r.error
    if ok:
        assert r.normalized == normalized
    else:
        assert r.error


def test_cli_validate_prints_json_and_exit_code(cli):
    import json

    ok = cli("validate", "id", "11010519491231002x")
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {
        "valid": True, "normalized": "11010519491231002X", "kind": "resident", "birth_date": "1949-12-31", "gender": "女",
    }
    bad = cli("validate", "uscc", "91350100M000100Y44")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"] == "校验位应为 3，实际为 4"
