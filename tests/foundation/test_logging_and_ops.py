import logging
import threading

import pytest

from hallclient.errors import HallError
from hallclient.logging_setup import scrub


def test_log_file_never_holds_id_or_phone_numbers(ctx):
    logging.getLogger("hallclient.test").warning("applicant %s phone %s code %s", "11010519491231002X", "13812345678", "91350100M000100Y43")
    for h in logging.getLogger().handlers:
        h.flush()
    text = (ctx.data_dir.logs / "hallclient.log").read_text("utf-8")
    assert "applicant 110***********002X phone 138****5678" in text
    for secret in ("11010519491231002X", "13812345678", "91350100M000100Y43"):
        assert secret not in text


def test_tracebacks_in_the_log_are_scrubbed_too(ctx):
    try:
        raise ValueError("身份证号 11010519491231002X 校验失败，联系电话 138-1234-5678")
    except ValueError:
        logging.getLogger("hallclient.test").exception("保存申请人失败")
    for h in logging.getLogger().handlers:
        h.flush()
    text = (ctx.data_dir.logs / "hallclient.log").read_text("utf-8")
    assert "Traceback" in text and "保存申请人失败" in text
    assert "11010519491231002X" not in text and "138-1234-5678" not in text
    assert "110***********002X" in text


@pytest.mark.parametrize(
    "raw, secret",
    [("138-1234-5678", "1234"), ("138 1234 5678", "1234"), ("+86 13812345678", "381234"),
     ("0755-83212345", "832123"), ("075583212345", "832123"), ("91350100M000100Y43", "0100M000")],
)
def test_scrub_masks_phone_numbers_in_any_common_spelling(raw, secret):
    out = scrub(f"电话 {raw} 已保存")
    assert secret not in out and out.startswith("电话 ") and out.endswith(" 已保存")


def test_scrub_leaves_ordinary_numbers():
    assert scrub("窗口 3 叫号 A001，耗时 125 ms") == "窗口 3 叫号 A001，耗时 125 ms"
    # case numbers and timestamps are not personal data and must stay readable in the log
    assert scrub("办件 440300001-20261202-03-0007 于 2026-12-02 08:57:22") == "办件 440300001-20261202-03-0007 于 2026-12-02 08:57:22"


def test_op_runs_off_the_ui_thread_and_reports_back(qtbot):
    from PySide6.QtWidgets import QWidget

    from ui.ops import Op

    owner = QWidget()
    qtbot.addWidget(owner)
    seen = {}

    def work(x):
        seen["thread"] = threading.current_thread()
        return x * 2

    def done(v):
        seen["result"] = v
        seen["cb_thread"] = threading.current_thread()

    Op(owner, work, 21).success(done).run()
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42
    assert seen["thread"] is not threading.main_thread()
    assert seen["cb_thread"] is threading.main_thread()


def test_op_failure_becomes_a_message_for_the_clerk(qtbot):
    from PySide6.QtWidgets import QWidget

    from ui.ops import Op, error_text

    owner = QWidget()
    qtbot.addWidget(owner)
    errors = []

    def boom():
        raise HallError("中心服务器无法连接，请稍后重试")

    Op(owner, boom).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert error_text(errors[0]) == "中心服务器无法连接，请稍后重试"
    assert "磁盘空间不足" in error_text(OSError(28, "No space left on device"))
    assert "Traceback" not in error_text(ValueError("x"))
