"""The certificate page driven like a clerk: from a case in 办件查询 to the preview and the
print (a real PDF at the template's size), and the hand-over with a card on the simulated
reader (a pseudo-terminal)."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import Qt
from pypdf import PdfReader
from sqlalchemy import select

from cert_helpers import actor, decided_case, without_demo_stock
from devices.simulators.idreader import IdReaderSimulator, sample_cards
from devices.worker import DeviceSpec
from hallclient.certificates.models import Certificate
from hallclient.certificates.stock import print_certificate, register_range, stock_report
from hallclient.intake import ApplicantInput
from hallclient.intake.cases import load_case
from hallclient.models import Hall, User, Window
from ui.login import Session
from ui.ops import wait_all

CARDS = sample_cards()
APPLICANT = ApplicantInput("person", CARDS["resident"].name, CARDS["resident"].id_number, address="示例市福田区示例路 88 号")


@pytest.fixture
def mw(ctx, qtbot):
    from ui.app import ensure_app
    from ui.main_window import MainWindow

    ensure_app()
    with ctx.store.session() as s:
        user = s.scalars(select(User).where(User.username == "clerk")).one()
        win = s.scalars(select(Window).where(Window.code == "03")).one()
        hall = s.scalars(select(Hall)).one()
        session = Session(user.id, user.username, user.display_name, user.role, win.id, win.code, win.name, hall.code,
                          hall.name)
        without_demo_stock(s)
        register_range(s, actor(s, "supervisor"), "business_licence_copy", 1, 20, prefix="YZ")
    w = MainWindow(ctx, session)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.devices.stop()
    wait_all()


def _case(store, **kw):
    with store.session() as s:
        return decided_case(s, "SCJG-001", applicant=APPLICANT, **kw)


def test_preview_and_print_from_a_case_in_the_case_list(qtbot, mw, store, tmp_path):
    cid, cert_id = _case(store)
    cases = mw.show_page("cases")
    qtbot.waitUntil(lambda: any(r.id == cid for r in cases.rows))
    cases.table.setCurrentCell(next(i for i, r in enumerate(cases.rows) if r.id == cid), 0)
    with qtbot.waitSignal(mw.stack.currentChanged, timeout=5000):
        cases.certificate_button.click()
    page = mw.pages["certificates"]
    qtbot.waitUntil(lambda: page.view is not None and page.view.case_id == cid, timeout=10000)
    qtbot.waitUntil(lambda: page.doc.pageCount() == 1, timeout=10000)
    assert mw.stack.currentWidget() is page
    assert "营业执照（副本）" in page.info.text() and page.print_button.isEnabled()
    assert not page.handover_button.isEnabled()  # not printed yet
    page.printer.setCurrentText("PDF 文件")
    page.print_target = str(tmp_path / "printed.pdf")
    with qtbot.waitSignal(page.printed, timeout=10000) as b:
        qtbot.keyClick(page, "i", Qt.KeyboardModifier.AltModifier)  # the 打印(&I) mnemonic
    assert b.args == ["YZ0000001"]
    out = PdfReader(str(tmp_path / "printed.pdf")).pages[0]
    assert round(float(out.mediabox.width) * 25.4 / 72) == 297 and round(float(out.mediabox.height) * 25.4 / 72) == 210
    with store.session() as s:
        cert = s.get(Certificate, cert_id)
        assert cert.status == "printed"
        text = PdfReader(io.BytesIO(page.last_pdf)).pages[0].extract_text()
        assert cert.certificate_no in text and cert.licence_id in text and "营业执照" not in text  # 套打: fields only
        line = next(x for x in stock_report(s) if x.template_key == "business_licence_copy")
        assert (line.used, line.remaining, line.balanced) == (1, 19, True)
    assert page.print_button.text() == "补打(&I)" and page.handover_button.isEnabled()


def test_hand_over_with_a_card_on_the_reader(qtbot, mw, store, tmp_path):
    cid, cert_id = _case(store)
    with store.session() as s:
        print_certificate(s, actor(s, "clerk"), cert_id, printer="PDF 文件")
    page = mw.show_page("certificates")
    page.open_case(cid)
    qtbot.waitUntil(lambda: page.view is not None and page.handover_button.isEnabled(), timeout=10000)
    sim = IdReaderSimulator().start()
    try:
        mw.devices.start([DeviceSpec("id_reader", sim.port, name="reader", options={"poll_interval": 0.05})])
        # A stranger's card: taken as the recipient's, and refused.
        sim.place(CARDS["resident_rare_name"])
        qtbot.waitUntil(lambda: page.recipient_id.text() == CARDS["resident_rare_name"].id_number, timeout=15000)
        assert mw.stack.currentWidget() is page  # the card did not go to 受理
        page.handover_button.click()
        qtbot.waitUntil(lambda: "不能出件" in page.message.text(), timeout=10000)
        with store.session() as s:
            assert s.get(Certificate, cert_id).status == "printed"
        n = len(sim.commands)
        sim.remove()
        qtbot.waitUntil(lambda: sim.commands[n:].count("find") >= 2, timeout=10000)  # it saw the empty field
        # The applicant's own card: accepted, the case is 办结, the 送达回证 prints.
        sim.place(CARDS["resident"])
        qtbot.waitUntil(lambda: page.recipient_id.text() == CARDS["resident"].id_number, timeout=15000)
        assert page.recipient_name.text() == "张伟"
        with qtbot.waitSignal(page.handed_over, timeout=10000):
            page.handover_button.click()
    finally:
        mw.devices.stop()
        sim.close()
    with store.session() as s:
        assert s.get(Certificate, cert_id).status == "handed_over"
        assert load_case(s, cid).state == "completed" and load_case(s, cid).events[-1].type == "handed_over"
    page.printer.setCurrentText("PDF 文件")
    page.print_target = str(tmp_path / "receipt.pdf")
    qtbot.waitUntil(lambda: page.receipt_button.isEnabled())
    page.receipt_button.click()
    qtbot.waitUntil(lambda: "已打印送达回证" in page.message.text(), timeout=10000)
    text = PdfReader(io.BytesIO(page.last_pdf)).pages[0].extract_text()
    assert "送 达 回 证" in text and "张伟" in text and "申请人本人" in text


def test_reprint_asks_a_reason_and_the_supervisor(qtbot, mw, store, tmp_path):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QLineEdit

    cid, cert_id = _case(store)
    with store.session() as s:
        print_certificate(s, actor(s, "clerk"), cert_id, printer="PDF 文件")
    page = mw.show_page("certificates")
    page.open_case(cid)
    qtbot.waitUntil(lambda: page.view is not None and page.print_button.text() == "补打(&I)", timeout=10000)
    page.printer.setCurrentText("PDF 文件")
    page.print_target = str(tmp_path / "reprint.pdf")
    answered = []

    def answer():  # plays the clerk, then the supervisor, in the two modal dialogs
        d = QApplication.activeModalWidget()
        if isinstance(d, QDialog) and d.objectName() == "reason_dialog" and "reason" not in answered:
            d.findChild(QLineEdit, "reason_edit").setText("证书污损")
            answered.append("reason")
            d.accept()
        elif isinstance(d, QDialog) and d.objectName() == "authorise_dialog" and "auth" not in answered:
            d.user.setText("supervisor")
            d.password.setText("super123")
            answered.append("auth")
            d._submit()
        if len(answered) < 2:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    with qtbot.waitSignal(page.printed, timeout=20000) as b:
        page.print_button.click()
    assert answered == ["reason", "auth"] and b.args == ["YZ0000002"]
    with store.session() as s:
        ev = load_case(s, cid).events[-1]
        assert ev.type == "certificate_reprinted" and ev.payload["reason"] == "证书污损" and ev.payload["authoriser"] == "supervisor"


def test_calibration_dialog_refuses_beyond_10_mm_and_saves_the_offset(qtbot, mw, store, tmp_path):
    from hallclient.certificates.calibration import get_offset
    from ui.certificates.dialogs import CalibrationDialog

    cid, _cert = _case(store)
    page = mw.show_page("certificates")
    page.printer.setCurrentText("PDF 文件")
    page.print_target = str(tmp_path / "calibration.pdf")
    page.open_case(cid)
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    d = CalibrationDialog(page, page.view.template, "PDF 文件", page.view.offset)  # what 校准 (Alt+B) opens
    d.show()
    d.sheet_button.click()  # the calibration sheet goes to the PDF file
    # printed by the spooler process: done when the dialog says so, not when the file appears
    qtbot.waitUntil(lambda: "已打印" in d.message.text(), timeout=10000)
    d.dx.setValue(12)
    d.save_button.click()
    qtbot.waitUntil(lambda: "超出范围" in d.message.text() and "±10 mm" in d.message.text(), timeout=10000)
    d.dx.setValue(1.5)
    d.dy.setValue(-0.75)
    with qtbot.waitSignal(d.accepted, timeout=10000):
        d.save_button.click()
    with store.session() as s:
        o = get_offset(s, "PDF 文件")
        assert (o.dx_mm, o.dy_mm) == (1.5, -0.75)
    page._printer_changed()  # what calibrate() does after the dialog
    qtbot.waitUntil(lambda: page.offset_label.text() == "偏移 X +1.50 / Y -0.75 mm", timeout=10000)
    sheet = PdfReader(str(tmp_path / "calibration.pdf")).pages[0]
    assert round(float(sheet.mediabox.width) * 25.4 / 72) == 297  # the template's sheet size
