"""Case numbers (办件编号) issued offline, unique across windows and halls.

Format (25 characters, digits only so the Code128 barcode packs densely):

    hall code (9) + issue date YYYYMMDD (8) + window code (2) + window sequence (6)
    440300001       20261122                  03                000042

Uniqueness does not depend on the date or the clock: the sequence is one persistent counter
per hall and window (`NumberSequence` row ``case_no/<hall>/<window>``) that is never reset, not
even when the date changes, and is incremented in the same transaction that stores the number
on the case. A restart, a crash or a clock set back therefore cannot repeat a (hall, window,
sequence) triple; the date part is only for people reading the number. The hall code is the
region code plus the hall's own digits, so two halls never share a prefix, and a window code
belongs to one counter PC of its hall.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallclient.errors import HallError
from hallclient.models import Case, NumberSequence

SEQ_DIGITS = 6


class CaseNumberUnavailable(HallError):
    """No case number can be issued at this window: set-up to fix, told to the clerk."""


_NUMBER = re.compile(r"^(?P<hall>\d+)(?P<day>\d{8})(?P<window>\d{2})(?P<seq>\d{6})$")


def sequence_name(hall_code: str, window_code: str) -> str:
    return f"case_no/{hall_code}/{window_code}"


def window_part(window_code: str) -> str:
    code = (window_code or "00").strip()
    if not code.isdigit() or len(code) > 2:
        raise CaseNumberUnavailable(
            f"本窗口的编号“{window_code}”无效（应为 1–2 位数字），无法生成办件编号。"
            "请联系系统管理员更正本窗口的编号后再受理；已登记的办件不受影响。"
        )
    return code.zfill(2)


def allocate_case_number(session: Session, hall_code: str, window_code: str, today: date) -> str:
    """The next case number of this window, reserved in the caller's transaction."""
    win = window_part(window_code)
    name = sequence_name(hall_code, win)
    row = session.get(NumberSequence, name)
    if row is None:
        # First number of this window in this store, or a counter row lost while cases
        # survived (an import, a repair): start above anything the store already holds.
        row = NumberSequence(name=name, value=_highest_issued(session, hall_code, win))
        session.add(row)
    nxt = row.value + 1
    if nxt >= 10**SEQ_DIGITS:
        raise CaseNumberUnavailable(
            f"本窗口（{win}）的办件编号已用完（{10**SEQ_DIGITS - 1} 个），无法再生成新编号。"
            "请联系系统管理员为本机分配新的窗口编号后再受理；已登记的办件不受影响。"
        )
    row.value = nxt
    return f"{hall_code}{today:%Y%m%d}{win}{nxt:0{SEQ_DIGITS}d}"


def _highest_issued(session: Session, hall_code: str, win: str) -> int:
    # A full scan, but only when the window's counter row is first created.
    pattern = f"{hall_code}________{win}______"
    last = session.scalar(
        select(func.max(func.substr(Case.case_no, len(hall_code) + 11, SEQ_DIGITS))).where(Case.case_no.like(pattern))
    )
    return int(last) if last else 0


def note_issued_elsewhere(session: Session, case_no: str) -> None:
    """A case number known to exist (the central server's list of the hall's cases): this
    store's counter for its hall and window moves past it. A replacement PC that logs in as
    the same window, or a store restored from an older backup, thus never issues it again
    once it has synchronised."""
    parts = parse_case_number(case_no)
    if parts is None:
        return
    name = sequence_name(parts["hall"], parts["window"])
    seq = int(parts["seq"])
    row = session.get(NumberSequence, name)
    if row is None:
        session.add(NumberSequence(name=name, value=max(seq, _highest_issued(session, parts["hall"], parts["window"]))))
    elif row.value < seq:
        row.value = seq


def parse_case_number(case_no: str) -> dict | None:
    m = _NUMBER.match(case_no or "")
    return m.groupdict() if m else None
