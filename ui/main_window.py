"""The window client's main window: pages for the clerk's work, a status bar, menus.

Pages are registered in `PAGES`; an entry whose factory is None is a page of a coming release,
shown disabled so the layout clerks learn now stays the same.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
    QVBoxLayout,
)

from hallclient import __version__
from hallclient.accounts import Role
from hallclient.drafts import DraftStore
from hallclient.permissions import Action, allowed
from ui import keymap
from ui.certificates import make_certificates_page
from ui.counter import connect_counter
from ui.crash import CrashGuard
from ui.devices import install_devices
from ui.fees import make_fees_page
from ui.heap import settle_heap
from ui.intake import make_cases_page
from ui.login import Session
from ui.ops import Op
from ui.settings_dialog import SettingsDialog
from ui.supervisor import make_supervisor_page
from ui.sync_ui import install_sync
from ui.workbench import make_workbench_page
from ui.workbench.calendar_page import make_calendar_page


@dataclass(frozen=True)
class PageDeps:
    """What a page may use, passed in typed (CONVENTIONS habit 7). A page factory still takes
    the main window (`factory(mw)`) and finds these as `mw.deps` (also `mw.store`, `mw.ctx`,
    `mw.session`)."""

    store: object
    ctx: object
    session: Session


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    shortcut: str
    factory: Callable[["MainWindow"], QWidget] | None  # None: a page of a coming release
    roles: tuple[str, ...] = ("clerk", "supervisor", "admin")
    action: Action | None = None  # when set, the permission matrix decides who sees the page

    def open_to(self, role: str) -> bool:
        return allowed(role, self.action) if self.action is not None else role in self.roles


def _home(mw: "MainWindow") -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    label = QLabel(
        f"<h2>{mw.session.hall_name}</h2><p>{mw.session.window_name or '未选择窗口'} · {mw.session.display_name}</p>"
        f"<p>按 Ctrl+1…Ctrl+{len(PAGES)} 切换页面。</p>"
    )
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lay.addWidget(label)
    return w


PAGES: list[PageSpec] = [
    PageSpec("home", "首页", "Ctrl+1", _home),
    PageSpec("workbench", "工作台", "Ctrl+2", make_workbench_page, action=Action.SERVE_VISIT),
    PageSpec("cases", "办件查询", "Ctrl+3", make_cases_page),
    PageSpec("calendar", "节假日安排", "Ctrl+4", make_calendar_page, roles=("supervisor", "admin")),
    PageSpec("fees", "收费", "Ctrl+5", make_fees_page, action=Action.TAKE_FEE),
    PageSpec("certificates", "证照打印", "Ctrl+6", make_certificates_page, action=Action.PRINT_CERTIFICATE),
    PageSpec("supervisor", "值班长", "Ctrl+7", make_supervisor_page, roles=("supervisor", "admin"), action=Action.SUPERVISE),
]


def _prune_audit(store) -> int:
    from hallclient import audit, settings

    with store.session() as s:
        return audit.prune(s, settings.get(s, settings.AUDIT_RETENTION_DAYS))


def _sign_out(store, actor, window_code: str) -> None:
    from hallclient import signin

    with store.session() as s:
        signin.sign_out(s, actor, window_code=window_code)


class MainWindow(QMainWindow):
    def __init__(self, ctx, session: Session):
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.session = session
        # From here on every write goes through Op(..., writer=True): one written on this
        # thread would freeze the window while the sync worker holds the writer.
        self.store.writer.forbid_thread(threading.current_thread())
        self.deps = PageDeps(ctx.store, ctx, session)
        self.setWindowTitle(f"政务服务窗口客户端 {__version__} — {session.hall_name} {session.window_name}")
        self.resize(1280, 800)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.pages: dict[str, QWidget] = {}
        # Before the pages: a page that holds work in progress registers with the guard.
        self.crash_guard = CrashGuard(self, DraftStore(ctx.data_dir.root), session.user_id)
        self.page_actions: dict[str, QAction] = {}
        self._build_pages()
        self._build_menus()
        self._build_status_bar()
        self._build_visit_keys()
        install_devices(self)
        connect_counter(self)
        install_sync(self)
        from ui.audit_ui import install_audit_menu
        from ui.lock import WindowLock
        from ui.password import install_password_menu

        self.window_lock = WindowLock(self)
        self.system_menu.insertAction(self.quit_action, self.window_lock.action)
        install_password_menu(self)
        self.audit_action = install_audit_menu(self)
        # Audit records past their retention go at start (never younger than 183 days).
        Op(None, _prune_audit, self.store, writer=True) \
            .failure(lambda e: logging.getLogger(__name__).warning("audit prune failed: %s", e)).run()
        self.apply_role()
        # A clerk at a window starts at the workbench: F1 calls at once.
        self.show_page("workbench" if session.window_id and self.page_available("workbench") else "home")
        settle_heap()

    # -- layout -------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        bar = QToolBar("页面", objectName="pages_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        for spec in PAGES:
            act = QAction(spec.title, self, objectName=f"page_{spec.key}")
            act.setShortcut(QKeySequence(spec.shortcut))
            if spec.factory is not None:  # enabled or not by the role: apply_role
                act.triggered.connect(lambda _=False, k=spec.key: self.open_step(k))
            bar.addAction(act)
            self.page_actions[spec.key] = act

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("系统(&S)")
        self.system_menu = m
        act = QAction("设置…", self, objectName="open_settings")
        act.triggered.connect(self.open_settings)
        self.settings_action = act
        m.addAction(act)
        m.addSeparator()
        quit_act = QAction("退出", self)
        self.quit_action = quit_act
        quit_act.setShortcut(QKeySequence("Ctrl+Q"))
        quit_act.triggered.connect(self.close)
        m.addAction(quit_act)
        self.devices_menu = self.menuBar().addMenu("设备(&D)")
        self.sync_menu = self.menuBar().addMenu("同步(&Y)")
        h = self.menuBar().addMenu("帮助(&H)")
        keymap.install(self, "help", self.show_key_help, menu=h, text="快捷键一览")
        about = QAction("关于", self)
        about.triggered.connect(lambda: QMessageBox.about(self, "关于", f"政务服务窗口客户端 {__version__}"))
        h.addAction(about)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.status_user = QLabel(f"用户：{self.session.display_name}（{Role(self.session.role).label}）", objectName="status_user")
        self.status_window = QLabel(f"窗口：{self.session.window_name or '未选择'}", objectName="status_window")
        # Where the data lives is for the IT staff, not for the clerk's status bar.
        self.status_data = QLabel(f"数据目录：{self.ctx.data_dir.root}" if self.session.role == Role.ADMIN.value else "",
                                  objectName="status_data")
        self.status_data.setToolTip(f"数据目录：{self.ctx.data_dir.root}")
        for w in (self.status_user, self.status_window, self.status_data):
            sb.addWidget(w)

    def _build_visit_keys(self) -> None:
        """The keys of the visit (calling, deciding, printing, ending) as window-wide actions:
        they work from the moment the window opens, whatever has focus."""
        from ui.workbench.page import DECISION_KEYS, QUEUE_KEYS

        self.visit_actions = {}
        for bid in (*QUEUE_KEYS, "call_specific", "end", "receive_all", *DECISION_KEYS):
            self.visit_actions[bid] = keymap.install(self, bid, lambda b=bid: self.visit_key(b))
        keymap.install(self, "cases_today", self._cases_today)

    # -- roles, users ---------------------------------------------------------------------------
    def apply_role(self) -> None:
        """Enable what the logged-in role may do (the permission matrix), disable the rest.
        The core checks again whatever the UI shows."""
        role = self.session.role
        for spec in PAGES:
            act = self.page_actions[spec.key]
            ok = spec.factory is not None and spec.open_to(role)
            act.setEnabled(ok)
            act.setToolTip("将在后续版本提供" if spec.factory is None else
                           (f"{spec.title}（{spec.shortcut}）" if ok else "无权限"))
        self.settings_action.setEnabled(allowed(role, Action.CHANGE_SETTINGS))
        self.audit_action.setEnabled(allowed(role, Action.VERIFY_AUDIT))
        dev = self.findChild(QAction, "open_device_settings")
        if dev is not None:
            dev.setEnabled(allowed(role, Action.MANAGE_DEVICES))
        self.status_user.setText(f"用户：{self.session.display_name}（{Role(role).label}）")

    def switch_user(self, session: Session) -> None:
        """A supervisor took the locked window over: from now on they are the one working.
        Pages built so far keep their state (work in progress) and act as the new user."""
        self.session = session
        self.deps = replace(self.deps, session=session)
        self.crash_guard.user_id = session.user_id
        for page in {id(p): p for p in self.pages.values()}.values():
            if hasattr(page, "session"):
                page.session = session
            # What a page keeps of the user (who prints, who is rated, who charges) follows.
            if callable(getattr(page, "user_switched", None)):
                page.user_switched(session)
        self.setWindowTitle(f"政务服务窗口客户端 {__version__} — {session.hall_name} {session.window_name}")

    # -- behaviour ----------------------------------------------------------------------------
    def page_available(self, key: str) -> bool:
        spec = next((p for p in PAGES if p.key == key), None)
        return spec is not None and spec.factory is not None and spec.open_to(self.session.role)

    def visit_key(self, binding_id: str) -> None:
        """A key of the visit: the workbench comes to the front and acts on it."""
        wb = self.show_page("workbench")
        if wb is not None:
            wb.press(binding_id)

    def open_step(self, key: str):
        """Show page `key`; a page of a visit's step (收费, 证照) that has `open_case` gets the
        visit's current case. Ctrl+2 (or `return_to_visit`) goes back to the visit."""
        wb = self.pages.get("workbench")
        page = self.show_page(key)
        case_id = wb.visit_case_id() if wb is not None and key != "workbench" else None
        if page is not None and case_id and callable(getattr(page, "open_case", None)):
            page.open_case(case_id)
            self.statusBar().showMessage("办完后按 Ctrl+2 回到工作台继续本次办理", 10000)
        return page

    def return_to_visit(self):
        """For the step pages: back to the workbench, the visit as it was."""
        return self.show_page("workbench")

    def show_key_help(self) -> None:
        from ui.workbench.help import KeyHelp

        if getattr(self, "key_help", None) is None:
            self.key_help = KeyHelp(self)
        self.key_help.show()
        self.key_help.raise_()

    def _cases_today(self) -> None:
        page = self.show_page("cases")
        if page is not None and hasattr(page, "today_button"):
            page.today_button.click()

    #: Older names of what the workbench now holds: the queue strip and the intake part.
    ALIASES = {"queue": ("workbench", "ticket_panel"), "intake": ("workbench", "intake")}

    def show_page(self, key: str) -> QWidget | None:
        if key in self.ALIASES:
            host, part = self.ALIASES[key]
            page = self.show_page(host)
            return getattr(page, part) if page is not None else None
        spec = next(p for p in PAGES if p.key == key)
        if spec.factory is None or not spec.open_to(self.session.role):
            return None
        if getattr(self, "window_lock", None) is not None and self.window_lock.locked:
            return None  # nothing opens behind the lock (a card read, a scanned code)
        page = self.pages.get(key)
        if page is None:  # pages are built on first use: start-up stays fast
            page = spec.factory(self)
            page.setObjectName(f"page_widget_{key}")
            self.pages[key] = page
            self.stack.addWidget(page)
            for alias, (host, part) in self.ALIASES.items():
                if host == key:
                    self.pages[alias] = getattr(page, part)
            # Work in progress is kept across a crash: the page itself, or the intake part of
            # the workbench.
            for part in (page, getattr(page, "intake", None)):
                if part is not None and hasattr(part, "draft_state"):
                    self.crash_guard.add(part)
        self.stack.setCurrentWidget(page)
        return page

    def offer_drafts(self, ask=None) -> None:
        """Work in progress saved before a crash is offered back (the launcher calls this once
        the window is shown)."""
        if self.crash_guard.drafts.load("intake", self.session.user_id):
            page = self.show_page("intake")
            if page is not None and not self.crash_guard.offer_restore(page, ask):
                self.show_page("workbench")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.crash_guard.save_all()
        self.crash_guard.uninstall()
        lock = getattr(self, "window_lock", None)
        if lock is not None:
            lock.close()
        if not getattr(self, "_signed_out", False):
            self._signed_out = True
            # On the writer like every write; the launcher waits for it before the store closes.
            Op(None, _sign_out, self.store, self.session.actor, self.session.window_code, writer=True) \
                .failure(lambda e: logging.getLogger(__name__).warning("logout not audited: %s", e)).run()
        super().closeEvent(event)

    def open_intake_for_ticket(self, ticket_no: str):
        """`ticket_no` was called: a new visit on the workbench; returns its intake part."""
        wb = self.show_page("workbench")
        if wb is None:
            return None
        wb.open_intake_for_ticket(ticket_no)
        return wb.intake

    def current_page_key(self) -> str | None:
        w = self.stack.currentWidget()
        return next((k for k, p in self.pages.items() if p is w), None)

    def open_fees(self, case_id: str):
        """The 收费 page for a case (from 受理 after acceptance, or from 办件查询)."""
        page = self.show_page("fees")
        if page is not None:
            page.open_case(case_id)
        return page

    def open_settings(self) -> None:
        SettingsDialog(self.store, self, actor=self.session.actor).exec()
