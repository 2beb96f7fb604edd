"""The 收费 page (fees at the window). The factory imports the page on first use."""


def make_fees_page(mw):
    from ui.fees.page import FeesPage

    return FeesPage(mw.store, mw.session, mw)
