"""Window panel, hall display (without speech), kiosk and rating window, against the real
service on loopback."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from hallclient.models import OutboxEntry, Rating
from sync.hallqueue.server import LocalHall
from sync.hallqueue.client import QueueClient



@pytest.fixture
def shots(tmp_path):
    """Where screenshots go: tmp_path, unless HALLCLIENT_SCREENSHOTS_DIR names a directory (set it
    to docs/screenshots to regenerate the documentation's pictures on purpose)."""
    d = Path(os.environ.get("HALLCLIENT_SCREENSHOTS_DIR") or tmp_path / "screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(autouse=True)
def cjk_font(qapp):
    """The bundled CJK font, as the real app sets it (screenshots must show Chinese)."""
    from ui.app import ui_font

    qapp.setFont(ui_font())






def make_panel(qtbot, service, store=None, main=None):
    from ui.queue.panel import QueuePanel

    p = QueuePanel(service.url, "03", "3号窗口", "clerk", ["A", "B"], store=store, clerk_id=1, window_id=3, main_window=main,
                   token=service.token("window", "03"))
    qtbot.addWidget(p)
    p.resize(760, 620)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    qtbot.waitUntil(lambda: p.online is True, timeout=10000)
    return p


def test_panel_f_keys_drive_the_queue(qtbot, service, store, shots, fake_main):
    c = LocalHall(service)
    c.set_rules(recall_min_gap_s=0, no_show_after_calls=2)
    for q in "AAB":
        c.issue(q)
    main = fake_main
    p = make_panel(qtbot, service, store, main)
    assert p.buttons["call_next"].text() == "叫号\nF1" and p.buttons["end"].text() == "结束/评价\nF8"
    qtbot.keyClick(p, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: p.current_label.text() == "A001", timeout=10000)
    assert main.opened == ["A001"]  # calling opens intake for the ticket
    qtbot.keyClick(p, Qt.Key.Key_F2)  # recall
    qtbot.waitUntil(lambda: "已重呼" in p.message.text(), timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F3)  # no-show after 2 calls
    qtbot.waitUntil(lambda: "已过号" in p.message.text(), timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: p.current_label.text() == "A002", timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F5)  # park
    qtbot.waitUntil(lambda: "已挂起" in p.message.text() and p.status.get("parked") == ["A002"], timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F6)  # call back
    qtbot.waitUntil(lambda: p.current_label.text() == "A002", timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F8)  # end -> rating window
    qtbot.waitUntil(lambda: p.rating_dialog is not None, timeout=10000)
    qtbot.addWidget(p.rating_dialog)
    p.rating_dialog.level_buttons[5].click()
    p.rating_dialog.submit.click()
    qtbot.waitUntil(lambda: p.rating_dialog.rating_id is not None, timeout=10000)
    with store.session() as s:
        r = s.scalars(select(Rating)).one()
        assert (r.level, r.ticket_no, r.clerk_id) == (5, "A002", 1)
    p.pause("午休")
    qtbot.waitUntil(lambda: p.paused and p.buttons["pause"].text() == "恢复\nF7", timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: "请先恢复" in p.message.text(), timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F7)  # resume
    qtbot.waitUntil(lambda: not p.paused, timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: p.current_label.text() == "B001", timeout=10000)
    p.transfer_to(to_queue="A", keep_position=False)
    qtbot.waitUntil(lambda: "已转移" in p.message.text(), timeout=10000)
    assert c.status()["queues"][0]["waiting"] == 1
    c.issue("A")
    c.issue("B")
    qtbot.keyClick(p, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: p.current_label.text() == "B001", timeout=10000)  # longest wait of A
    p.refresh()
    qtbot.wait(300)
    p.grab().save(str(shots / "queue-window-panel.png"))


def test_panel_offline_says_so_and_uses_own_led(qtbot, shots):
    """The hall service is down: the clerk calls by hand on the window's own LED strip (a real
    DeviceHub driving the LED simulator over a pseudo-terminal)."""
    from PySide6.QtWidgets import QWidget

    from devices.simulators import create
    from devices.worker import DeviceSpec
    from ui.devices import DeviceHub
    from ui.queue.panel import QueuePanel

    led = create("led")
    host = QWidget()
    qtbot.addWidget(host)
    host.devices = DeviceHub(host)
    host.devices.start([DeviceSpec("led", led.port, 9600, name="led")])
    try:
        p = QueuePanel("http://127.0.0.1:9", "03", "3号窗口", parent=host)
        qtbot.waitUntil(lambda: p.online is False, timeout=10000)
        assert "大厅排队系统暂时连接不上" in p.banner.text() and "http" not in p.banner.text()
        assert not p.buttons["call_next"].isEnabled()
        p.manual_no.setText("a012")
        p.manual_btn.click()
        assert p.message.text() == "已在本窗口屏显示：请 A012 号 到 3号窗口 办理"
        qtbot.waitUntil(lambda: led.shown == "请 A012 号 到 3号窗口 办理", timeout=10000)
        assert p.current_label.text() == "A012"
    finally:
        host.devices.stop()
        led.close()
    host.resize(760, 620)
    host.show()
    p.resize(760, 620)
    p.grab().save(str(shots / "queue-window-panel-offline.png"))


def test_display_shows_calls_and_queues_announcements_silently(qtbot, service, shots):
    from ui.queue.display import HallDisplay

    c = LocalHall(service)
    for q in "AAB":
        c.issue(q)
    c.call_next("01")  # before the display starts: shown from the status
    d = HallDisplay(service.url, "示例市政务服务中心", voice_repeat=2, enable_speech=False, token=service.token("display"))
    qtbot.addWidget(d)
    d.resize(1280, 720)
    d.show()
    qtbot.waitUntil(lambda: d.follower is not None and d.latest.text() == "A001", timeout=10000)
    c.call_next("03")
    c.call_next("04")
    qtbot.waitUntil(lambda: d.latest.text() == "B001", timeout=10000)
    qtbot.waitUntil(lambda: len(d.announcer.history) == 4, timeout=10000)
    assert not d.announcer.available
    assert d.announcer.history == ["请 A零零二 号 到 3 号窗口 办理"] * 2 + ["请 B零零一 号 到 4 号窗口 办理"] * 2
    qtbot.waitUntil(lambda: d.window_labels["03"].text() == "A002", timeout=10000)
    assert "请 A002 号 到 3号窗口 办理" in d.prev_labels[0].text()
    d.grab().save(str(shots / "queue-hall-display.png"))
    d.shutdown()


def test_voice_import_failure_means_no_engine(qtbot):
    from ui.queue.voice import Announcer

    a = Announcer(enable_speech=True)  # QtTextToSpeech cannot load here: silent, not crashing
    assert not a.available and a.tts is None
    a.say("请 A零零一 号 到 3 号窗口 办理", 1)
    qtbot.waitUntil(lambda: a.history == ["请 A零零一 号 到 3 号窗口 办理"], timeout=5000)


def test_kiosk_issues_priority_after_card_and_checks_in(qtbot, service, shots):
    from hallclient.queue.model import utc_now
    from ui.queue.kiosk import KioskWindow, age_on

    c = LocalHall(service)
    c.add_appointment("YY0009", "B", utc_now().isoformat())  # now: later could be tomorrow, hall time
    k = KioskWindow(service.url, "示例市政务服务中心", token=service.token("kiosk"))
    qtbot.addWidget(k)
    k.resize(1024, 768)
    k.show()
    qtbot.waitUntil(lambda: "A" in k.queue_buttons, timeout=10000)
    k.queue_buttons["A"].click()
    qtbot.waitUntil(lambda: k.last_ticket is not None, timeout=10000)
    assert k.last_ticket["ticket"]["no"] == "A001" and "A001" in k.ticket_view.text()
    assert "本机未连接小票打印机" in k.hint.text()
    k.on_card("11010519491231002X")  # 76 years old
    assert k.priority == "elderly" and "老年人绿色通道" in k.hint.text()
    k.queue_buttons["A"].click()
    qtbot.waitUntil(lambda: k.last_ticket["ticket"]["no"] == "A002", timeout=10000)
    assert k.last_ticket["ticket"]["priority"] == "elderly" and k.last_ticket["people_ahead"] == 1
    k.appt_input.setText("YY0009")
    k.check_in()
    qtbot.waitUntil(lambda: k.last_ticket["ticket"]["no"] == "B001", timeout=10000)
    assert "预约" in k.ticket_view.text()
    assert age_on("11010519491231002X", __import__("datetime").date(2009, 12, 30)) == 59
    k.grab().save(str(shots / "queue-kiosk.png"))


def test_kiosk_prints_the_ticket_and_reads_the_card_through_real_devices(qtbot, service, tmp_path):
    """Kiosk with its own DeviceHub: an elderly person's card on the reader simulator opens the
    green channel; the ticket goes to the printer simulator as ESC/POS; paper out is said on
    screen and the number stays readable there."""
    from devices.simulators import create
    from devices.simulators.idreader import IdReaderSimulator, sample_cards
    from devices.worker import DeviceSpec
    from ui.devices import DeviceHub
    from ui.queue.kiosk import KioskWindow

    printer = create("ticket_printer")
    reader = IdReaderSimulator().start()
    hub = DeviceHub()
    hub.start([DeviceSpec("ticket_printer", printer.port, 9600, name="printer"),
               DeviceSpec("id_reader", reader.port, 115200, name="reader", options={"poll_interval": 0.05})])
    try:
        k = KioskWindow(service.url, "示例市政务服务中心", hub=hub, progress_url="https://zwfw.example.gov.cn/q?t={no}",
                        token=service.token("kiosk"))
        qtbot.addWidget(k)
        qtbot.waitUntil(lambda: "A" in k.queue_buttons, timeout=10000)
        qtbot.waitUntil(lambda: hub.states.get("reader", ("", ""))[1] == "ready", timeout=10000)
        reader.place(sample_cards()["resident_rare_name"])  # born 1960: 60 or older
        qtbot.waitUntil(lambda: k.priority == "elderly", timeout=10000)
        k.queue_buttons["A"].click()
        qtbot.waitUntil(lambda: k.hint.text() == "请取走小票，留意叫号。", timeout=20000)
        text = printer.text()
        assert "A001" in text and "示例市政务服务中心" in text and "老年人" in text
        assert "您前面还有 0 人等候" in text
        printer.clear()
        printer.paper_out = True
        k.queue_buttons["A"].click()
        qtbot.waitUntil(lambda: "小票打印失败" in k.hint.text(), timeout=20000)
        assert "A002" in k.hint.text() and "缺纸" in k.hint.text()
        assert "A002" in k.ticket_view.text()
    finally:
        hub.stop()
        printer.close()
        reader.close()


def test_rating_window_requires_a_reason_for_bad_rating(qtbot, store, shots):
    from ui.queue.rating import RatingDialog

    d = RatingDialog(store, "A007", clerk_id=1, window_id=2, clerk_name="王晓敏")
    qtbot.addWidget(d)
    d.show()
    assert not d.submit.isEnabled()
    d.level_buttons[2].click()
    assert d.reason_box.isVisible()
    d.submit.click()
    assert "请选择或填写不满意的原因" in d.message.text() and d.rating_id is None
    d.grab().save(str(shots / "queue-rating.png"))
    d.reason_checks[0].click()
    d.comment.setText("等了四十分钟")
    d.submit.click()
    qtbot.waitUntil(lambda: d.rating_id is not None, timeout=10000)
    with store.session() as s:
        r = s.get(Rating, d.rating_id)
        assert (r.level, r.reasons, r.comment, r.window_id) == (2, ["等候时间太长"], "等了四十分钟", 2)
        ob = s.scalars(select(OutboxEntry).where(OutboxEntry.kind == "rating")).one()
        assert ob.payload["level"] == 2 and ob.uuid == r.id


def test_bad_rating_without_reason_refused_in_core(store):
    from hallclient.errors import ValidationFailed
    from hallclient.queue.rating import record_rating

    with store.session() as s:
        with pytest.raises(ValidationFailed):
            record_rating(s, 1)
        with pytest.raises(ValidationFailed):
            record_rating(s, 7)
        assert record_rating(s, 4).level == 4
