"""Decision buttons with their shortcuts, and the small forms some decisions need."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

# key, label; the key of each comes from ui.keymap (one table for the whole window). 受理 and
# 受理并办结 share F9: only the one that fits the item's case type is shown, and completing a
# 即办件 for good asks once.
ACTIONS = (
    ("new_applicant", "新申请"),
    ("accept", "受理"),
    ("accept_complete", "受理并办结（即办件）"),
    ("supplement", "一次性告知补正"),
    ("refuse", "不予受理"),
    ("resume", "继续办理"),
    ("withdraw", "撤回"),
    ("unresolved", "办不成事登记"),
    ("print", "打印"),
)
KEY_OF = {"accept_complete": "accept"}  # button -> keymap binding, where they differ
# "accept", "supplement" follow the checklist and "print" follows the documents the case was
# issued (set_state's arguments); "办不成事" can always be recorded, with or without a case:
# the typical one is an item the hall does not handle at all.
ENABLED = {
    "draft": {"accept", "supplement", "refuse", "withdraw"},
    "supplement": {"resume", "refuse", "withdraw"},
    "accepted": {"withdraw"},
    "completed": set(),
    "refused": set(),
    "withdrawn": set(),
}
ALWAYS = {"new_applicant", "unresolved"}


class DecisionBar(QWidget):
    """The decision buttons. `own_keys`: bind their keys here (the page used alone); in the main
    window the window-wide actions of ui.keymap call `press(key)` instead."""

    triggered = Signal(str)

    def __init__(self, parent=None, *, own_keys: bool = True):
        super().__init__(parent)
        from ui import keymap

        self.buttons: dict[str, QPushButton] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for key, label in ACTIONS:
            shortcut = keymap.key(KEY_OF.get(key, key))
            b = QPushButton(f"{label}（{shortcut}）", objectName=f"decide_{key}")
            b.clicked.connect(lambda _=False, k=key: self.triggered.emit(k))
            if own_keys and key not in KEY_OF:
                # A QShortcut acts at once (a button's own shortcut clicks 100 ms later,
                # animated), and only when its button is usable.
                sc = QShortcut(QKeySequence(shortcut), self)
                sc.activated.connect(lambda k=key: self.press(k))
            lay.addWidget(b)
            self.buttons[key] = b
        self.steps = QHBoxLayout()  # further steps of the visit (收费, 出证), added by the workbench
        lay.addLayout(self.steps)
        lay.addStretch(1)
        self.set_state(None, False, False)

    def press(self, key: str) -> bool:
        """The key of `key` was pressed: act when its button is usable (F9 stands for 受理 or
        受理并办结, whichever is shown). Returns whether something was triggered."""
        if key == "accept" and self.buttons["accept_complete"].isVisible():
            key = "accept_complete"
        b = self.buttons.get(key)
        if b is None or not (b.isEnabled() and b.isVisible()):
            return False
        self.triggered.emit(key)
        return True

    # kept for callers of the old name
    _shortcut = press

    def set_state(self, state: str | None, can_accept: bool, immediate: bool, *, can_supplement: bool = False,
                  can_print: bool = False) -> None:
        allowed = ENABLED.get(state or "", set()) | ALWAYS | ({"print"} if can_print else set())
        for key, b in self.buttons.items():
            on = key in allowed
            if key in ("accept", "accept_complete"):
                on = state == "draft" and can_accept and (key == "accept_complete") == immediate
            elif key == "supplement":
                on = on and (state != "draft" or can_supplement)
            b.setEnabled(on)
            b.setVisible(key != "accept_complete" or immediate)
            if key == "accept":
                b.setVisible(not immediate)

class TextFormDialog(QDialog):
    """A few required text fields; `values()` after accepted. Opened with open(), not exec(),
    so the page keeps running and tests can fill it like a clerk."""

    def __init__(self, title: str, fields: list[tuple[str, str, str]], parent=None, *, checks=None,
                 values: dict[str, str] | None = None, note: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for key, label, placeholder in fields:
            e = QLineEdit(objectName=f"form_{key}")
            e.setPlaceholderText(placeholder)
            form.addRow(label + " *", e)
            self.edits[key] = e
        for key, text in (values or {}).items():
            self.edits[key].setText(text)
        self.checks = checks or {}  # key -> fn(text) -> error message or ""
        self.note = QLabel(note, objectName="form_note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        self.message = QLabel(objectName="form_message")
        self.message.setStyleSheet("color: #b00020")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.note)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        keys = list(self.edits)
        for a, b in zip(keys, keys[1:]):
            self.edits[a].returnPressed.connect(self.edits[b].setFocus)
        self.edits[keys[-1]].returnPressed.connect(self._check)

    def _check(self) -> None:
        for key, e in self.edits.items():
            if not e.text().strip():
                label = self.layout().itemAt(0).layout().labelForField(e).text().rstrip(" *")
                self.message.setText(f"请填写“{label}”")
                e.setFocus()
                return
            error = self.checks[key](e.text().strip()) if key in self.checks else ""
            if error:
                self.message.setText(error)
                e.setFocus()
                e.selectAll()
                return
        self.accept()

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.edits.items()}


def refuse_dialog(parent) -> TextFormDialog:
    return TextFormDialog("不予受理", [
        ("reason", "不予受理理由", "如：申请事项不属于本机关职权范围"),
        ("authority", "应向何机关申请", "如：××区市场监督管理局"),
    ], parent)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def supplement_dialog(parent, default: date | None, today: date) -> TextFormDialog:
    """F10: the deadline printed on the notice, proposed from the working-day calendar."""
    def check(text: str) -> str:
        d = parse_day(text)
        if d is None:
            return "补正期限的格式应为 YYYY-MM-DD，如 2026-10-15"
        if d <= today:
            return "补正期限应晚于今天"
        return ""

    from hallclient.intake.cases import SUPPLEMENT_WORKING_DAYS

    note = (f"已按工作日日历预填 {SUPPLEMENT_WORKING_DAYS} 个工作日后的日期，回车确认或修改。" if default
            else "本年度节假日安排未同步，无法自动计算，请填写补正期限。")
    return TextFormDialog("一次性告知补正", [("deadline", "补正期限", "YYYY-MM-DD")], parent,
                          checks={"deadline": check}, values={"deadline": default.isoformat() if default else ""},
                          note=note)


def unresolved_dialog(parent) -> TextFormDialog:
    return TextFormDialog("办不成事登记", [("reason", "办不成的原因", "如：跨省业务本地暂不能办理")], parent)


def withdraw_dialog(parent) -> TextFormDialog:
    return TextFormDialog("撤回申请", [("reason", "撤回原因", "申请人申请撤回")], parent)
