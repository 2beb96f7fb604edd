"""What happens on an unexpected error in the window client, and the work it must not lose.

An exception that reaches Qt's event loop (a bug in a slot) does not end the program: the
traceback goes to the log, every page that holds work in progress saves it, and the clerk
sees one calm message. Pages with work in progress implement `DraftSource`; the main window
also saves them a few seconds after a change, so even a hard crash (power, kill) loses at
most that much, and offers a saved draft back on the next start.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from hallclient.drafts import DraftStore

log = logging.getLogger(__name__)

AUTOSAVE_MS = 3000
CRASH_TEXT = (
    "程序遇到了一个意外错误，刚才的操作可能没有完成。\n\n"
    "您正在录入的内容已经保存，不会丢失；如果需要重新启动程序，启动后会提示恢复。\n"
    "错误详情已记录在日志中，请告知信息技术人员。"
)


class DraftSource(Protocol):
    draft_kind: str

    def draft_state(self) -> dict | None: ...  # None: nothing worth keeping

    def restore_draft(self, state: dict) -> None: ...


class CrashGuard(QObject):
    """Installed once per main window: autosave of drafts, the excepthook, the offer to restore."""

    def __init__(self, window: QWidget, drafts: DraftStore, user_id: int):
        super().__init__(window)
        self.window, self.drafts, self.user_id = window, drafts, user_id
        self.sources: list[DraftSource] = []
        self._last: dict[str, str] = {}
        self.timer = QTimer(self, interval=AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_all)
        self.timer.start()
        self._previous_hook = sys.excepthook
        sys.excepthook = self._excepthook
        self.showing = False

    def add(self, source: DraftSource) -> None:
        self.sources.append(source)

    def save_all(self) -> None:
        import json

        for src in self.sources:
            try:
                state = src.draft_state()
                key = json.dumps(state, sort_keys=True, ensure_ascii=False, default=str)
                if self._last.get(src.draft_kind) == key:
                    continue
                if state is None:
                    self.drafts.clear(src.draft_kind, self.user_id)
                else:
                    self.drafts.save(src.draft_kind, self.user_id, state)
                self._last[src.draft_kind] = key
            except Exception:  # noqa: BLE001 - saving drafts must never itself crash the window
                log.exception("saving the draft of %s failed", getattr(src, "draft_kind", "?"))

    def offer_restore(self, source: DraftSource, ask=None) -> bool:
        """Offer the saved draft of `source` back; returns whether it was restored."""
        state = self.drafts.load(source.draft_kind, self.user_id)
        if not state:
            return False
        summary = state.get("summary") or "未完成的录入"
        ask = ask or (lambda text: QMessageBox.question(self.window, "恢复未完成的工作", text)
                      == QMessageBox.StandardButton.Yes)
        if ask(f"上次关闭前有未完成的录入：{summary}。\n是否恢复？"):
            source.restore_draft(state)
            return True
        self.drafts.clear(source.draft_kind, self.user_id)
        return False

    def _excepthook(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return self._previous_hook(exc_type, exc, tb)
        log.critical("unexpected error: %s", "".join(traceback.format_exception(exc_type, exc, tb)))
        self._last.clear()  # save whatever is on screen now
        self.save_all()
        if threading.current_thread() is threading.main_thread() and not self.showing:
            self.showing = True
            try:
                box = QMessageBox(QMessageBox.Icon.Warning, "意外错误", CRASH_TEXT, parent=self.window)
                box.setObjectName("crash_dialog")
                box.open()  # not exec(): an error inside a nested loop must not stack dialogs
                box.finished.connect(lambda *_: setattr(self, "showing", False))
            except Exception:  # noqa: BLE001
                self.showing = False

    def uninstall(self) -> None:
        self.timer.stop()
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._previous_hook
