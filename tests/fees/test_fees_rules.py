"""Money and fee rules: formatting, capitals, typed amounts, every rule type and exemption."""

from __future__ import annotations

import pytest

from hallclient.errors import ValidationFailed
from hallclient.fees.money import MAX_FEN, capitals, format_yuan, parse_yuan
from hallclient.fees.rules import Exemption, assess, normalise_rules


@pytest.mark.parametrize("fen, text", [
    (0, "零元整"), (5, "伍分"), (50, "伍角整"), (105, "壹元零伍分"), (1000, "壹拾元整"), (8000, "捌拾元整"),
    (12000, "壹佰贰拾元整"), (123450, "壹仟贰佰叁拾肆元伍角整"), (100005, "壹仟元零伍分"), (100100, "壹仟零壹元整"),
    (100001000, "壹佰万零壹拾元整"), (2000000000, "贰仟万元整"), (10000000000, "壹亿元整"), (-8000, "负捌拾元整"),
])
def test_capitals(fen, text):
    assert capitals(fen) == text


def test_format_yuan():
    assert format_yuan(123450) == "￥1,234.50"
    assert format_yuan(8000) == "￥80.00"
    assert format_yuan(-8000) == "-￥80.00"
    assert format_yuan(5) == "￥0.05"


@pytest.mark.parametrize("text, fen", [("80", 8000), ("80.5", 8050), ("80.50", 8050), ("￥1,234.50", 123450), ("８０．５", 8050),
                                       ("100元", 10000), ("0.01", 1), ("10000000", MAX_FEN)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text, words", [("", "请输入"), ("-5", "负数"), ("abc", "不是有效的金额"), ("1.234", "两位小数"),
                                         ("0", "不能为零"), ("10000000.01", "超过上限"), ("1e5", "不是有效的金额")])
def test_parse_yuan_refuses_in_chinese(text, words):
    with pytest.raises(ValidationFailed) as e:
        parse_yuan(text)
    assert words in e.value.message


RULES = normalise_rules([
    {"name": "不动产登记费", "kind": "fixed", "amount_fen": 8000, "basis": "发改价格规〔2016〕2559号", "payee": "登记中心"},
    {"name": "证书工本费", "kind": "per_unit", "amount_fen": 1000, "unit": "本", "included": 1},
    {"name": "查询", "kind": "free"},
])


def test_fixed_per_unit_and_free():
    a = assess(RULES, {1: 3})
    assert [l.due_fen for l in a.lines] == [8000, 2000, 0]
    assert a.lines[1].quantity == 2 and a.lines[1].unit == "本"  # the first certificate is included
    assert a.total_fen == 10000 and a.gross_fen == 10000 and a.reduction_fen == 0
    assert assess(RULES).total_fen == 8000  # one certificate: nothing extra
    assert assess(RULES, {1: 0}).total_fen == 8000
    assert assess(normalise_rules([{"name": "查询", "kind": "free"}])).free


def test_exemptions_full_partial_and_per_line():
    full = assess(RULES, {1: 2}, [Exemption("小微企业免收", "财税〔2014〕101号", line=0)])
    assert [l.due_fen for l in full.lines] == [0, 1000, 0] and full.total_fen == 1000
    assert "小微企业免收（财税〔2014〕101号）" == full.lines[0].exemption
    part = assess(RULES, {1: 2}, [Exemption("残疾人减免", "残疾人保障法", amount_fen=3000, line=0)])
    assert part.lines[0].due_fen == 5000 and part.reduction_fen == 3000 and part.total_fen == 6000
    everything = assess(RULES, {1: 5}, [Exemption("低保对象", "民政文件")])
    assert everything.total_fen == 0 and everything.reduction_fen == 12000


@pytest.mark.parametrize("ex, words", [
    (Exemption("", "依据"), "原因"), (Exemption("原因", " "), "依据"), (Exemption("原因", "依据", line=7), "不存在"),
    (Exemption("原因", "依据", line=0, amount_fen=9000), "超过应收"), (Exemption("原因", "依据", line=0, amount_fen=-1), "负数"),
])
def test_bad_exemptions_refused(ex, words):
    with pytest.raises(ValidationFailed) as e:
        assess(RULES, {}, [ex])
    assert words in e.value.message


@pytest.mark.parametrize("raw, words", [
    ([{"name": "x", "kind": "fixed", "amount_fen": -1}], "金额无效"), ([{"name": "x", "kind": "fixed", "amount_fen": 1.5}], "金额无效"),
    ([{"name": "x", "kind": "fixed", "amount_fen": MAX_FEN + 1}], "金额无效"), ([{"name": "x", "kind": "odd", "amount_fen": 1}], "类型"),
    ([{"kind": "fixed", "amount_fen": 1}], "名称"), ("80", "列表"),
])
def test_catalogue_fee_rules_checked(raw, words):
    with pytest.raises(ValueError) as e:
        normalise_rules(raw)
    assert words in str(e.value)


def test_server_refuses_catalogue_with_bad_fees(tmp_path):
    from hallclient.catalogue import demo_catalogue
    from sync.server.admin import AdminError, load_catalogue
    from sync.server.store import ServerDB

    data = demo_catalogue()
    data["items"] = [dict(data["items"][0], fees=[{"name": "登记费", "kind": "fixed", "amount_fen": "80"}])]
    db = ServerDB(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with pytest.raises(AdminError) as e:
        load_catalogue(db, data)
    assert "金额无效" in e.value.message
    db.close()
