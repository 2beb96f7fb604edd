"""系统 ▸ 校验审计记录…: the supervisor's (or admin's) check of the audit chain from the window,
the same check as `hallclient audit verify`."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from hallclient import audit
from hallclient.permissions import Action, require
from ui.ops import Op


def _verify(store, actor) -> audit.VerifyResult:
    require(actor, Action.VERIFY_AUDIT)
    with store.session() as s:
        return audit.verify(s)


def _show(mw, r: audit.VerifyResult) -> None:
    if r.ok:
        QMessageBox.information(mw, "审计记录", f"审计记录完整：已校验 {r.checked} 条，哈希链无断裂。")
    else:
        QMessageBox.critical(mw, "审计记录", f"审计记录被改动：{r.reason}。\n请保留现场并立即报告信息化人员。")


def install_audit_menu(mw) -> QAction:
    act = QAction("校验审计记录…", mw, objectName="verify_audit")
    act.triggered.connect(lambda: Op(mw, _verify, mw.store, mw.session.actor).success(lambda r: _show(mw, r)).run())
    mw.system_menu.insertAction(mw.quit_action, act)
    return act
