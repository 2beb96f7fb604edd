"""The window client's main window: pages for the clerk's work, a status bar, menus.

Pages are registered in `PAGES`; an entry whose factory is None is a page of a coming release,
shown disabled so the layout clerks learn now stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from ui.counter import connect_counter
from ui.crash import CrashGuard
from ui.devices import install_devices
from ui.fees import make_fees_page
from ui.intake import make_cases_page, make_intake_page
from ui.login import Session
from ui.queue.panel import queue_page
from ui.settings_dialog import SettingsDialog
from ui.sync_ui import install_sync


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    shortcut: str
    factory: Callable[["MainWindow"], QWidget] | None  # None: a page of a coming release
    roles: tuple[str, ...] = ("clerk", "supervisor", "admin")


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
    PageSpec("queue", "叫号", "Ctrl+2", queue_page),
    PageSpec("intake", "受理", "Ctrl+3", make_intake_page),
    PageSpec("cases", "办件查询", "Ctrl+4", make_cases_page),
    PageSpec("fees", "收费", "Ctrl+5", make_fees_page),
    PageSpec("certificates", "证照打印", "Ctrl+6", None),
    PageSpec("supervisor", "值班长", "Ctrl+7", None, roles=("supervisor", "admin")),
]


class MainWindow(QMainWindow):
    def __init__(self, ctx, session: Session):
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.session = session
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
        install_devices(self)
        connect_counter(self)
        install_sync(self)
        self.show_page("home")

    # -- layout -------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        bar = QToolBar("页面", objectName="pages_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        for spec in PAGES:
            act = QAction(spec.title, self, objectName=f"page_{spec.key}")
            act.setShortcut(QKeySequence(spec.shortcut))
            allowed = self.session.role in spec.roles
            if spec.factory is None or not allowed:
                act.setEnabled(False)
                act.setToolTip("将在后续版本提供" if spec.factory is None else "无权限")
            else:
                act.setToolTip(f"{spec.title}（{spec.shortcut}）")
                act.triggered.connect(lambda _=False, k=spec.key: self.show_page(k))
            bar.addAction(act)
            self.page_actions[spec.key] = act

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("系统(&S)")
        act = QAction("设置…", self, objectName="open_settings")
        act.triggered.connect(self.open_settings)
        act.setEnabled(self.session.role == Role.ADMIN.value or self.session.role == Role.SUPERVISOR.value)
        m.addAction(act)
        m.addSeparator()
        quit_act = QAction("退出", self)
        quit_act.setShortcut(QKeySequence("Ctrl+Q"))
        quit_act.triggered.connect(self.close)
        m.addAction(quit_act)
        self.devices_menu = self.menuBar().addMenu("设备(&D)")
        self.sync_menu = self.menuBar().addMenu("同步(&Y)")
        h = self.menuBar().addMenu("帮助(&H)")
        about = QAction("关于", self)
        about.triggered.connect(lambda: QMessageBox.about(self, "关于", f"政务服务窗口客户端 {__version__}"))
        h.addAction(about)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.status_user = QLabel(f"用户：{self.session.display_name}（{Role(self.session.role).label}）", objectName="status_user")
        self.status_window = QLabel(f"窗口：{self.session.window_name or '未选择'}", objectName="status_window")
        self.status_data = QLabel(f"数据目录：{self.ctx.data_dir.root}", objectName="status_data")
        for w in (self.status_user, self.status_window, self.status_data):
            sb.addWidget(w)

    # -- behaviour ----------------------------------------------------------------------------
    def show_page(self, key: str) -> QWidget | None:
        spec = next(p for p in PAGES if p.key == key)
        if spec.factory is None or self.session.role not in spec.roles:
            return None
        page = self.pages.get(key)
        if page is None:  # pages are built on first use: start-up stays fast
            page = spec.factory(self)
            page.setObjectName(f"page_widget_{key}")
            self.pages[key] = page
            self.stack.addWidget(page)
            if hasattr(page, "draft_state"):
                self.crash_guard.add(page)
        self.stack.setCurrentWidget(page)
        return page

    def offer_drafts(self, ask=None) -> None:
        """Work in progress saved before a crash is offered back (the launcher calls this once
        the window is shown)."""
        if self.crash_guard.drafts.load("intake", self.session.user_id):
            page = self.show_page("intake")
            if page is not None and not self.crash_guard.offer_restore(page, ask):
                self.show_page("home")

    def closeEvent(self, event) -> None:
        self.crash_guard.save_all()
        self.crash_guard.uninstall()
        super().closeEvent(event)

    def open_intake_for_ticket(self, ticket_no: str):
        """The queue panel called `ticket_no`: a clean intake form for that applicant."""
        page = self.show_page("intake")
        if page is not None:
            page.new_applicant(ticket_no)
        return page

    def open_fees(self, case_id: str):
        """The 收费 page for a case (from 受理 after acceptance, or from 办件查询)."""
        page = self.show_page("fees")
        if page is not None:
            page.open_case(case_id)
        return page

    def open_settings(self) -> None:
        SettingsDialog(self.store, self).exec()
