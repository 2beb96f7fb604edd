"""An on-screen keypad for the kiosk: touch-only entry of appointment codes, ID numbers and
ticket numbers (no physical keyboard at a kiosk)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

KEYS = (
    ("1", "2", "3", "A", "B"),
    ("4", "5", "6", "C", "D"),
    ("7", "8", "9", "E", "X"),
    ("清空", "0", "退格", "F", "G"),
)


class Keypad(QWidget):
    """Types into the field last touched (`target`); big keys for fingers."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("keypad")
        self.target: QLineEdit | None = None
        self._fields: list[QLineEdit] = []
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setSpacing(8)
        for r, row in enumerate(KEYS):
            for c, k in enumerate(row):
                b = QPushButton(k, objectName=f"key_{k}")
                b.setMinimumSize(72, 64)
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the cursor
                b.setStyleSheet("font-size: 22pt; background: white; border: 1px solid #9aa8bd; border-radius: 8px")
                b.clicked.connect(lambda _=False, key=k: self.press(key))
                grid.addWidget(b, r, c)
                self.keys[k] = b

    def attach(self, field: QLineEdit) -> None:
        """Let `field` receive the keypad's keys once touched (the first attached is the default)."""
        if not self._fields:
            self.target = field
        self._fields.append(field)
        field.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if obj in self._fields and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn,
                                                    QEvent.Type.TouchBegin):
            self.target = obj
        return False

    def press(self, key: str) -> None:
        f = self.target
        if f is None:
            return
        if key == "清空":
            f.clear()
        elif key == "退格":
            f.backspace()
        else:
            f.insert(key)
        f.textEdited.emit(f.text())  # as typing does: the kiosk's idle countdown restarts
