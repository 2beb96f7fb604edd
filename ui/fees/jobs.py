"""Work the 收费 page hands to background threads (ui.ops.Op): store + plain data in, plain data
out. Writes run with `Op(..., writer=True)`."""

from __future__ import annotations

from dataclasses import dataclass

from hallclient import settings
from hallclient.fees import close as close_ops
from hallclient.fees import payments, stock
from hallclient.fees.rules import Assessment, Exemption
from hallclient.fees.view import CaseFees, case_fees, find_case
from hallclient.intake.cases import Desk, local_today
from hallclient.permissions import Actor, Authorisation


def load(store, case_id: str, clerk_id: int) -> CaseFees:
    with store.session() as s:
        return case_fees(s, case_id, clerk_id)


def lookup(store, text: str) -> str:
    with store.session() as s:
        return find_case(s, text)


def preview(store, case_id: str, quantities: dict[int, int], exemptions: tuple[Exemption, ...]) -> Assessment:
    with store.session() as s:
        return payments.assessment_for(s, case_id, quantities, exemptions)


def issue_notice(store, actor: Actor, desk: Desk, case_id: str, quantities, exemptions):
    with store.session() as s:
        return payments.issue_notice(s, actor, desk, case_id, quantities, exemptions)


def pay(store, actor: Actor, desk: Desk, case_id: str, channel: str, quantities, exemptions, tendered_fen, reference):
    with store.session() as s:
        return payments.pay_at_window(s, actor, desk, case_id, channel, quantities, exemptions,
                                      tendered_fen=tendered_fen, reference=reference)


def reverse(store, actor: Actor, payment_id: str, reason: str, auth: Authorisation | None):
    with store.session() as s:
        return payments.reverse_payment(s, actor, payment_id, reason, auth)


def take_paper(store, actor: Actor, payment_id: str):
    # Committed before anything is printed: a crash after this leaves an accounted-for number.
    with store.session() as s:
        return stock.take_receipt_number(s, actor, payment_id)


def confirm_paper(store, actor: Actor, receipt_id: int):
    with store.session() as s:
        return stock.confirm_printed(s, actor, receipt_id)


def void_paper(store, actor: Actor, receipt_id: int, reason: str, auth: Authorisation | None):
    with store.session() as s:
        return stock.void_receipt(s, actor, receipt_id, reason, auth)


def close_preview(store, clerk_id: int):
    with store.session() as s:
        day = local_today()
        return close_ops.stored_close(s, clerk_id, day) or close_ops.compute_close(s, clerk_id, day)


def close_day(store, actor: Actor):
    with store.session() as s:
        return close_ops.close_day(s, actor, local_today())


@dataclass(frozen=True)
class Rendered:
    key: str  # what was rendered: "notice:<bill>", "e:<id>", "paper:<id>", "close"
    title: str
    pdf: bytes


def render(store, fees: CaseFees, key: str) -> Rendered:
    from printing import fees as docs

    with store.session() as s:
        pay_url = settings.get(s, settings.FEE_PAY_URL)
        verify_url = settings.get(s, settings.FEE_VERIFY_URL)
    kind, _, ident = key.partition(":")
    for bill in fees.bills:
        if kind == "notice" and bill.id == ident:
            return Rendered(key, "缴款通知书", docs.render_payment_notice(fees, bill, pay_url=pay_url))
        for r in bill.e_receipts:
            if kind == "e" and str(r.id) == ident:
                return Rendered(key, "财政电子票据（红字）" if r.red else "财政电子票据", docs.render_e_receipt(fees, bill, r, verify_url=verify_url))
        for p in bill.paper:
            if kind == "paper" and str(p.id) == ident:
                return Rendered(key, "收费凭证（作废）" if p.state == "void" else "收费凭证", docs.render_paper_receipt(fees, bill, p))
    raise KeyError(key)


def render_close(close) -> Rendered:
    from printing.fees import render_day_close

    return Rendered("close", "收费日结单", render_day_close(close))
