"""The preview: a print counts only when it happened; the preview keeps no buffer of a
document it no longer shows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QCoreApplication, QEvent
from sqlalchemy import func, select

from hallclient.models import PrintRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "intake"))
from intake_helpers import new_case, receive_all  # noqa: E402
from ui.ops import wait_all  # noqa: E402


@pytest.fixture
def accepted(store):
    from hallclient.intake.cases import accept, local_today

    with store.session() as s:
        cid, desk = new_case(s, "SCJG-003")
        receive_all(s, cid, local_today())
        accept(s, cid, desk)
    return cid


@pytest.fixture
def preview(store, qtbot):
    from ui.intake.preview import DocumentPreview

    p = DocumentPreview(store, None)
    qtbot.addWidget(p)
    p.resize(500, 700)
    p.show()
    yield p
    wait_all()


def _prints(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(PrintRecord))


def test_a_failed_print_is_said_and_leaves_no_record(preview, accepted, store, qtbot, tmp_path):
    preview.set_case(accepted, ("acceptance_notice", "material_receipt"))
    qtbot.waitUntil(lambda: preview.current is not None, timeout=20_000)
    preview.print_target = str(tmp_path / "no-such-dir" / "x.pdf")  # the printer cannot take it
    preview.print_document()
    # printing happens in the spooler process: the answer comes back as a signal
    qtbot.waitUntil(lambda: "没有打印出来" in preview.confirmation.text(), timeout=20_000)
    wait_all()
    assert _prints(store) == 0
    text = preview.confirmation.text()
    assert "没有打印出来" in text and "不计入打印记录" in text
    assert "Error" not in text and "/" not in text.replace("Ctrl+P", "")
    # the next try, on a printer that works, is a first print, not a 补打
    preview.print_target = str(tmp_path / "ok.pdf")
    with qtbot.waitSignal(preview.printed, timeout=20_000) as sig:
        preview.print_document()
    assert sig.args == ["acceptance_notice", False]
    assert _prints(store) == 1 and "已打印受理通知书" in preview.confirmation.text()
    # the preview moves on to the next document; the confirmation stays
    qtbot.waitUntil(lambda: preview.current is not None and preview.current.kind == "material_receipt", timeout=20_000)
    assert "已打印受理通知书" in preview.confirmation.text()


def _buffers(preview, qtbot) -> int:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.wait(10)
    return len(preview.findChildren(QBuffer))


def test_no_more_buffers_after_50_documents_than_after_one(preview, accepted, qtbot):
    kinds = ("acceptance_notice", "material_receipt")
    preview.set_case(accepted, kinds)
    qtbot.waitUntil(lambda: preview.current is not None, timeout=20_000)
    after_one = _buffers(preview, qtbot)
    for n in range(50):
        kind = kinds[n % 2]
        preview.show_kind(kind)
        qtbot.waitUntil(lambda k=kind: preview.current is not None and preview.current.kind == k
                        and preview._wanted == k and preview.status.text().startswith(("受理", "材料")), timeout=20_000)
    assert _buffers(preview, qtbot) <= after_one == 1
