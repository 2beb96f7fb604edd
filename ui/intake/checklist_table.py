"""Material checklist (材料核验) table with keyboard actions.

On a row: R 已收, M 缺少, D 不符合要求 (asks the reason), G 容缺 (asks the promised date,
YYYY-MM-DD), E 免提交 (asks the e-licence number), N 不适用, C 实收份数 (asks "originals/copies",
e.g. 1/2, and marks the row received with those counts); Ctrl+R marks every outstanding
required material received with the expected counts. The question appears in the line below the table: type, Enter
confirms, Esc cancels. The rules themselves live in hallclient.intake.checklist.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ui.intake.jobs import CaseView, RowState

KEYS = {Qt.Key.Key_R: "received", Qt.Key.Key_M: "missing", Qt.Key.Key_D: "defective", Qt.Key.Key_G: "gap",
        Qt.Key.Key_E: "exempt", Qt.Key.Key_N: "not_applicable", Qt.Key.Key_C: "counts"}
ASK = {"defective": "不符合要求的原因：", "gap": "承诺补交日期（YYYY-MM-DD）：", "exempt": "替代的电子证照编号：",
       "counts": "实收份数 原件/复印件（如 1/2）："}
COLORS = {"received": "#e8f5e9", "exempt": "#e3f2fd", "gap": "#fff8e1", "missing": "#ffebee", "defective": "#ffebee",
          "not_applicable": "#f5f5f5"}
HEADERS = ("序号", "材料名称", "必交", "原件 应/收", "复印件 应/收", "状态", "说明", "可容缺/免交")
NAME_COL, DETAIL_COL, RULES_COL = 1, 6, 7


class _Table(QTableWidget):
    key_status = Signal(str)

    def keyPressEvent(self, event) -> None:
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier) \
                and event.key() in KEYS:
            self.key_status.emit(KEYS[event.key()])
            return
        super().keyPressEvent(event)


class ChecklistTable(QGroupBox):
    """Emits `status_requested(row_id, status, detail, gap_due_date)` and `receive_all()`."""

    status_requested = Signal(int, str, str, object)
    counts_requested = Signal(int, int, int)  # row id, originals, copies received
    receive_all_requested = Signal()

    def __init__(self, parent=None, *, own_keys: bool = True):
        super().__init__("材料核验", parent)
        self.rows: tuple[RowState, ...] = ()
        self.table = _Table(0, len(HEADERS), objectName="checklist")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        # Material names are what the clerk must read: their column takes the room and wraps;
        # 说明 gets a fixed share and wraps too (at 1366 px it once took half the width and cut
        # "居民身份证或社会保障卡").
        h.setSectionResizeMode(NAME_COL, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(DETAIL_COL, QHeaderView.ResizeMode.Interactive)
        h.resizeSection(DETAIL_COL, 110)
        for c in (0, 2, 3, 4, 5, RULES_COL):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.ask_label = QLabel(objectName="checklist_ask_label")
        self.ask = QLineEdit(objectName="checklist_ask")
        self.ask.hide()
        self.ask_label.hide()
        self.keys_hint = QLabel("R 已收 · M 缺少 · D 不符合要求 · G 容缺 · E 免提交 · N 不适用 · C 实收份数 · Ctrl+R 全部已收")
        self.keys_hint.setWordWrap(True)
        self.keys_hint.setStyleSheet("color: #555")
        self.summary = QLabel(objectName="checklist_summary")
        self.summary.setWordWrap(True)
        ask_row = QHBoxLayout()
        ask_row.addWidget(self.ask_label)
        ask_row.addWidget(self.ask, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.keys_hint)
        lay.addWidget(self.table)
        lay.addLayout(ask_row)
        lay.addWidget(self.summary)
        self._pending: tuple[int, str] | None = None
        self.table.key_status.connect(self.request)
        self.ask.returnPressed.connect(self._answer)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.ask, self._cancel_ask,
                  context=Qt.ShortcutContext.WidgetShortcut)
        if own_keys:  # in the main window, ui.keymap's window-wide Ctrl+R does this
            QShortcut(QKeySequence("Ctrl+R"), self, self.receive_all_requested.emit,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def show_view(self, view: CaseView | None) -> None:
        keep = self.table.currentRow()
        self.rows = view.rows if view else ()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            cells = (str(row.seq), row.name, "是" if row.required else "否",
                     f"{row.original_expected}/{row.original_received}", f"{row.copies_expected}/{row.copies_received}",
                     row.status_label, row.detail, _rules(row))
            bg = QBrush(QColor(COLORS.get(row.status, "#ffffff")))
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                it.setBackground(bg)
                if c == 1 and row.required:
                    it.setToolTip("必交材料")
                self.table.setItem(r, c, it)
        if self.rows:
            self.table.setCurrentCell(min(max(keep, 0), len(self.rows) - 1), 0)
        if view is None:
            self.summary.clear()
        elif view.verdict.can_accept:
            self.summary.setText("材料齐全（含容缺/免提交），可以受理（F9）。")
            self.summary.setStyleSheet("color: #1b5e20")
        else:
            self.summary.setText("尚不能受理：" + "；".join(view.verdict.blockers))
            self.summary.setStyleSheet("color: #b00020")

    def current_row(self) -> RowState | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) else None

    def request(self, status: str) -> None:
        row = self.current_row()
        if row is None:
            return
        if status in ASK:
            self._pending = (row.id, status)
            self.ask_label.setText(f"{row.name} — {ASK[status]}")
            self.ask.clear()
            self.ask.setPlaceholderText(row.e_licence_type if status == "exempt" else "")
            if status == "counts":
                received = row.status == "received"
                self.ask.setText(f"{row.original_received if received else row.original_expected}/"
                                 f"{row.copies_received if received else row.copies_expected}")
                self.ask.selectAll()
            self.ask_label.show()
            self.ask.show()
            self.ask.setFocus()
            return
        self.status_requested.emit(row.id, status, "", None)

    def _answer(self) -> None:
        if not self._pending:
            return
        row_id, status = self._pending
        text = self.ask.text().strip()
        due = None
        if status == "counts":
            parts = text.replace("／", "/").split("/")
            if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
                self.ask_label.setText("格式应为 原件/复印件，如 1/2，请重新输入：")
                return
            self._cancel_ask()
            self.counts_requested.emit(row_id, int(parts[0]), int(parts[1]))
            return
        if status == "gap":
            try:
                due = date.fromisoformat(text)
            except ValueError:
                self.ask_label.setText("日期格式应为 YYYY-MM-DD，请重新输入：")
                return
            text = ""
        self._cancel_ask()
        self.status_requested.emit(row_id, status, text, due)

    def _cancel_ask(self) -> None:
        self._pending = None
        self.ask.hide()
        self.ask_label.hide()
        self.table.setFocus()


def _rules(row: RowState) -> str:
    """What the catalogue allows for a row: 容缺 (gap) and 免提交 (an e-licence replaces it)."""
    parts = []
    if row.gap_allowed:
        parts.append("可容缺")
    if row.e_licence_type:
        parts.append("可免提交")
    return "、".join(parts)
