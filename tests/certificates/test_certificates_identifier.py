"""The 证照标识 and its ISO 7064 MOD 37,36 check character, against an independent check.

The independent check does not use the closed formula of hallclient: it searches the one
character that makes the whole string valid by the hybrid system's definition (the running
value after the check character is 1), computed with integer arithmetic written out here.
"""

from __future__ import annotations

import random

import pytest

from hallclient.certificates.identifier import (
    PREFIX, build_identifier, identifier_valid, mod37_36_check, mod37_36_valid)
from hallclient.errors import ValidationFailed

ALPHA = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _valid_by_definition(s: str) -> bool:
    # ISO 7064 hybrid M=36: P1 = 36; S_j = (P_j + a_j) mod 36 (0 read as 36); P_{j+1} = 2 S_j mod 37.
    # A string with its check character is valid iff the last S is 1.
    p = 36
    last = None
    for ch in s:
        last = (p + ALPHA.index(ch)) % 36 or 36
        p = (2 * last) % 37
    return last == 1


def _check_by_search(data: str) -> str:
    hits = [c for c in ALPHA if _valid_by_definition(data + c)]
    assert len(hits) == 1, hits
    return hits[0]


def test_hand_worked_examples():
    # "A" (10): S = (36+10) mod 36 = 10, P = 20; check c with (20 + c) mod 36 = 1 -> c = 17 = "H".
    assert mod37_36_check("A") == "H"
    # "0": S = 36 mod 36 = 0 -> 36, P = 72 mod 37 = 35; (35 + c) mod 36 = 1 -> c = 2.
    assert mod37_36_check("0") == "2"
    # "10": "1": S = 37 mod 36 = 1, P = 2; "0": S = 2, P = 4; (4 + c) mod 36 = 1 -> c = 33 = "X".
    assert mod37_36_check("10") == "X"


def test_random_vectors_against_the_definition():
    rng = random.Random(36)
    for _ in range(500):
        data = "".join(rng.choice(ALPHA) for _ in range(rng.randint(1, 60)))
        assert mod37_36_check(data) == _check_by_search(data)
        assert mod37_36_valid(data + mod37_36_check(data))


def test_identifier_form_and_check():
    lid = build_identifier("11100000MB0143028R001", "11440300MB2C90010X", "JY14403002026030000017", 1)
    body, _, check = lid.rpartition(".")
    assert body == f"{PREFIX}.11100000MB0143028R001.11440300MB2C90010X.JY14403002026030000017.001"
    assert check == _check_by_search(body.replace(".", ""))
    assert identifier_valid(lid)
    # Any single changed character, or swapped neighbours, is caught.
    bad = lid[:-3] + ("2" if lid[-3] != "2" else "3") + lid[-2:]
    assert not identifier_valid(bad)
    assert not identifier_valid(lid[:-1] + ALPHA[(ALPHA.index(lid[-1]) + 1) % 36])


@pytest.mark.parametrize("part", ["11100000mb0143028R001", "A-B", ""])
def test_bad_parts_are_refused_in_chinese(part):
    with pytest.raises(ValidationFailed, match="只能由大写字母和数字组成"):
        build_identifier(part, "11440300MB2C90010X", "1", 1)
