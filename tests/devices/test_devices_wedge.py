"""Keyboard-wedge burst detector: a scanner's fast burst ending in Enter vs. a person typing.

The detector holds keys until it knows what they are; whatever is not a scan must come back,
complete and in order."""

from devices.scanner import WedgeDetector


def feed(det, text, gap, start=0.0, enter_gap=None):
    """Type `text` with `gap` s between keys, then Enter. Returns (scan, delivered keys)."""
    t = start
    delivered = []
    for ch in text:
        delivered += det.key(ch, t, payload=ch)
        t += gap
    t += gap if enter_gap is None else enter_gap - gap
    scan, release = det.enter(t)
    return scan, delivered + release


def test_fast_burst_ending_in_enter_is_a_scan_and_nothing_is_delivered():
    det = WedgeDetector()
    scan, delivered = feed(det, "SZ2024000123", 0.004)
    assert scan == "SZ2024000123" and delivered == [] and det.held == []


def test_typing_is_delivered_key_by_key():
    det = WedgeDetector()
    out = []
    for i, ch in enumerate("张三abc"):
        out += det.key(ch, i * 0.15, payload=ch)
    assert out == list("张三ab")  # each pause released the key before it
    assert det.expire(10.0) == ["c"]
    assert det.enter(10.1) == (None, [])


def test_a_fast_burst_without_enter_is_given_back_whole():
    det = WedgeDetector()
    for i, ch in enumerate("the cat"):
        assert det.key(ch, i * 0.001, payload=ch) == []
    assert det.expire(0.0061) == []  # still inside the gap: could yet be a scan
    assert det.expire(0.5) == list("the cat")


def test_short_burst_and_slow_enter_are_given_back_before_enter():
    assert feed(WedgeDetector(), "ab", 0.004) == (None, ["a", "b"])
    assert feed(WedgeDetector(), "ABCDEF", 0.004, enter_gap=0.5) == (None, list("ABCDEF"))


def test_burst_after_typing_is_recognised():
    det = WedgeDetector()
    scan, typed = feed(det, "hello", 0.2)
    assert scan is None and typed == list("hello")
    assert feed(det, "A0012345", 0.005, start=10.0) == ("A0012345", [])


def test_typing_right_before_a_scan_is_not_swallowed_into_it():
    det = WedgeDetector()
    assert det.key("x", 0.0, payload="x") == []
    scan, delivered = feed(det, "A0012345", 0.005, start=1.0)
    assert delivered == ["x"] and scan == "A0012345"
