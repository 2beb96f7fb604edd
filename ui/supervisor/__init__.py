"""The supervisor's page (值班长, Ctrl+7): the hall's day reviewed offline.

Imported on first use so the main window starts fast.
"""


def make_supervisor_page(mw):
    from ui.supervisor.page import SupervisorPage

    return SupervisorPage(mw.store, mw.session, status_bar=mw.statusBar())
