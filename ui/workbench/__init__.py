"""The workbench (工作台): one visit on one screen — the ticket on top from the call to the
end, the applicant, item, checklist, decision and documents below, the rating at the end;
fees and certificates as further steps of the same visit (their pages' `open_case`)."""


def make_workbench_page(mw):
    from ui.workbench.page import Workbench

    return Workbench(mw)
