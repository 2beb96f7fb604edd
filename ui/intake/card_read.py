"""Whose ID card was just placed on the reader, judged from what the form already holds.

Plain functions (no widgets) so the rule reads in one place:
  * 代办人办理 ticked and an applicant already in the form → the agent's card
    (unless it is the applicant's own card again);
  * an organisation (单位) whose legal representative is still empty → the representative's;
  * an organisation whose representative is filled → nobody's: nothing is overwritten;
  * otherwise → the applicant's (a person).
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from hallclient.identity import CARD_TYPES, IdentityDocument


class CardTarget(Enum):
    APPLICANT = "申请人"
    LEGAL_REP = "法定代表人"
    AGENT = "代办人"

    @property
    def label(self) -> str:
        return self.value


def _same_id(a: str, b: str) -> bool:
    return a.strip().upper() == b.strip().upper() and bool(a.strip())


def card_target(form: dict, card_id: str) -> CardTarget | None:
    """`form`: organisation, has_agent (bools); applicant_id, applicant_name, rep_id, rep_name
    (texts). None: the card fits nobody without overwriting what the clerk typed."""
    applicant_filled = bool(form["applicant_id"].strip() or form["applicant_name"].strip())
    if form["has_agent"] and applicant_filled and not _same_id(form["applicant_id"], card_id):
        return CardTarget.AGENT
    if form["organisation"]:
        rep_empty = not (form["rep_id"].strip() or form["rep_name"].strip())
        if rep_empty or _same_id(form["rep_id"], card_id):
            return CardTarget.LEGAL_REP
        return None
    return CardTarget.APPLICANT


def expired(doc: IdentityDocument, today: date | None = None) -> bool:
    """A card whose validity ended before today ("长期" never ends)."""
    return isinstance(doc.valid_to, date) and doc.valid_to < (today or date.today())


def card_note(doc: IdentityDocument, target: CardTarget | None, today: date | None = None) -> tuple[str, bool]:
    """The status line after a card read, and whether the card has expired."""
    kind = CARD_TYPES.get(doc.card_type, "证件")
    if target is None:
        note = f"已读取{kind}（{doc.name}）：法定代表人已填写，未覆盖。如需以此证件办理，请先按 F2 开始下一位"
    else:
        note = f"已读取{kind}：填入{target.label} {doc.name}"
    is_expired = expired(doc, today)
    if is_expired:
        note += f"。注意：证件已过期（有效期至 {doc.valid_to:%Y-%m-%d}），请核实"
    return note, is_expired
