"""QtCharts of the supervisor's page: tickets and waiting time by hour, cases by outcome,
ratings. Built from the plain `Figures`; rebuilt when the period changes."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QWidget

from hallclient.supervision.figures import LEVEL_LABELS, Figures

OUTCOME_COLORS = ["#2f6fb3", "#3c9d5d", "#e08a1e", "#c0392b", "#8a8a8a", "#7b5ea7", "#16a0a0", "#b5651d"]
LEVEL_COLORS = {5: "#3c9d5d", 4: "#7cbf6b", 3: "#e08a1e", 2: "#e0613a", 1: "#c0392b"}


def _view(chart: QChart, name: str) -> QChartView:
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    v = QChartView(chart, objectName=name)
    v.setRenderHint(QPainter.RenderHint.Antialiasing)
    v.setMinimumHeight(220)
    return v


def hourly_chart(f: Figures) -> QChartView:
    """Tickets per hour (bars, left axis) and the mean waiting time (line, right axis, minutes)
    with the target as a dashed line."""
    hours = sorted(set(f.tickets_by_hour) | {g.key for g in f.by_hour})
    by = {g.key: g for g in f.by_hour}
    tickets = QBarSet("取号")
    tickets.setColor(QColor("#2f6fb3"))
    tickets.append([float(f.tickets_by_hour.get(h, 0)) for h in hours])
    bars = QBarSeries()
    bars.append(tickets)
    wait = QLineSeries(name="平均等候（分钟）")
    wait.setColor(QColor("#e08a1e"))
    target = QLineSeries(name=f"等候目标 {f.targets.wait_s // 60} 分钟")
    pen = target.pen()
    pen.setStyle(Qt.PenStyle.DashLine)
    pen.setColor(QColor("#c0392b"))
    target.setPen(pen)
    for i, h in enumerate(hours):
        g = by.get(h)
        wait.append(QPointF(i, (g.wait_mean_s or 0) / 60 if g else 0))
        target.append(QPointF(i, f.targets.wait_s / 60))
    chart = QChart()
    chart.setTitle("各时段取号量与平均等候时长")
    chart.addSeries(bars)
    chart.addSeries(wait)
    chart.addSeries(target)
    x = QBarCategoryAxis()
    x.append(hours or ["—"])
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    bars.attachAxis(x)
    left = QValueAxis()
    left.setRange(0, max([float(v) for v in f.tickets_by_hour.values()] + [1]) * 1.15)
    left.setLabelFormat("%d")
    left.setTitleText("取号")
    chart.addAxis(left, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(left)
    # The line series share the category positions 0..n-1 of the bars.
    xl = QValueAxis()
    xl.setRange(-0.5, max(len(hours), 1) - 0.5)
    xl.setVisible(False)
    chart.addAxis(xl, Qt.AlignmentFlag.AlignBottom)
    right = QValueAxis()
    right.setRange(0, max([(g.wait_mean_s or 0) / 60 for g in f.by_hour] + [f.targets.wait_s / 60]) * 1.2)
    right.setLabelFormat("%.0f")
    right.setTitleText("分钟")
    chart.addAxis(right, Qt.AlignmentFlag.AlignRight)
    for s in (wait, target):
        s.attachAxis(xl)
        s.attachAxis(right)
    return _view(chart, "chart_hourly")


def outcome_chart(f: Figures) -> QChartView:
    pie = QPieSeries()
    for i, (_k, label, n) in enumerate(x for x in f.cases_by_outcome if x[2]):
        sl = pie.append(f"{label} {n}", n)
        sl.setColor(QColor(OUTCOME_COLORS[i % len(OUTCOME_COLORS)]))
    pie.setPieSize(0.85)
    chart = QChart()
    chart.setTitle(f"办件结果（共 {f.cases_total} 件）")
    chart.addSeries(pie)
    view = _view(chart, "chart_outcome")
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return view


def ratings_chart(f: Figures) -> QChartView:
    # One set per level, each with a value only at its own category: a bar per level in the
    # level's colour (a single QBarSet has one colour).
    series = QStackedBarSeries()
    levels = [5, 4, 3, 2, 1]
    for i, lv in enumerate(levels):
        s = QBarSet(LEVEL_LABELS[lv])
        s.setColor(QColor(LEVEL_COLORS[lv]))
        s.append([float(f.ratings_by_level.get(lv, 0)) if j == i else 0.0 for j in range(len(levels))])
        series.append(s)
    series.setLabelsVisible(True)
    chart = QChart()
    sat = "—" if f.satisfaction_rate is None else f"{f.satisfaction_rate * 100:.1f}%"
    chart.setTitle(f"好差评（共 {f.ratings_total} 条，满意率 {sat}，差评 {f.bad_ratings} 条）")
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append([LEVEL_LABELS[lv] for lv in levels])
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = QValueAxis()
    y.setRange(0, max(list(f.ratings_by_level.values()) + [1]) * 1.15)
    y.setLabelFormat("%d")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    view = _view(chart, "chart_ratings")
    chart.legend().setVisible(False)  # the categories name the levels
    return view


class ChartsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.views: list[QChartView] = []

    def show_figures(self, f: Figures) -> None:
        for v in self.views:
            self.grid.removeWidget(v)
            v.deleteLater()
        self.views = [hourly_chart(f), outcome_chart(f), ratings_chart(f)]
        self.grid.addWidget(self.views[0], 0, 0, 1, 2)
        self.grid.addWidget(self.views[1], 1, 0)
        self.grid.addWidget(self.views[2], 1, 1)
        self.grid.setRowStretch(0, 3)
        self.grid.setRowStretch(1, 2)
