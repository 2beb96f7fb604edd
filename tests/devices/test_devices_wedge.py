"""Keyboard-wedge burst detector: a scanner's fast burst ending in Enter vs. a person typing."""

from devices.scanner import WedgeDetector


def feed(det, text, gap, start=0.0, enter_gap=None):
    t = start
    result = None
    swallowed = []
    for ch in text:
        scan, swallow = det.key(ch, t)
        swallowed.append(swallow)
        t += gap
    t += gap if enter_gap is None else enter_gap - gap
    scan, swallow = det.key("", t, enter=True)
    return scan, swallowed, swallow


def test_fast_burst_ending_in_enter_is_a_scan():
    scan, swallowed, enter_swallowed = feed(WedgeDetector(), "SZ2024000123", 0.004)
    assert scan == "SZ2024000123"
    assert swallowed[0] is False and all(swallowed[1:]) and enter_swallowed


def test_typing_is_not_a_scan():
    scan, swallowed, enter_swallowed = feed(WedgeDetector(), "张三abc123", 0.15)
    assert scan is None and not any(swallowed) and not enter_swallowed


def test_short_burst_and_slow_enter_are_not_scans():
    assert feed(WedgeDetector(), "ab", 0.004)[0] is None
    assert feed(WedgeDetector(), "ABCDEF", 0.004, enter_gap=0.5)[0] is None


def test_burst_after_typing_is_recognised():
    det = WedgeDetector()
    feed(det, "hello", 0.2)
    assert feed(det, "A0012345", 0.005, start=10.0)[0] == "A0012345"
