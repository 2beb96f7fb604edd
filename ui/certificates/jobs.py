"""Work the certificate page hands to background threads (through ui.ops.Op): the store and
plain data in, plain data out; writes are run with `Op(..., writer=True)`."""

from __future__ import annotations

from dataclasses import dataclass

from hallclient.certificates import calibration, handover, issue, queries, stock
from hallclient.certificates.queries import CertificateView
from hallclient.certificates.templates import Template, background_path
from hallclient.permissions import Actor, Authorisation


@dataclass(frozen=True)
class Printed:
    ticket: stock.PrintTicket
    pdf: bytes
    view: CertificateView


def work_list(store, query: str = ""):
    with store.session() as s:
        return queries.work_list(s, query)


def open_case(store, case_id: str, printer: str, actor_id: int | None) -> CertificateView:
    """The case's certificate, issued now if the case was decided without one (writer)."""
    with store.session() as s:
        issue.issue_for_case(s, case_id, actor_id=actor_id)
    return view(store, case_id, printer)


def view(store, case_id: str, printer: str) -> CertificateView:
    with store.session() as s:
        return queries.certificate_view(s, case_id, printer)


def render(t: Template, values: dict, mode: str, dx: float, dy: float, preview: bool) -> bytes:
    """The PDF as it prints (preview=False) or over the stock's background image (preview)."""
    from printing.certificates import render_certificate

    bg = background_path(t.background) if preview and mode == "preprinted" else None
    return render_certificate(t, values, mode=mode, dx=dx, dy=dy, background=str(bg) if bg else None)


def print_certificate(store, actor: Actor, case_id: str, certificate_id: str, printer: str, mode: str,
                      reason: str = "", authorisation: Authorisation | None = None) -> Printed:
    """Record the print on the next blank sheet and render it, in one transaction: a field
    that does not fit refuses the print before a sheet is consumed."""
    from printing.certificates import render_certificate

    with store.session() as s:
        ticket = stock.print_certificate(s, actor, certificate_id, printer=printer, reason=reason,
                                         authorisation=authorisation)
        v = queries.certificate_view(s, case_id, printer)
        pdf = render_certificate(v.template, v.certificate.fields, mode=mode, dx=v.offset.dx_mm, dy=v.offset.dy_mm)
    return Printed(ticket, pdf, view(store, case_id, printer))


def spoil(store, actor: Actor, case_id: str, sheet_id: int, reason: str, printer: str) -> CertificateView:
    with store.session() as s:
        stock.spoil(s, actor, sheet_id, reason)
    return view(store, case_id, printer)


def save_fields(store, actor: Actor, case_id: str, certificate_id: str, values: dict, printer: str) -> CertificateView:
    with store.session() as s:
        issue.set_fields(s, certificate_id, values, actor.user_id)
    return view(store, case_id, printer)


def save_offset(store, printer: str, dx: float, dy: float, user_id: int | None) -> calibration.Offset:
    with store.session() as s:
        return calibration.set_offset(s, printer, dx, dy, user_id=user_id)


def get_offset(store, printer: str) -> calibration.Offset:
    with store.session() as s:
        return calibration.get_offset(s, printer)


def calibration_sheet(t: Template, printer: str, offset: calibration.Offset) -> bytes:
    from printing.certificates import render_calibration_sheet

    return render_calibration_sheet(t.page_w, t.page_h, printer=printer, station=calibration.workstation(),
                                    current=(offset.dx_mm, offset.dy_mm))


def hand_over(store, actor: Actor, case_id: str, certificate_id: str, recipient_id: str, recipient_name: str,
              letter_note: str, printer: str) -> CertificateView:
    with store.session() as s:
        handover.hand_over(s, actor, certificate_id, recipient_id, recipient_name, letter_note=letter_note)
    return view(store, case_id, printer)


def mail(store, actor: Actor, case_id: str, certificate_id: str, courier: str, tracking: str, address: str,
         printer: str) -> CertificateView:
    with store.session() as s:
        handover.mail(s, actor, certificate_id, courier, tracking, address)
    return view(store, case_id, printer)


def delivery_receipt(slip) -> bytes:
    from printing.certificates import render_delivery_receipt

    return render_delivery_receipt(slip)


def stock_lines(store):
    with store.session() as s:
        return stock.stock_report(s)


def templates(store):
    from hallclient.certificates.templates import all_templates

    with store.session() as s:
        return [(t.key, t.name) for t in all_templates(s)]


def register_stock(store, actor: Actor, key: str, first: int, last: int, prefix: str):
    with store.session() as s:
        stock.register_range(s, actor, key, first, last, prefix=prefix)
        return stock.stock_report(s)


def spoil_blank(store, actor: Actor, key: str, reason: str):
    with store.session() as s:
        serial = stock.spoil_blank(s, actor, key, reason)
        return serial, stock.stock_report(s)


def lookup_licences(store, holder_code: str):
    from sync.licences import lookup_licences as lookup

    return lookup(store, holder_code)


def mark_exempt(store, case_id: str, holder_code: str, licences: tuple):
    """Mark the draft case's materials 免于提交 from the licences; (marking, the intake's
    CaseView) — the intake page shows the view as after any checklist change."""
    from hallclient.certificates.elicence import mark_exempt as mark
    from hallclient.intake.cases import local_today
    from ui.intake.jobs import case_view

    with store.session() as s:
        marking = mark(s, case_id, holder_code, licences, local_today())
    return marking, case_view(store, case_id)
