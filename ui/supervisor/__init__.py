"""The supervisor's page (值班长, Ctrl+7): the hall's day reviewed offline.

Imported on first use so the main window starts fast.
"""


def make_supervisor_page(mw):
    from ui.supervisor.page import SupervisorPage

    page = SupervisorPage(mw.store, mw.session, status_bar=mw.statusBar())
    sync = getattr(mw, "sync_controller", None)
    if sync is not None:  # a finished sync brings new hall data: show it
        sync.bridge.status.connect(page.sync_status_changed)
    return page
