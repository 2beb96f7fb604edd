"""At intake: when the applicant is identified (card read, or an ID / USCC typed and Enter),
ask the central 电子证照库 for their licences (short timeout, in the background) and, once the
case's checklist is there, mark every material a usable licence satisfies as 免于提交 with the
licence identifier — the clerk sees it in the checklist and only confirms. Offline, a line says
so and the clerk checks paper as before."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel

from hallclient.validation import validate_id, validate_uscc
from ui.certificates import jobs
from ui.ops import Op, error_text

GREY, GREEN, ORANGE = "color: #555", "color: #1b5e20", "color: #e65100"


class LicenceAssist(QObject):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.result = None  # sync.licences.LicenceLookup of the current applicant
        self.asked: str | None = None
        self.applied: set[tuple[str, str]] = set()
        self.label = QLabel(objectName="licence_status")
        self.label.setWordWrap(True)
        page.middle_layout.insertWidget(1, self.label)  # under the case header, above the materials
        page.applicant.completed.connect(self.lookup)
        page.case_changed.connect(self._try_mark)

    def _holder(self) -> str | None:
        text = self.page.applicant.id_number.text()
        for check in (validate_id, validate_uscc):
            v = check(text)
            if v.valid:
                return v.normalized.upper()
        return None

    def lookup(self) -> None:
        code = self._holder()
        if code is None:
            return
        if code == self.asked and self.result is not None:
            self._try_mark(self.page.view)  # the same applicant again: the answer stands
            return
        self.asked, self.result = code, None
        self.label.setStyleSheet(GREY)
        self.label.setText("正在查询电子证照库……")
        Op(self.page, jobs.lookup_licences, self.page.store, code).success(self._found).failure(
            lambda e: self.label.setText(error_text(e))).run()

    def _found(self, res) -> None:
        if res.holder_code != self.asked:
            return  # an older answer: the clerk moved on to another applicant
        self.result = res
        self.label.setStyleSheet(GREY if res.online else ORANGE)
        self.label.setText(res.message)
        self._try_mark(self.page.view)

    def _try_mark(self, view) -> None:
        res = self.result
        if view is None or res is None or not res.online or not res.licences:
            return
        s = view.snapshot
        if s.state != "draft" or s.applicant.id_number.strip().upper() != res.holder_code:
            return
        types = {lic.licence_type for lic in res.licences}
        if not any(r.status == "missing" and r.e_licence_type in types for r in view.rows):
            return
        key = (s.id, res.holder_code)
        if key in self.applied:
            return
        if self.page.busy:  # the page's own write first; then ours
            QTimer.singleShot(30, lambda: self._try_mark(self.page.view))
            return
        self.applied.add(key)
        self.page.busy = True
        Op(self.page, jobs.mark_exempt, self.page.store, s.id, res.holder_code, res.licences, writer=True).success(
            self._marked).failure(self._failed).run()

    def _marked(self, result) -> None:
        marking, view = result
        self.page.busy = False
        self.page._show(view)
        if marking.exempted:
            names = "、".join(name for name, _ in marking.exempted)
            self.label.setStyleSheet(GREEN)
            self.label.setText(f"已调取电子证照，以下材料免于提交：{names}（证照标识见材料清单），请核对")
        if marking.refused:
            self.label.setText(self.label.text() + "；" + "；".join(f"{n}：{why}，请核验纸质材料" for n, why in marking.refused))
        self.page.checklist.table.setFocus()

    def _failed(self, exc) -> None:
        self.page.busy = False
        self.label.setStyleSheet(ORANGE)
        self.label.setText("电子证照未能标记：" + error_text(exc))
