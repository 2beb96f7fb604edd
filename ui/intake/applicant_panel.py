"""Applicant panel: who applies (person or organisation), and the agent (代办人) if any.

Keyboard: type the ID number (full-width digits and a lowercase x are fine) and press Enter:
earlier applicants are looked up, a single match fills the form and moves on; otherwise the
name field takes the focus. The ID is checked as it is typed and a wrong check digit is said
precisely; `applicant_input()` refuses to hand over an invalid form.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hallclient.errors import ValidationFailed
from hallclient.identity import CARD_TYPES, IdentityDocument
from hallclient.intake.applicants import ApplicantHit, ApplicantInput, check_applicant
from hallclient.personal import mask_phone
from hallclient.validation import validate_id, validate_uscc
from ui.intake.card_photo import CardPhoto
from ui.intake.card_read import CardTarget, card_note, card_target
from ui.ops import Op, error_text

ERROR_STYLE = "color: #b00020"
OK_STYLE = "color: #1b5e20"


class ApplicantPanel(QGroupBox):
    """Emits `completed` when the clerk finishes the applicant (Enter on the last field or a
    single earlier applicant found) and `resume_requested(case_id)` for a waiting case."""

    completed = Signal()
    resume_requested = Signal(str)

    def __init__(self, store, parent: QWidget | None = None):
        super().__init__("申请人", parent)
        self.store = store
        self.photo_wlt = b""
        self.kind = QComboBox(objectName="applicant_kind")
        self.kind.addItem("个人", "person")
        self.kind.addItem("单位", "organisation")
        self.id_number = QLineEdit(objectName="applicant_id")
        self.id_number.setPlaceholderText("证件号码 / 统一社会信用代码，回车查找")
        self.id_status = QLabel(objectName="applicant_id_status")
        self.id_status.setWordWrap(True)
        self.name = QLineEdit(objectName="applicant_name")
        self.name.setPlaceholderText("姓名 / 单位名称（必填）")
        self.phone = QLineEdit(objectName="applicant_phone")
        self.address = QLineEdit(objectName="applicant_address")
        self.rep_name = QLineEdit(objectName="legal_rep_name")
        self.rep_id = QLineEdit(objectName="legal_rep_id")
        self.has_agent = QCheckBox("代办人办理（需授权委托书）", objectName="has_agent")
        self.agent_id = QLineEdit(objectName="agent_id")
        self.agent_id.setPlaceholderText("代办人身份证号码")
        self.agent_name = QLineEdit(objectName="agent_name")
        self.agent_name.setPlaceholderText("代办人姓名")
        self.matches = QListWidget(objectName="applicant_matches")
        self.matches.setMaximumHeight(90)
        self.matches.hide()
        self.message = QLabel(objectName="applicant_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.photo = CardPhoto(store)
        self.card_status = QLabel(objectName="card_status")  # what the last card read did
        self.card_status.setWordWrap(True)

        form = QFormLayout()
        form.setVerticalSpacing(4)  # every pixel of this column counts at 1366x768
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("类型", self.kind)
        form.addRow("证件号码 *", self.id_number)
        form.addRow("", self.id_status)
        form.addRow("姓名/名称 *", self.name)
        form.addRow("联系电话", self.phone)
        form.addRow("地址", self.address)
        self._rep_rows = (QLabel("法定代表人"), QLabel("法定代表人证件"))
        form.addRow(self._rep_rows[0], self.rep_name)
        form.addRow(self._rep_rows[1], self.rep_id)
        form.addRow(self.has_agent)
        self._agent_labels = (QLabel("代办人证件"), QLabel("代办人姓名"))
        form.addRow(self._agent_labels[0], self.agent_id)
        form.addRow(self._agent_labels[1], self.agent_name)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(4)
        lay.addLayout(form)
        # The photo sits below the form, not beside it: the panel is narrow and the fields
        # (18-digit numbers, long company names) need the width.
        card = QHBoxLayout()
        card.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
        card.addWidget(self.card_status, 1, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(card)
        lay.addWidget(self.matches)
        lay.addWidget(self.message)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.id_number.textChanged.connect(self._check_id)
        self.id_number.returnPressed.connect(self._id_entered)
        self.name.returnPressed.connect(self._finish)
        self.phone.returnPressed.connect(self._finish)
        self.agent_name.returnPressed.connect(self._finish)
        self.agent_id.returnPressed.connect(self.agent_name.setFocus)
        self.has_agent.toggled.connect(self._agent_toggled)
        self.matches.itemActivated.connect(self._match_chosen)
        self._kind_changed()
        self._agent_toggled(False)

    # -- state ---------------------------------------------------------------------------------
    def clear(self) -> None:
        for w in (self.id_number, self.name, self.phone, self.address, self.rep_name, self.rep_id, self.agent_id,
                  self.agent_name):
            w.clear()
        self.photo_wlt = b""
        self.kind.setCurrentIndex(0)
        self.has_agent.setChecked(False)
        self.matches.clear()
        self.matches.hide()
        self.message.clear()
        self.id_status.clear()
        self.card_status.clear()
        self.photo.clear_photo()
        self.card_read_id = None

    def fill_from_identity(self, doc: IdentityDocument) -> None:
        """Fill the form from an ID card read (connected to the reader's card_read signal).

        Whose card it is follows from the form: the applicant's by default; the legal
        representative's for an organisation whose representative is still empty; the agent's
        when 代办人办理 is ticked and the applicant is already there. Nothing typed is
        overwritten by a card that belongs to nobody in the form."""
        target = card_target(self._form_state(), doc.id_number)
        note, expired = card_note(doc, target)
        self.card_status.setText(note)
        self.card_status.setStyleSheet(ERROR_STYLE if expired or target is None else OK_STYLE)
        if target is None:
            return
        self.photo.show_card(doc.photo_wlt, target.label)
        self.message.setText("")
        if target is CardTarget.AGENT:
            self._fill_agent(doc)
        elif target is CardTarget.LEGAL_REP:
            self._fill_legal_rep(doc)
        else:
            self._fill_applicant(doc)

    def _form_state(self) -> dict:
        return {"organisation": self.kind.currentData() == "organisation", "has_agent": self.has_agent.isChecked(),
                "applicant_id": self.id_number.text(), "applicant_name": self.name.text(),
                "rep_id": self.rep_id.text(), "rep_name": self.rep_name.text()}

    def _fill_applicant(self, doc: IdentityDocument) -> None:
        self.kind.setCurrentIndex(0)
        self.id_number.setText(doc.id_number)
        self.name.setText(doc.name)  # rare characters (䶮, 𠀀) kept exactly as read
        self.address.setText(doc.address)
        self.photo_wlt = doc.photo_wlt
        self.id_status.setText(f"{CARD_TYPES.get(doc.card_type, '证件')}（读卡）")
        self.card_read_id = doc.id_number if doc.card_type == "resident" else None
        self.id_status.setStyleSheet(OK_STYLE)
        self.lookup()

    def _fill_agent(self, doc: IdentityDocument) -> None:
        self.agent_id.setText(doc.id_number)
        self.agent_name.setText(doc.name)
        self._finish()  # applicant and agent complete: on to the service item

    def _fill_legal_rep(self, doc: IdentityDocument) -> None:
        self.rep_id.setText(doc.id_number)
        self.rep_name.setText(doc.name)
        empty = next((w for w in (self.id_number, self.name) if not w.text().strip()), None)
        if empty is not None:
            empty.setFocus()  # the organisation's own code and name are still to be typed
        else:
            self._finish()

    def _kind_changed(self) -> None:
        org = self.kind.currentData() == "organisation"
        for w in (*self._rep_rows, self.rep_name, self.rep_id):
            w.setVisible(org)
        self._check_id()

    def _agent_toggled(self, on: bool) -> None:
        for w in (*self._agent_labels, self.agent_id, self.agent_name):
            w.setVisible(on)
        if on:
            self.agent_id.setFocus()

    def _id_entered(self) -> None:
        """Enter in the number field: take up a suggestion first (the 18-digit form of an old
        15-digit ID, 单位 for a credit code typed under 个人), then look the applicant up."""
        text = self.id_number.text()
        if text.strip() and self.kind.currentData() == "person":
            v = validate_id(text)
            if v.suggestion:
                self.id_number.setText(v.suggestion)
                self.message.setText("已改为 18 位身份证号码，请再按回车查找申请人")
                return
            if v.suggest_kind == "organisation":
                self.kind.setCurrentIndex(self.kind.findData("organisation"))
                self.message.setText("已改为“单位”，请填写单位名称和法定代表人")
        self.lookup()

    def _check_id(self) -> None:
        text = self.id_number.text()
        if not text.strip():
            self.id_status.clear()
            return
        org = self.kind.currentData() == "organisation"
        v = validate_uscc(text) if org else validate_id(text)
        if v.valid:
            extra = f"，{v.birth_date:%Y-%m-%d}，{v.gender}" if v.birth_date and v.gender else ""
            self.id_status.setText(f"号码有效{extra}")
            self.id_status.setStyleSheet(OK_STYLE)
        else:
            self.id_status.setText(v.error)
            self.id_status.setStyleSheet(ERROR_STYLE)

    # -- lookup --------------------------------------------------------------------------------
    def lookup(self) -> None:
        query = self.id_number.text().strip() or self.name.text().strip()
        if not query:
            self.message.setText("请输入证件号码或姓名")
            return
        from ui.intake.jobs import lookup_applicant

        Op(self, lookup_applicant, self.store, query).success(self._looked_up).failure(
            lambda e: self.message.setText(error_text(e))).run()

    def _looked_up(self, result) -> None:
        self.matches.clear()
        hits = result.hits
        for h in hits:
            it = QListWidgetItem(f"{h.name}  {h.id_masked}  {mask_phone(h.phone)}")  # a list: masked
            it.setData(Qt.ItemDataRole.UserRole, h)
            self.matches.addItem(it)
        for cid, item_name, day in result.waiting:
            it = QListWidgetItem(f"待补正：{item_name}（{day}）— 回车继续办理")
            it.setData(Qt.ItemDataRole.UserRole, cid)
            self.matches.addItem(it)
        self.matches.setVisible(bool(hits))
        if len(hits) == 1:
            self._apply_hit(hits[0])
            if result.waiting:
                self.message.setText("该申请人有待补正的办件，可在下方列表中回车继续办理")
                self.matches.setCurrentRow(1)
                self.matches.setFocus()
                return
            self.message.clear()
            self._finish()
        elif hits:
            self.message.setText(f"找到 {len(hits)} 位申请人，请用方向键选择后回车")
            self.matches.setCurrentRow(0)
            self.matches.setFocus()
        else:
            self.message.clear()
            if not self.name.text():
                self.name.setFocus()
            else:
                self._finish()

    def _apply_hit(self, h: ApplicantHit) -> None:
        self.kind.setCurrentIndex(0 if h.kind == "person" else 1)
        self.id_number.setText(h.id_number)
        self.name.setText(h.name)
        self.phone.setText(h.phone)
        self.address.setText(h.address)
        self.rep_name.setText(h.legal_rep_name)
        self.rep_id.setText(h.legal_rep_id_number)

    def _match_chosen(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(data, str):
            self.resume_requested.emit(data)
            return
        self._apply_hit(data)
        self._finish()

    # -- output --------------------------------------------------------------------------------
    def _finish(self) -> None:
        try:
            self.applicant_input()
            self.agent_input()
        except ValidationFailed as e:
            self.message.setText(e.message)
            return
        self.message.clear()
        self.completed.emit()

    def card_verified_for(self, applicant: ApplicantInput) -> bool:
        """Whether `applicant` is the person whose resident ID card was just read."""
        from hallclient.validation import validate_id

        if not getattr(self, "card_read_id", None) or applicant.kind != "person":
            return False
        v = validate_id(applicant.id_number)
        return v.valid and v.normalized == self.card_read_id

    def applicant_input(self) -> ApplicantInput:
        """The applicant as typed; raises ValidationFailed with the precise message."""
        inp = ApplicantInput(
            kind=self.kind.currentData(), name=self.name.text(), id_number=self.id_number.text(),
            phone=self.phone.text(), address=self.address.text(), legal_rep_name=self.rep_name.text(),
            legal_rep_id_number=self.rep_id.text(), photo_wlt=self.photo_wlt,
        )
        check_applicant(inp)
        return inp

    def agent_input(self) -> ApplicantInput | None:
        if not self.has_agent.isChecked():
            return None
        inp = ApplicantInput("person", self.agent_name.text(), self.agent_id.text())
        try:
            check_applicant(inp)
        except ValidationFailed as e:
            raise ValidationFailed("代办人" + e.message) from None
        return inp

    def show_error(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))
