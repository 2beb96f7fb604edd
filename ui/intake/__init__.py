"""The intake page (受理) and the case list (办件查询) of the window client.

The page factories import their modules on first use, so the main window starts fast.
"""


def make_intake_page(mw):
    from ui.intake.page import IntakePage

    return IntakePage(mw.store, mw.session)


def make_cases_page(mw):
    from ui.intake.cases_page import CasesPage

    page = CasesPage(mw.store, mw.session)
    page.certificate_requested.connect(lambda case_id: mw.show_page("certificates").open_case(case_id))
    return page
