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

# key, label, shortcut; the states in which each is offered
ACTIONS = (
    ("next", "下一位", "F2"),
    ("accept", "受理", "F9"),
    ("accept_complete", "受理并办结（即办件）", "F8"),
    ("supplement", "一次性告知补正", "F10"),
    ("refuse", "不予受理", "F6"),
    ("resume", "继续办理", "F7"),
    ("withdraw", "撤回", "Ctrl+W"),
    ("unresolved", "办不成事登记", "F12"),
    ("print", "打印", "Ctrl+P"),
)
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
ALWAYS = {"next", "unresolved"}


class DecisionBar(QWidget):
    triggered = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.buttons: dict[str, QPushButton] = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for key, label, shortcut in ACTIONS:
            b = QPushButton(f"{label}（{shortcut}）", objectName=f"decide_{key}")
            b.clicked.connect(lambda _=False, k=key: self.triggered.emit(k))
            # A QShortcut acts at once (a button's own shortcut clicks 100 ms later, animated),
            # and only when its button is usable.
            sc = QShortcut(QKeySequence(shortcut), self)
            sc.activated.connect(lambda k=key: self._shortcut(k))
            lay.addWidget(b)
            self.buttons[key] = b
        lay.addStretch(1)
        self.set_state(None, False, False)

    def _shortcut(self, key: str) -> None:
        b = self.buttons[key]
        if b.isEnabled() and b.isVisible():
            self.triggered.emit(key)

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
