"""Table models of the supervisor's page: plain rows in, no database, no rules."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from hallclient.supervision.figures import GroupFigure, fmt_minutes
from hallclient.supervision.overview import hall_time

LEVEL_COLORS = {"red": QColor("#f6c9c4"), "notice": QColor("#fbe0b8"), "yellow": QColor("#fff3b0")}
LEVEL_TEXT = {"red": "红牌", "notice": "提示", "yellow": "黄牌", "": ""}
BAD = QColor("#f6c9c4")
GOOD = QColor("#d5ecd9")


class RowsModel(QAbstractTableModel):
    """Columns are (title, getter); an optional `color(row)` shades a whole row."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], Any]]], color: Callable[[Any], QColor | None] | None = None,
                 parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list = []
        self.color = color

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def row_at(self, i: int):
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][0]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            v = self.columns[index.column()][1](row)
            return "" if v is None else str(v)
        if role == Qt.ItemDataRole.BackgroundRole and self.color is not None:
            c = self.color(row)
            return QBrush(c) if c is not None else None
        return None


def case_columns():
    return [
        ("办件编号", lambda c: c.case_no or "（未编号）"),
        ("接件", lambda c: hall_time(c.received_at, "%m-%d %H:%M")),
        ("窗口", lambda c: c.window_code),
        ("人员", lambda c: c.clerk_name or c.clerk),
        ("事项", lambda c: c.item_name),
        ("部门", lambda c: c.department),
        ("类型", lambda c: c.case_type_name),
        ("状态", lambda c: c.state_label),
        ("申请人", lambda c: c.applicant_name),
        ("证件号码", lambda c: c.applicant_id_masked),
        ("承诺办结", lambda c: (c.promised_date.isoformat() + (f"（{c.promised_note}）" if c.promised_note else ""))
         if c.promised_date else ""),
        ("预警", lambda c: LEVEL_TEXT.get(c.warning, "") + ("（记录不完整）" if c.broken else "")),
    ]


def warning_columns():
    return [
        ("等级", lambda w: w.level_label),
        ("办件编号", lambda w: w.case_no),
        ("窗口", lambda w: w.window_code),
        ("人员", lambda w: w.clerk),
        ("期限", lambda w: w.due.isoformat() if w.due else ""),
        ("情况", lambda w: w.text),
    ]


def exception_columns():
    return [
        ("类别", lambda e: e.kind_label),
        ("时间", lambda e: hall_time(e.at, "%m-%d %H:%M")),
        ("窗口", lambda e: e.window_code),
        ("人员", lambda e: e.clerk),
        ("办件编号", lambda e: e.case_no),
        ("说明", lambda e: e.text),
    ]


def bad_rating_columns():
    from hallclient.supervision.figures import LEVEL_LABELS

    return [
        ("时间", lambda b: hall_time(b.rating.at, "%m-%d %H:%M")),
        ("窗口", lambda b: b.rating.window_code),
        ("人员", lambda b: b.rating.clerk),
        ("评价", lambda b: LEVEL_LABELS[b.rating.level]),
        ("原因", lambda b: "、".join(b.rating.reasons) + (f"；{b.rating.comment}" if b.rating.comment else "")),
        ("办件编号", lambda b: b.case_no),
        ("状态", lambda b: b.status_label),
        ("整改期限", lambda b: b.follow_up.fix_deadline.isoformat() if b.follow_up and b.follow_up.fix_deadline else ""),
    ]


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def group_columns(key_title: str):
    return [
        (key_title, lambda g: g.key),
        ("取号/叫号", lambda g: g.tickets),
        ("办结", lambda g: g.served),
        ("过号率", lambda g: pct(g.no_show_rate)),
        ("等候均值(分)", lambda g: fmt_minutes(g.wait_mean_s)),
        ("等候P90(分)", lambda g: fmt_minutes(g.wait_p90_s)),
        ("等候目标", lambda g: f"≤{g.wait_target_s // 60}"),
        ("办理均值(分)", lambda g: fmt_minutes(g.handle_mean_s)),
        ("办理P90(分)", lambda g: fmt_minutes(g.handle_p90_s)),
        ("办理目标", lambda g: f"≤{g.handle_target_s // 60}"),
    ]


def group_color(g: GroupFigure) -> QColor | None:
    if g.wait_ok is False or g.handle_ok is False:
        return BAD
    if g.wait_ok or g.handle_ok:
        return GOOD
    return None
