"""Service item picker (选择事项): name, code or pinyin initials ("gtgsh"), department filter,
the clerk's recent items first. Keyboard: type, arrows, Enter."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from ui.intake.jobs import Catalogue, ItemEntry, load_catalogue_view
from ui.ops import Op

CASE_TYPE_NAMES = {"immediate": "即办", "promised": "承诺", "reported": "上报", "joint": "联办"}


def rank_items(cat: Catalogue, query: str, department: str | None) -> list[ItemEntry]:
    """Matches of `query` in the loaded catalogue, best first; the clerk's recent items lead
    within each rank (same ranking as hallclient.catalogue.search_items)."""
    q = query.strip()
    ql = q.lower()
    recent = {iid: n for n, iid in enumerate(cat.recent)}
    scored = []
    for it in cat.items:
        if department and it.department_code != department:
            continue
        if not q:
            rank = 0 if it.id in recent else 3
        elif it.name.startswith(q) or it.pinyin.startswith(ql) or it.code.lower() == ql:
            rank = 0
        elif q in it.name or ql in it.code.lower():
            rank = 1
        elif ql in it.pinyin:
            rank = 2
        else:
            continue
        scored.append((rank, recent.get(it.id, len(recent)), it.code, it))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored]


class ItemPicker(QGroupBox):
    chosen = Signal(int)  # item id

    def __init__(self, store, user_id: int | None, parent=None):
        super().__init__("办理事项", parent)
        self.store = store
        self.user_id = user_id
        self.catalogue = Catalogue((), (), ())
        self.search = QLineEdit(objectName="item_search")
        self.search.setPlaceholderText("事项名称 / 编码 / 拼音首字母（如 gtgsh），↑↓ 选择，回车确定")
        self.department = QComboBox(objectName="item_department")
        self.department.addItem("全部部门", None)
        self.list = QListWidget(objectName="item_list")
        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.department, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.list)
        self.search.textChanged.connect(self.refresh)
        self.department.currentIndexChanged.connect(self.refresh)
        self.search.returnPressed.connect(self._enter)
        self.list.itemActivated.connect(lambda it: self.chosen.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.search.installEventFilter(self)
        self.reload()

    def reload(self) -> None:
        Op(self, load_catalogue_view, self.store, self.user_id).success(self._loaded).run()

    def _loaded(self, cat: Catalogue) -> None:
        self.catalogue = cat
        current = self.department.currentData()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem("全部部门", None)
        for code, name in cat.departments:
            self.department.addItem(name, code)
            if code == current:
                self.department.setCurrentIndex(self.department.count() - 1)
        self.department.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        recent = set(self.catalogue.recent)
        for it in rank_items(self.catalogue, self.search.text(), self.department.currentData()):
            mark = "★ " if it.id in recent else ""
            row = QListWidgetItem(f"{mark}{it.name}\n    {it.code} · {it.department} · {CASE_TYPE_NAMES.get(it.case_type, '')}件")
            row.setData(Qt.ItemDataRole.UserRole, it.id)
            self.list.addItem(row)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:
        # Arrow keys move the selection while the typing stays in the search field.
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            row = self.list.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
            if 0 <= row < self.list.count():
                self.list.setCurrentRow(row)
            return True
        return super().eventFilter(obj, event)

    def _enter(self) -> None:
        it = self.list.currentItem()
        if it is not None:
            self.chosen.emit(it.data(Qt.ItemDataRole.UserRole))

    def item_name(self, item_id: int) -> str:
        return next((i.name for i in self.catalogue.items if i.id == item_id), "")
