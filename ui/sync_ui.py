"""Sync in the main window: a status indicator in the status bar, "立即同步", and the list of
records the central server rejected, with reasons.

The sync worker (sync.worker.SyncWorker) runs on its own thread; its status reaches the UI
thread through a Qt signal, as plain data. `install_sync(main_window)` is the one call the
main window makes; with no server configured it shows "未配置" and starts nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from hallclient import settings
from sync.engine import RejectedItem, counts, load_state, rejected_items, requeue, server_url
from sync.worker import SyncStatus, SyncWorker
from ui.ops import Op

log = logging.getLogger(__name__)

KIND_LABELS = {"case.event": "办件事件", "rating": "评价", "unresolved": "办不成事", "print": "打印记录"}


class _Bridge(QObject):
    status = Signal(object)  # SyncStatus, emitted on the worker thread, delivered on the UI thread


def _local_time(dt) -> str:
    return dt.astimezone().strftime("%m-%d %H:%M") if dt else "—"


def status_text(st: SyncStatus) -> str:
    if not st.configured:
        return "同步：未配置"
    if st.running:
        state = "同步中…"
    elif st.online is None:
        state = "未连接"
    else:
        state = "在线" if st.online else "离线"
    parts = [f"同步：{state}", f"待同步 {st.pending}", f"上次成功 {_local_time(st.last_success)}"]
    if st.rejected:
        parts.append(f"被拒收 {st.rejected}")
    if st.last_error and not st.running:
        # The error itself (an address, an exception) is in the tooltip and the log; the bar
        # says what it means for the clerk.
        parts.append("上次同步未成功，将自动重试，办件照常进行")
    return " · ".join(parts)


class SyncController(QObject):
    def __init__(self, mw):
        super().__init__(mw)
        self.mw = mw
        self.store = mw.store
        self.worker: SyncWorker | None = None
        self.bridge = _Bridge(self)
        self.bridge.status.connect(self.show_status)
        self.label = QLabel("同步：…", objectName="sync_status")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        mw.statusBar().addPermanentWidget(self.label)
        self.act_now = QAction("立即同步", mw, objectName="sync_now")
        self.act_now.setShortcut("Ctrl+Shift+Y")  # F-keys belong to the pages (F9 受理)
        self.act_now.triggered.connect(self.sync_now)
        self.act_rejected = QAction("被拒收的记录…", mw, objectName="sync_rejected")
        self.act_rejected.triggered.connect(self.open_rejected)
        mw.sync_menu.addAction(self.act_now)
        mw.sync_menu.addAction(self.act_rejected)
        Op(self, self._initial_status).success(self._start_if_configured).run()

    # -- worker -------------------------------------------------------------------------------
    def _initial_status(self) -> tuple[SyncStatus, int]:
        st, c, url = load_state(self.store), counts(self.store), server_url(self.store)
        with self.store.read() as s:
            interval = settings.get(s, settings.SYNC_INTERVAL_S)
        status = SyncStatus(bool(url and st.token), None, False, c.pending, c.rejected, st.last_success_at, st.last_error, None, url)
        return status, interval

    def _start_if_configured(self, result) -> None:
        status, interval = result
        self.show_status(status)
        if status.configured and self.worker is None:
            self.worker = SyncWorker(self.store, interval_s=interval)
            self.worker.add_listener(self.bridge.status.emit)
            # Registered as a service: closed (joined) when the data directory closes.
            self.mw.ctx.services["sync"] = self.worker
            self.worker.start()

    def sync_now(self) -> None:
        if self.worker is not None:
            self.worker.sync_now()
            return
        # Perhaps configured since start-up (settings dialog or `hallclient sync register`).
        def started(result) -> None:
            self._start_if_configured(result)
            if self.worker is None:
                QMessageBox.information(
                    self.mw, "立即同步", "本机尚未连接中心服务器，暂时不能同步。办件照常进行，数据保存在本机；请联系信息技术人员完成本机注册。"
                )

        Op(self, self._initial_status).success(started).run()

    def show_status(self, st: SyncStatus) -> None:
        self.status = st
        self.label.setText(status_text(st))
        tip = [f"服务器：{st.server_url or '未配置'}"]
        if st.last_error:
            tip.append(f"最近错误：{st.last_error}")
        if st.next_attempt_in_s:
            tip.append(f"下次尝试：约 {int(st.next_attempt_in_s)} 秒后")
        self.label.setToolTip("\n".join(tip))
        color = "#b71c1c" if st.configured and st.online is False else ("#e65100" if st.rejected else "")
        self.label.setStyleSheet(f"color: {color};" if color else "")

    # -- rejected items -----------------------------------------------------------------------
    def open_rejected(self) -> "RejectedDialog":
        dlg = RejectedDialog(self, self.mw)
        dlg.show()
        return dlg


class RejectedDialog(QDialog):
    """Records the server refused, with its reason; a supervisor can submit them again once
    the cause is fixed."""

    COLUMNS = ("序号", "类型", "办件编号", "记录时间", "拒收原因")

    def __init__(self, controller: SyncController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("sync_rejected_dialog")
        self.setWindowTitle("被中心服务器拒收的记录")
        self.resize(900, 420)
        lay = QVBoxLayout(self)
        self.info = QLabel("正在读取…", objectName="rejected_info")
        lay.addWidget(self.info)
        self.table = QTableWidget(0, len(self.COLUMNS), objectName="rejected_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        lay.addWidget(self.table)
        buttons = QDialogButtonBox()
        self.btn_retry = QPushButton("重新提交所选", objectName="rejected_retry")
        self.btn_retry.clicked.connect(self.retry_selected)
        buttons.addButton(self.btn_retry, QDialogButtonBox.ButtonRole.ActionRole)
        close = QPushButton("关闭", objectName="rejected_close")
        close.clicked.connect(self.reject)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        lay.addWidget(buttons)
        self.items: list[RejectedItem] = []
        self.reload()

    def reload(self) -> None:
        Op(self, rejected_items, self.controller.store).success(self._fill).run()

    def _fill(self, items: list[RejectedItem]) -> None:
        self.items = items
        self.table.setRowCount(len(items))
        for row, it in enumerate(items):
            from datetime import datetime

            when = datetime.fromisoformat(it.created_at).astimezone().strftime("%Y-%m-%d %H:%M")
            for col, text in enumerate((str(it.id), KIND_LABELS.get(it.kind, it.kind), it.case_no or "—", when, it.reason)):
                cell = QTableWidgetItem(text)
                if col == 4:
                    cell.setToolTip(text)
                self.table.setItem(row, col, cell)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.info.setText(
            f"共 {len(items)} 条记录被拒收，其后的记录不受影响、照常同步。请按原因处理后“重新提交所选”，或联系值班长。"
            if items
            else "没有被拒收的记录。"
        )
        self.btn_retry.setEnabled(bool(items))

    def retry_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        ids = [self.items[r].id for r in rows]
        if not ids:
            QMessageBox.information(self, "重新提交", "请先选择要重新提交的记录。")
            return

        def done(n: int) -> None:
            self.reload()
            self.controller.sync_now()

        Op(self, requeue, self.controller.store, ids, writer=True).success(done).run()


def install_sync(mw) -> SyncController:
    """Add the sync indicator and menu to the main window (the one call MainWindow makes)."""
    mw.sync_controller = SyncController(mw)
    return mw.sync_controller
