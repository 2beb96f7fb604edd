"""The customer-facing rating window (好差评) with the five levels; a bad rating needs a reason."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hallclient.queue.rating import BAD_REASONS, LEVELS, record_rating
from ui.ops import Op, error_text

COLOURS = {5: "#1b7f3b", 4: "#4c9a2a", 3: "#b58900", 2: "#d35400", 1: "#c0392b"}


def save_rating(store, level, reasons, comment, ticket_no, clerk_id, window_id, source="screen", case_id=None) -> str:
    with store.write() as s:
        return record_rating(s, level, reasons=reasons, comment=comment, ticket_no=ticket_no, case_id=case_id,
                             clerk_id=clerk_id, window_id=window_id, source=source).id


class RatingDialog(QDialog):
    """Shown on the second (customer-facing) screen when there is no rating pad."""

    def __init__(self, store, ticket_no: str = "", clerk_id: int | None = None, window_id: int | None = None,
                 clerk_name: str = "", parent=None, pad_level: int | None = None, case_id: str | None = None):
        """`pad_level`: the rating pad already gave this bad level without a reason; the window
        then only asks for the reason (the level stays the applicant's choice on the pad)."""
        super().__init__(parent)
        self.store, self.ticket_no, self.clerk_id, self.window_id = store, ticket_no, clerk_id, window_id
        self.case_id = case_id
        self.source = "pad" if pad_level is not None else "screen"
        self.level: int | None = None
        self.rating_id: str | None = None
        self.setWindowTitle("服务评价")
        self.setMinimumSize(760, 460)
        title = QLabel(f"请对本次服务进行评价{('（' + ticket_no + ' 号）') if ticket_no else ''}", objectName="rating_title")
        title.setStyleSheet("font-size: 22pt; font-weight: bold")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        sub = QLabel(f"窗口工作人员：{clerk_name}" if clerk_name else "")
        sub.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        self.level_buttons: dict[int, QPushButton] = {}
        for lv in sorted(LEVELS, reverse=True):
            b = QPushButton(f"{LEVELS[lv]}\n{'★' * lv}", objectName=f"rate_{lv}")
            b.setCheckable(True)
            b.setMinimumSize(130, 110)
            b.setStyleSheet(f"QPushButton {{ font-size: 15pt; color: white; background: {COLOURS[lv]}; border-radius: 10px }}"
                            "QPushButton:checked { border: 5px solid #222 }")
            b.clicked.connect(lambda _=False, v=lv: self.choose(v))
            row.addWidget(b)
            self.level_buttons[lv] = b
        self.reason_box = QWidget(objectName="reasons")
        grid = QGridLayout(self.reason_box)
        grid.addWidget(QLabel("很抱歉！请选择或填写不满意的原因："), 0, 0, 1, 4)
        self.reason_checks = []
        for i, r in enumerate(BAD_REASONS):
            c = QCheckBox(r, objectName=f"reason_{i}")
            grid.addWidget(c, 1 + i // 4, i % 4)
            self.reason_checks.append(c)
        self.comment = QLineEdit(objectName="comment")
        self.comment.setPlaceholderText("其他意见或建议（可选）")
        grid.addWidget(self.comment, 3, 0, 1, 4)
        self.reason_box.setVisible(False)
        self.message = QLabel(objectName="message")
        self.message.setStyleSheet("color: #c0392b; font-size: 13pt")
        self.submit = QPushButton("提交评价", objectName="submit")
        self.submit.setMinimumHeight(56)
        self.submit.setStyleSheet("font-size: 16pt")
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self.try_submit)
        lay = QVBoxLayout(self)
        for w in (title, sub):
            lay.addWidget(w)
        lay.addLayout(row)
        lay.addWidget(self.reason_box)
        lay.addWidget(self.message)
        lay.addWidget(self.submit)
        if pad_level is not None:
            self.choose(pad_level)
            for b in self.level_buttons.values():
                b.setEnabled(False)
            title.setText(f"您在评价器上选择了“{LEVELS[pad_level]}”，请选择或填写原因"
                          + (f"（{ticket_no} 号）" if ticket_no else ""))

    def choose(self, level: int) -> None:
        self.level = level
        for lv, b in self.level_buttons.items():
            b.setChecked(lv == level)
        self.reason_box.setVisible(level <= 2)
        self.submit.setEnabled(True)
        self.message.clear()

    def keyPressEvent(self, event) -> None:
        # Keys 1..5 choose a level, Enter submits: a keyboard or keypad on the applicant's side
        # rates without a mouse.
        text = event.text()
        if text in ("1", "2", "3", "4", "5") and all(b.isEnabled() for b in self.level_buttons.values()) \
                and not self.comment.hasFocus():
            self.choose(int(text))
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.comment.hasFocus():
            self.try_submit()
            return
        super().keyPressEvent(event)

    def reasons(self) -> list[str]:
        return [c.text() for c in self.reason_checks if c.isChecked()]

    def try_submit(self) -> None:
        if self.level is None:
            self.message.setText("请选择评价等级")
            return
        if self.level <= 2 and not self.reasons() and not self.comment.text().strip():
            self.message.setText("请选择或填写不满意的原因，我们会跟进改进")
            return
        self.submit.setEnabled(False)
        Op(self, save_rating, self.store, self.level, self.reasons(), self.comment.text(), self.ticket_no,
           self.clerk_id, self.window_id, source=self.source, case_id=self.case_id, writer=True).success(self._saved).failure(self._failed).run()

    def _saved(self, rating_id: str) -> None:
        self.rating_id = rating_id
        self.accept()

    def _failed(self, exc) -> None:
        self.submit.setEnabled(True)
        self.message.setText(error_text(exc))
