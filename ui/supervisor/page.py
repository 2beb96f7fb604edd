"""值班长 page: the hall's day (cases, warnings, exceptions, 差评 follow-ups, figures,
charts) from the local copy, so it works offline; the daily report from here too.

All data comes from one background read (`overview.load_day`); filters and search work on
that copy in memory, so changing them never waits for the database or for sync.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hallclient import settings
from hallclient.models import utcnow
from hallclient.permissions import Action, allowed
from hallclient.queue.model import HALL_TZ
from hallclient.supervision import config
from hallclient.supervision.figures import LEVEL_LABELS
from hallclient.supervision.overview import CaseFilter, HallDay, filter_cases, hall_time, load_day, load_report, reading
from ui.ops import Op, error_text
from ui.supervisor import tables
from ui.supervisor.charts import ChartsPanel
from ui.supervisor.dialogs import CaseDetailDialog, FollowUpDialog

GROUPINGS = (("by_window", "窗口"), ("by_clerk", "人员"), ("by_queue", "排队类别"), ("by_hour", "时段"))


def _table(name: str, model, widths: tuple[int, ...] = ()) -> QTableView:
    v = QTableView(objectName=name)
    v.setModel(model)
    v.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    v.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    v.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    v.setAlternatingRowColors(True)
    v.verticalHeader().setVisible(False)
    v.horizontalHeader().setStretchLastSection(True)
    v.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for col, width in enumerate(widths):
        v.setColumnWidth(col, width)
    return v




class SupervisorPage(QWidget):
    def user_switched(self, session) -> None:
        self.session, self.actor = session, session.actor

    def __init__(self, store, session, *, status_bar=None, today: date | None = None, first_day: date | None = None,
                 parent=None):
        super().__init__(parent)
        self.store, self.session = store, session
        self.actor = session.actor
        self.today = today or datetime.now(HALL_TZ).date()
        self.day: HallDay | None = None
        self.loads = 0  # finished loads (tests wait on it)

        shown = first_day or self.today  # the period shown first (default: today)
        # The read of the first period starts before the widgets are made: SQLite reads while
        # they are built and laid out (its answer is handled on this thread, after __init__).
        self._generation = 0
        self._read(shown, shown)

        # -- header: period, refresh, export, freshness -----------------------------------
        qd = QDate(shown.year, shown.month, shown.day)
        self.date_from = QDateEdit(qd, objectName="sup_date_from")
        self.date_to = QDateEdit(qd, objectName="sup_date_to")
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        lf, lt = QLabel("日期(&Q)："), QLabel("至(&O)：")
        lf.setBuddy(self.date_from)
        lt.setBuddy(self.date_to)
        self.refresh_btn = QPushButton("刷新", objectName="sup_refresh")
        self.refresh_btn.clicked.connect(self.reload)
        self.export_btn = QPushButton("导出日报…", objectName="sup_export")
        self.export_btn.clicked.connect(self.export_report)
        self.export_btn.setEnabled(allowed(self.actor.role, Action.EXPORT_REPORT))
        self.freshness = QLabel(objectName="sup_freshness")
        head = QHBoxLayout()
        for w in (lf, self.date_from, lt, self.date_to, self.refresh_btn, self.export_btn):
            head.addWidget(w)
        head.addStretch(1)
        head.addWidget(self.freshness)
        self.message = QLabel(objectName="sup_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#a04000")
        self.summary = QLabel(objectName="sup_summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)

        # -- tabs ------------------------------------------------------------------------
        self.tabs = QTabWidget(objectName="sup_tabs")
        self.tabs.addTab(self._cases_tab(), "办件(&C)")
        # Every tab's model is filled by each read (the tab titles count their rows); the views
        # of the warnings, exceptions and figures are made when their tab is first shown, as
        # the charts are: making them all cost a quarter of opening the page.
        self.warn_model = tables.RowsModel(tables.warning_columns(), lambda w: tables.LEVEL_COLORS.get(w.level))
        self.exc_model = tables.RowsModel(tables.exception_columns())
        self.group_model = tables.RowsModel(tables.group_columns("分组"), tables.group_color)
        self._outcomes_text = ""
        self._unbuilt: dict[QWidget, object] = {}
        self.tabs.addTab(self._later(self._warnings_tab), "监察预警(&W)")
        self.tabs.addTab(self._later(self._exceptions_tab), "异常(&X)")
        self.tabs.addTab(self._ratings_tab(), "差评回访(&F)")
        self.tabs.addTab(self._later(self._figures_tab), "统计(&T)")
        self.charts = ChartsPanel()
        self.charts.setObjectName("sup_charts")
        self.tabs.addTab(self.charts, "图表(&G)")
        self._charts_stale = False
        self.tabs.currentChanged.connect(self._tab_shown)

        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(self.summary)
        lay.addWidget(self.message)
        lay.addWidget(self.tabs, 1)
        self.message.setVisible(False)

        self.status_label = None
        if status_bar is not None:
            self.status_label = QLabel(objectName="sup_status_freshness")
            status_bar.addPermanentWidget(self.status_label)
        self.date_from.dateChanged.connect(self._date_changed)
        self.date_to.dateChanged.connect(self._date_changed)
        self._date_timer = QTimer(self, singleShot=True, interval=300)
        self._date_timer.timeout.connect(self.reload)
        # "N 分钟前" ages while the page stays open (offline for hours, typically).
        self._fresh_timer = QTimer(self, interval=60_000)
        self._fresh_timer.timeout.connect(self._show_freshness)
        self._fresh_timer.start()
        self.refresh_btn.setEnabled(False)  # until the first read is in
        self.say("正在读取大厅数据…")

    # -- building the tabs --------------------------------------------------------------------
    def _cases_tab(self) -> QWidget:
        w = QWidget()
        self.f_window = QComboBox(objectName="sup_f_window")
        self.f_clerk = QComboBox(objectName="sup_f_clerk")
        self.f_item = QComboBox(objectName="sup_f_item")
        self.f_dept = QComboBox(objectName="sup_f_department")
        self.f_state = QComboBox(objectName="sup_f_state")
        self.f_type = QComboBox(objectName="sup_f_case_type")
        self.f_item.setMinimumContentsLength(12)
        self.f_hour_from = QSpinBox(objectName="sup_f_hour_from")
        self.f_hour_to = QSpinBox(objectName="sup_f_hour_to")
        self.f_hour_from.setRange(0, 24)
        self.f_hour_to.setRange(0, 24)
        self.f_hour_to.setValue(24)
        self.f_hour_from.setSuffix(" 时")
        self.f_hour_to.setSuffix(" 时")
        self.f_text = QLineEdit(objectName="sup_f_text")
        self.f_text.setPlaceholderText("办件编号、姓名、证件号（脱敏）、事项")
        self.f_text.setClearButtonEnabled(True)
        # Esc in the search box clears it (the filters stay): a key of the box itself, not a
        # shortcut, so it never competes with the window's key map.
        self.f_text.installEventFilter(self)
        self.f_warn = QCheckBox("仅预警", objectName="sup_f_warning")
        for combo in (self.f_window, self.f_clerk, self.f_item, self.f_dept, self.f_state, self.f_type):
            combo.currentIndexChanged.connect(self.apply_filter)
        for spin in (self.f_hour_from, self.f_hour_to):
            spin.valueChanged.connect(self.apply_filter)
        self.f_text.textChanged.connect(self.apply_filter)
        self.f_warn.toggled.connect(self.apply_filter)
        row1, row2 = QHBoxLayout(), QHBoxLayout()
        for label, widget, row in (("窗口(&N)", self.f_window, row1), ("人员(&P)", self.f_clerk, row1), ("事项(&I)", self.f_item, row1),
                                   ("部门(&B)", self.f_dept, row1), ("状态(&Z)", self.f_state, row2), ("类型(&L)", self.f_type, row2),
                                   ("时段(&V)", self.f_hour_from, row2)):
            lab = QLabel(label + "：")
            lab.setBuddy(widget)
            row.addWidget(lab)
            row.addWidget(widget, 1 if widget is self.f_item else 0)
        row2.addWidget(QLabel("—"))
        row2.addWidget(self.f_hour_to)
        ls = QLabel("搜索(&K)：")
        ls.setBuddy(self.f_text)
        row2.addWidget(ls)
        row2.addWidget(self.f_text, 1)
        row2.addWidget(self.f_warn)
        self.case_model = tables.RowsModel(tables.case_columns(), lambda c: tables.LEVEL_COLORS.get(c.warning))
        self.case_view = _table("sup_cases", self.case_model)
        self.case_view.activated.connect(lambda i: self._open_case(self.case_model.row_at(i.row())))
        # Fixed widths: sizing 3,000 rows to their contents would cost more than the filter.
        for col, width in enumerate((205, 95, 45, 80, 220, 120, 60, 70, 70, 175, 95)):
            self.case_view.setColumnWidth(col, width)
        self.case_count = QLabel(objectName="sup_case_count")
        lay = QVBoxLayout(w)
        lay.addLayout(row1)
        lay.addLayout(row2)
        lay.addWidget(self.case_view, 1)
        lay.addWidget(self.case_count)
        return w

    def _later(self, build) -> QWidget:
        """A tab whose content `build()` makes when the tab is first shown."""
        holder = QWidget()
        QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
        self._unbuilt[holder] = build
        return holder

    def _tab_shown(self, *_args) -> None:
        holder = self.tabs.currentWidget()
        build = self._unbuilt.pop(holder, None)
        if build is not None:
            content = build()
            holder.layout().addWidget(content)
            content.show()  # now, not on the next turn of the event loop
        self._charts_if_visible()

    def _warnings_tab(self) -> QWidget:
        self.warn_view = _table("sup_warnings", self.warn_model, (60, 210, 50, 80, 100))
        self.warn_view.activated.connect(lambda i: self._open_case(self.warn_model.row_at(i.row())))
        return self.warn_view

    def _exceptions_tab(self) -> QWidget:
        self.exc_view = _table("sup_exceptions", self.exc_model, (90, 100, 50, 80, 210))
        self.exc_view.activated.connect(lambda i: self._open_case(self.exc_model.row_at(i.row())))
        return self.exc_view

    def _ratings_tab(self) -> QWidget:
        w = QWidget()
        self.rating_model = tables.RowsModel(tables.bad_rating_columns())
        self.rating_view = _table("sup_bad_ratings", self.rating_model, (100, 50, 80, 90, 260, 210, 70))
        self.callback_btn = QPushButton("回访…", objectName="sup_fu_callback")
        self.fix_btn = QPushButton("安排整改…", objectName="sup_fu_fix")
        self.close_btn = QPushButton("整改办结…", objectName="sup_fu_close")
        can = allowed(self.actor.role, Action.FOLLOW_UP_RATING)
        for b, step in ((self.callback_btn, "callback"), (self.fix_btn, "fix"), (self.close_btn, "close")):
            b.setEnabled(can)
            b.clicked.connect(lambda _=False, st=step: self.follow_up(st))
        row = QHBoxLayout()
        row.addWidget(QLabel("每条差评须回访、整改，填写整改结果后才能办结。"))
        row.addStretch(1)
        for b in (self.callback_btn, self.fix_btn, self.close_btn):
            row.addWidget(b)
        lay = QVBoxLayout(w)
        lay.addLayout(row)
        lay.addWidget(self.rating_view, 1)
        return w

    def _figures_tab(self) -> QWidget:
        w = QWidget()
        self.grouping = QComboBox(objectName="sup_grouping")
        for key, label in GROUPINGS:
            self.grouping.addItem(label, key)
        self.grouping.currentIndexChanged.connect(self._show_groups)
        self.group_view = _table("sup_groups", self.group_model, (110, 90, 70, 80, 100, 100, 80, 100, 100))
        self.outcomes = QLabel(objectName="sup_outcomes")
        self.outcomes.setTextFormat(Qt.TextFormat.RichText)
        self.outcomes.setWordWrap(True)
        self.outcomes.setText(self._outcomes_text)
        self._show_groups()
        lg = QLabel("分组(&U)：")
        lg.setBuddy(self.grouping)
        row = QHBoxLayout()
        row.addWidget(lg)
        row.addWidget(self.grouping)
        row.addStretch(1)
        lay = QVBoxLayout(w)
        lay.addLayout(row)
        lay.addWidget(self.group_view, 1)
        lay.addWidget(self.outcomes)
        return w

    # -- loading ------------------------------------------------------------------------------
    def _period(self) -> tuple[date, date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()

    def _date_changed(self) -> None:
        self._date_timer.start()

    def _load(self, first: date, last: date) -> HallDay:
        with reading(self.store) as s:
            return load_day(s, self.actor, first, last, today=self.today)

    def reload(self) -> None:
        """Read the period again; only the newest read's answer is shown (an older one that
        finishes later, e.g. of a date being typed, is dropped)."""
        self._date_timer.stop()
        self.refresh_btn.setEnabled(False)
        self._read(*self._period())

    def _read(self, first: date, last: date) -> None:
        self._generation = gen = self._generation + 1

        def shown(day: HallDay) -> None:
            if gen == self._generation:
                self.show_day(day)

        def failed(exc: BaseException) -> None:
            if gen == self._generation:
                self._failed(exc)

        Op(self, self._load, first, last).success(shown).failure(failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.refresh_btn.setEnabled(True)
        self.message.setText(error_text(exc))
        self.message.setVisible(True)
        self.loads += 1

    def show_day(self, day: HallDay) -> None:
        self.refresh_btn.setEnabled(True)
        self.day = day
        self.message.setText(day.empty_message)
        self.message.setVisible(bool(day.empty_message))
        self._show_freshness()
        f = day.figures
        wl = f.warnings_by_level
        mark = lambda ok: "—" if ok is None else ("<span style='color:#2a7d3c'>达标</span>" if ok else "<span style='color:#b03020'>未达标</span>")  # noqa: E731
        self.summary.setText(
            f"<b>{day.period.label}</b>　取号 {f.total.tickets}　叫号 {f.total.called}　过号率 {tables.pct(f.total.no_show_rate)}　"
            f"等候 {tables.fmt_minutes(f.total.wait_mean_s)} 分（P90 {tables.fmt_minutes(f.total.wait_p90_s)}，目标 ≤{f.targets.wait_s // 60}）{mark(f.total.wait_ok)}　"
            f"办理 {tables.fmt_minutes(f.total.handle_mean_s)} 分（P90 {tables.fmt_minutes(f.total.handle_p90_s)}，目标 ≤{f.targets.handling_s // 60}）{mark(f.total.handle_ok)}　"
            f"办件 {f.cases_total}　满意率 {tables.pct(f.satisfaction_rate)}　差评 {f.bad_ratings}　"
            f"预警 <span style='color:#b03020'>红 {wl.get('red', 0)}</span> / 提示 {wl.get('notice', 0)} / 黄 {wl.get('yellow', 0)}"
        )
        self._fill_options(day)
        self.apply_filter()
        self.warn_model.set_rows(day.warnings)
        self.exc_model.set_rows(day.exceptions)
        self.rating_model.set_rows(day.bad_ratings)
        if hasattr(self, "grouping"):  # the figures per group are worked out when their tab is shown
            self._show_groups()
        fees = "；".join(f"{label} {n} 笔 ￥{a / 100:,.2f}" for _c, label, n, a in f.fees) or "无"
        self._outcomes_text = ("办件结果：" + ("、".join(f"{label} {n}" for _k, label, n in f.cases_by_outcome) or "无")
                               + f"<br>收费：{fees}（冲红/作废 {f.reversals} 笔）")
        if hasattr(self, "outcomes"):
            self.outcomes.setText(self._outcomes_text)
        # QtCharts are the slowest part of showing a period: built when their tab is shown.
        self._charts_stale = True
        self._charts_if_visible()
        self.tabs.setTabText(1, f"监察预警({len(day.warnings)})(&W)")
        self.tabs.setTabText(2, f"异常({len(day.exceptions)})(&X)")
        open_n = sum(1 for b in day.bad_ratings if b.status_label != "已办结")
        self.tabs.setTabText(3, f"差评回访({open_n}/{len(day.bad_ratings)})(&F)")
        self.loads += 1

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.f_text and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape and self.f_text.text():
            self.f_text.clear()
            return True
        return super().eventFilter(obj, event)

    def sync_status_changed(self, status) -> None:
        """After each successful sync cycle the page reads the hall's copy again (if shown;
        otherwise when it is shown next)."""
        last = getattr(status, "last_success", None)
        if last is None or last == getattr(self, "_last_sync", None):
            return
        self._last_sync = last
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload()

    def _show_freshness(self) -> None:
        if self.day is None:
            return
        fresh = self.day.freshness.text()
        self.freshness.setText(fresh)
        if self.status_label is not None:
            self.status_label.setText("值班长：" + fresh)

    def _charts_if_visible(self, *_args) -> None:
        if self._charts_stale and self.day is not None and self.tabs.currentWidget() is self.charts:
            self.charts.show_figures(self.day.figures)
            self._charts_stale = False

    def _fill_options(self, day: HallDay) -> None:
        for combo, key in ((self.f_window, "window"), (self.f_clerk, "clerk"), (self.f_item, "item"), (self.f_dept, "department"),
                           (self.f_state, "state"), (self.f_type, "case_type")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("全部", "")
            for value, label in day.options.get(key, []):
                combo.addItem(label, value)
            i = combo.findData(current)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def current_filter(self) -> CaseFilter:
        hf, ht = self.f_hour_from.value(), self.f_hour_to.value()
        return CaseFilter(
            window=self.f_window.currentData() or "", clerk=self.f_clerk.currentData() or "", item_code=self.f_item.currentData() or "",
            department=self.f_dept.currentData() or "", state=self.f_state.currentData() or "",
            case_type=self.f_type.currentData() or "", hour_from=hf if hf > 0 else None, hour_to=ht if ht < 24 else None,
            text=self.f_text.text(), warning_only=self.f_warn.isChecked())

    def apply_filter(self) -> None:
        if self.day is None:
            return
        rows = filter_cases(self.day.cases, self.current_filter())
        self.case_model.set_rows(rows)
        self.case_count.setText(f"共 {len(rows)} 件（本期 {len(self.day.cases)} 件）　Enter 打开详情")

    def _show_groups(self) -> None:
        if self.day is None:
            return
        key = self.grouping.currentData()
        label = dict(GROUPINGS)[key]
        self.group_model.columns = tables.group_columns(label)
        self.group_model.set_rows(getattr(self.day.figures, key))

    # -- actions ------------------------------------------------------------------------------
    def _open_case(self, row) -> None:
        case_id = getattr(row, "case_id", None)
        if not case_id:
            return
        dlg = CaseDetailDialog(self.store, self.actor, case_id, self.today, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        self.detail_dialog = dlg

    def follow_up(self, step: str) -> None:
        b = self.rating_model.row_at(self.rating_view.currentIndex().row())
        if b is None:
            self.say("请先在列表中选择一条差评")
            return
        with reading(self.store) as s:
            days = settings.get(s, config.FIX_DAYS)
        r = b.rating
        about = (f"{hall_time(r.at, '%m-%d %H:%M')} {r.window_code}号窗口 {r.clerk} {LEVEL_LABELS[r.level]}："
                 + "、".join(r.reasons) + (f"；{r.comment}" if r.comment else "") + f"（{b.status_label}）")
        dlg = FollowUpDialog(self.store, self.actor, r.id, step, self.today, days, self, about=about)
        dlg.accepted.connect(self.reload)
        dlg.open()
        self.follow_up_dialog = dlg

    def export_report(self) -> None:
        out = QFileDialog.getExistingDirectory(self, "选择保存日报的文件夹")
        if out:
            self.export_to(out)

    def export_to(self, out_dir: str) -> None:
        from printing.report import ReportMeta, write_report

        first, last = self._period()
        actor = self.actor

        def job():
            with reading(self.store) as s:
                day = load_report(s, actor, first, last, today=self.today)
                hall = settings.get(s, settings.HALL_NAME)
            return write_report(day, ReportMeta(hall, actor.display_name or actor.username, utcnow()), out_dir)

        def done(paths) -> None:
            self.say("日报已保存：" + "、".join(str(p) for p in paths.values()))
            self.exported = paths

        self.say("正在生成日报…")
        Op(self, job).success(done).failure(lambda e: self.say(error_text(e))).run()

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
