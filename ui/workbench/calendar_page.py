"""节假日安排 (Ctrl+4, supervisor and admin): enter next year's holiday schedule at the hall
when the central server has not delivered it, and see the due dates that are still 暂定 and
those that moved when a schedule arrived."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.ops import Op, error_text


def _lists(store):
    from hallclient.provisional import moved_dates, open_provisional

    with store.read() as s:
        return open_provisional(s), moved_dates(s)


def _load(store, path: str):
    from pathlib import Path

    from hallclient.calendar_file import load_schedule, parse_schedule
    from hallclient.errors import ValidationFailed

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise ValidationFailed("无法读取该文件，请确认文件存在且可以打开") from None
    schedule = parse_schedule(text)
    with store.write() as s:
        settled = load_schedule(s, schedule)
    return schedule.year, len(settled), sum(1 for m in settled if m.final != m.provisional)


FIELDS = {"promised": "承诺办结", "legal": "法定办结"}


class CalendarPage(QWidget):
    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.path = QLineEdit(objectName="calendar_file")
        self.path.setPlaceholderText("节假日安排文件（JSON），回车导入")
        self.path.returnPressed.connect(self.load)
        browse = QPushButton("选择文件…", objectName="calendar_browse")
        browse.clicked.connect(self.browse)
        load = QPushButton("导入", objectName="calendar_load")
        load.clicked.connect(self.load)
        self.message = QLabel(objectName="calendar_message")
        self.message.setWordWrap(True)
        self.pending = QTableWidget(0, 3, objectName="calendar_pending")
        self.pending.setHorizontalHeaderLabels(("办件编号", "日期", "暂定日期"))
        self.moved = QTableWidget(0, 4, objectName="calendar_moved")
        self.moved.setHorizontalHeaderLabels(("办件编号", "日期", "原暂定日期", "重新计算后"))
        for t in (self.pending, self.moved):
            t.horizontalHeader().setStretchLastSection(True)
            t.verticalHeader().hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("导入节假日安排："))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        row.addWidget(load)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("<h3>节假日安排</h3><p>中心服务器尚未下发某年的放假调休安排时，可在此导入国务院公布的安排。"
                             "导入后，按周末推算的暂定日期会自动重新计算。</p>"))
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addWidget(QLabel("<b>暂定的日期</b>（该年度安排公布后自动重新计算）"))
        lay.addWidget(self.pending, 1)
        lay.addWidget(QLabel("<b>已变动的日期</b>（请告知相关申请人新的承诺办结日期）"))
        lay.addWidget(self.moved, 1)
        self.refresh()

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择节假日安排文件", "", "JSON (*.json)")
        if path:
            self.path.setText(path)
            self.load()

    def load(self) -> None:
        path = self.path.text().strip()
        if not path:
            self.message.setText("请先选择节假日安排文件")
            return
        self.message.setText("正在导入……")
        Op(self, _load, self.store, path, writer=True).success(self._loaded).failure(
            lambda e: self.message.setText(error_text(e))).run()

    def _loaded(self, result) -> None:
        year, settled, moved = result
        self.message.setText(f"已导入 {year} 年节假日安排；{settled} 个暂定日期已重新计算，其中 {moved} 个有变动。")
        self.refresh()

    def refresh(self) -> None:
        Op(self, _lists, self.store).success(self._show).failure(lambda e: self.message.setText(error_text(e))).run()

    def _show(self, lists) -> None:
        pending, moved = lists
        self.pending.setRowCount(len(pending))
        for r, (no, field, d) in enumerate(pending):
            for c, text in enumerate((no, FIELDS.get(field, field), d.isoformat())):
                self.pending.setItem(r, c, QTableWidgetItem(text))
        self.moved.setRowCount(len(moved))
        for r, m in enumerate(moved):
            for c, text in enumerate((m.case_no, FIELDS.get(m.field, m.field), m.provisional.isoformat(),
                                      m.final.isoformat())):
                self.moved.setItem(r, c, QTableWidgetItem(text))


def make_calendar_page(mw):
    return CalendarPage(mw.store)
