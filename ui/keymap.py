"""The one table of the window client's keyboard shortcuts.

Every key of the main window is declared here once, with what it does in the clerk's words.
Window-wide keys are installed as actions on the main window (`install`), so they work from
the moment the window opens, whatever has focus; the help overlay (Ctrl+/) and docs/keymap.md
show this same table; tests/workbench/test_keymap.py walks every QAction and QShortcut of the
main window and fails when a key is bound twice.

Keys are grouped the way a visit runs: calling (F1–F8: the ticket), deciding (F9–F12: the
case), documents, pages (Ctrl+digit), system. A key never means two things on two pages: the
intake decisions once shared F2/F6/F7/F8 with the calling keys, and F8 pressed out of habit
completed a 即办件 for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Binding:
    id: str
    key: str  # QKeySequence text, portable form
    label: str  # what it does, as the clerk reads it
    group: str
    window_wide: bool = True  # False: a key of one widget only (table letters, dialogs)


KEYMAP: tuple[Binding, ...] = (
    # -- the ticket: calling and ending a visit
    Binding("call_next", "F1", "叫下一位", "叫号"),
    Binding("call_specific", "Shift+F1", "叫指定号码", "叫号"),
    Binding("recall", "F2", "重呼当前号", "叫号"),
    Binding("no_show", "F3", "过号（未到）", "叫号"),
    Binding("transfer", "F4", "转移到其他队列或窗口", "叫号"),
    Binding("park", "F5", "挂起当前号", "叫号"),
    Binding("call_back", "F6", "回呼挂起的号", "叫号"),
    Binding("pause", "F7", "暂停 / 恢复窗口", "叫号"),
    Binding("end", "F8", "结束办理，请申请人评价", "叫号"),
    # -- the case: checking and deciding
    Binding("new_applicant", "Ctrl+N", "同一号内办理新的申请（清空表单，保留当前号）", "受理"),
    Binding("receive_all", "Ctrl+R", "必交材料全部已收", "受理"),
    Binding("accept", "F9", "受理（即办件：受理并办结，确认一次）", "受理"),
    Binding("supplement", "F10", "一次性告知补正", "受理"),
    Binding("resume", "Shift+F10", "补正材料已交齐，继续办理", "受理"),
    Binding("refuse", "F11", "不予受理（填写理由）", "受理"),
    Binding("unresolved", "F12", "办不成事登记", "受理"),
    Binding("withdraw", "Ctrl+W", "申请人撤回（填写原因）", "受理"),
    # -- documents
    Binding("print", "Ctrl+P", "打印当前文书（再按打印下一份）", "文书"),
    # -- pages (the keys of fees, certificates and supervisor are reserved for their pages)
    Binding("page_home", "Ctrl+1", "首页", "页面"),
    Binding("page_workbench", "Ctrl+2", "工作台（叫号与受理）", "页面"),
    Binding("page_cases", "Ctrl+3", "办件查询", "页面"),
    Binding("page_calendar", "Ctrl+4", "节假日安排", "页面"),
    Binding("page_fees", "Ctrl+5", "收费（当前办件）", "页面"),
    Binding("page_certificates", "Ctrl+6", "证照打印（当前办件）", "页面"),
    Binding("page_supervisor", "Ctrl+7", "值班长", "页面"),
    Binding("cases_today", "Ctrl+T", "办件查询：今日办件", "页面"),
    # -- system
    Binding("help", "Ctrl+/", "快捷键一览", "系统"),
    Binding("sync_now", "Ctrl+Shift+Y", "立即同步", "系统"),
    Binding("lock", "Ctrl+L", "锁屏", "系统"),
    Binding("quit", "Ctrl+Q", "退出", "系统"),
    # -- keys of one widget (not window-wide): listed for the help overlay and docs
    Binding("row_received", "R", "材料表格：已收", "材料核验（表格内）", False),
    Binding("row_missing", "M", "材料表格：缺少", "材料核验（表格内）", False),
    Binding("row_defective", "D", "材料表格：不符合要求（填原因）", "材料核验（表格内）", False),
    Binding("row_gap", "G", "材料表格：容缺（填承诺日期）", "材料核验（表格内）", False),
    Binding("row_exempt", "E", "材料表格：免提交（填电子证照编号）", "材料核验（表格内）", False),
    Binding("row_na", "N", "材料表格：不适用", "材料核验（表格内）", False),
    Binding("row_counts", "C", "材料表格：实收份数", "材料核验（表格内）", False),
    Binding("rate", "1…5", "评价窗口：选择评价等级，回车提交", "评价窗口", False),
    # -- mnemonics of the certificate page's buttons (Alt+letter; active while the page shows)
    Binding("cert_print", "Alt+P", "证照打印：打印 / 补打", "证照打印（本页）", False),
    Binding("cert_spoil", "Alt+V", "证照打印：作废已打印的证书", "证照打印（本页）", False),
    Binding("cert_calibrate", "Alt+C", "证照打印：校准", "证照打印（本页）", False),
    Binding("cert_stock", "Alt+S", "证照打印：空白证书管理", "证照打印（本页）", False),
    Binding("cert_save_fields", "Alt+F", "证照打印：保存字段", "证照打印（本页）", False),
    Binding("cert_handover", "Alt+H", "证照打印：出件（窗口领取）", "证照打印（本页）", False),
    Binding("cert_mail", "Alt+M", "证照打印：寄递", "证照打印（本页）", False),
    Binding("cert_receipt", "Alt+D", "证照打印：打印送达回证", "证照打印（本页）", False),
    Binding("cases_certificate", "Alt+Z", "办件查询：打开所选办件的证照与出件", "办件查询（本页）", False),
)

BY_ID: dict[str, Binding] = {b.id: b for b in KEYMAP}


def key(binding_id: str) -> str:
    """The key of a binding, e.g. key("accept") == "F9" (KeyError for an unknown id)."""
    return BY_ID[binding_id].key


def label_with_key(binding_id: str, label: str | None = None) -> str:
    """Button text such as "受理（F9）"."""
    b = BY_ID[binding_id]
    return f"{label or b.label}（{b.key}）"


def install(window, binding_id: str, slot: Callable[[], None], *, menu=None, text: str | None = None):
    """A window-wide action for `binding_id` on `window` (a QMainWindow): its key works from
    any child widget that has focus. Returns the QAction."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction, QKeySequence

    b = BY_ID[binding_id]
    if not b.window_wide:
        raise ValueError(f"{binding_id} is not a window-wide key")
    act = QAction(text or b.label, window, objectName=f"key_{binding_id}")
    act.setShortcut(QKeySequence(b.key))
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    act.triggered.connect(lambda _checked=False: slot())
    window.addAction(act)  # on the window itself: works even while the menu is never opened
    if menu is not None:
        menu.addAction(act)
    return act


def help_html() -> str:
    """The table as the help overlay shows it."""
    groups: dict[str, list[Binding]] = {}
    for b in KEYMAP:
        groups.setdefault(b.group, []).append(b)
    parts = []
    for group, items in groups.items():
        rows = "".join(f"<tr><td style='padding-right:18px'><b>{b.key}</b></td><td>{b.label}</td></tr>" for b in items)
        parts.append(f"<h3 style='margin:6px 0 2px 0'>{group}</h3><table>{rows}</table>")
    return "".join(parts)


def markdown() -> str:
    """docs/keymap.md's table (kept in step by a test)."""
    lines = ["| 键 | 作用 | 分组 | 范围 |", "|---|---|---|---|"]
    for b in KEYMAP:
        lines.append(f"| `{b.key}` | {b.label} | {b.group} | {'整个窗口' if b.window_wide else '所在控件'} |")
    return "\n".join(lines) + "\n"
