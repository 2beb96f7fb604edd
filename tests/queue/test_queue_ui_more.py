"""Window panel, counter, kiosk, display and voice: the reviewer's defects, each against the real
service on loopback, real widgets and (for devices) the real DeviceHub over pseudo-terminals."""

import socket
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from sqlalchemy import select

from hallclient.models import Rating
from hallclient.queue.model import utc_now
from sync.hallqueue.server import LocalHall
from sync.hallqueue.client import QueueClient






def show(qtbot, w, size=(760, 620)):
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w


def _ratings(store):
    with store.session() as s:
        return list(s.scalars(select(Rating).order_by(Rating.at)))


# -- 2. call a specific number --------------------------------------------------------------------
def test_shift_f1_and_enter_call_a_specific_number(qtbot, service, fake_main):
    from ui.queue.panel import QueuePanel

    c = LocalHall(service)
    for _ in range(3):
        c.issue("A")
    main = fake_main
    p = show(qtbot, QueuePanel(service.url, "03", "3号窗口", "clerk", ["A"], main_window=main, token=service.token("window", "03")))
    qtbot.waitUntil(lambda: p.online is True, timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    assert p.specific_no.hasFocus()
    qtbot.keyClicks(p.specific_no, "a003")
    qtbot.keyClick(p.specific_no, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: p.current_label.text() == "A003", timeout=10000)
    assert main.opened == ["A003"] and p.specific_no.text() == ""
    assert c.status()["windows"][2]["current"] == "A003"
    p.do_end()
    qtbot.waitUntil(lambda: p.current is None and "办理结束" in p.message.text(), timeout=10000)
    qtbot.keyClick(p, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(p.specific_no, "A003")
    qtbot.keyClick(p.specific_no, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: p.message.text() == "该号不在等候中", timeout=10000)
    p.specific_btn.click()
    assert p.message.text() == "请输入要呼叫的号码，如 A012"


def test_specific_number_offline_goes_to_own_led(qtbot):
    from PySide6.QtWidgets import QWidget

    from devices.simulators import create
    from devices.worker import DeviceSpec
    from ui.devices import DeviceHub
    from ui.queue.panel import QueuePanel

    led = create("led")
    host = QWidget()
    host.devices = DeviceHub(host)
    host.devices.start([DeviceSpec("led", led.port, 9600, name="led")])
    try:
        p = QueuePanel("http://127.0.0.1:9", "03", "3号窗口", parent=host)
        show(qtbot, host)
        qtbot.waitUntil(lambda: p.online is False, timeout=10000)
        assert p.specific_btn.isEnabled()  # the fallback needs it offline
        p.specific_no.setText("b007")
        qtbot.keyClick(p.specific_no, Qt.Key.Key_Return)
        assert p.message.text() == "已在本窗口屏显示：请 B007 号 到 3号窗口 办理"
        qtbot.waitUntil(lambda: led.shown == "请 B007 号 到 3号窗口 办理", timeout=10000)
    finally:
        host.devices.stop()
        led.close()


# -- 8. register again when the service did not know the window -------------------------------------
def test_window_registers_once_the_service_comes_up(qtbot, tmp_path):
    from sync.hallqueue.app import create_queue_app
    from sync.hallqueue.server import RunningServer
    from ui.queue.panel import QueuePanel

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from sync.hallqueue.tokens import TokenStore

    db = f"sqlite:///{tmp_path / 'late.sqlite3'}"
    store = TokenStore.open(db)  # issued at registration, before the service first runs
    token = store.issue("window", "12")["token"]
    store.close()
    p = show(qtbot, QueuePanel(f"http://127.0.0.1:{port}", "12", "12号窗口", "clerk", ["C"], token=token))
    qtbot.waitUntil(lambda: p.online is False, timeout=10000)  # the service is down at start
    srv = RunningServer(create_queue_app(db), port=port).start()
    try:
        c = LocalHall(srv)
        c.issue("C")
        qtbot.waitUntil(lambda: any(w["code"] == "12" for w in c.status()["windows"]), timeout=15000)
        qtbot.waitUntil(lambda: p.online is True and p.buttons["call_next"].isEnabled(), timeout=10000)
        qtbot.keyClick(p, Qt.Key.Key_F1)
        qtbot.waitUntil(lambda: p.current_label.text() == "C001", timeout=10000)
        w = next(w for w in c.status()["windows"] if w["code"] == "12")
        assert (w["name"], w["profile"]["queues"], w["clerk"]) == ("12号窗口", ["C"], "clerk")
    finally:
        srv.close()


# -- 4. a broken rating pad: the screen asks -------------------------------------------------------
def test_broken_rating_pad_opens_the_screen_rating(qtbot, service, store, tmp_path):
    from PySide6.QtWidgets import QWidget

    from devices.worker import DeviceSpec
    from ui.devices import DeviceHub
    from ui.queue.panel import QueuePanel

    host = QWidget()
    host.devices = DeviceHub(host)
    # Configured, but nothing is plugged in at that port.
    host.devices.start([DeviceSpec("rating_pad", str(tmp_path / "ttyPAD"), 9600, name="pad")])
    try:
        LocalHall(service).issue("A")
        p = QueuePanel(service.url, "03", "3号窗口", "clerk", ["A"], store=store, clerk_id=1, window_id=3, parent=host,
                       token=service.token("window", "03"))
        show(qtbot, host)
        qtbot.waitUntil(lambda: p.online is True, timeout=10000)
        assert host.devices.worker("rating_pad") is not None
        p.do_call_next()
        qtbot.waitUntil(lambda: p.current_label.text() == "A001", timeout=10000)
        p.do_end()
        qtbot.waitUntil(lambda: p.rating_dialog is not None, timeout=15000)
        qtbot.addWidget(p.rating_dialog)
        assert "评价器没有响应" in p.message.text() and "A001" in p.message.text()
        assert p.rating_dialog.isVisible() and p.rating_dialog.ticket_no == "A001"
        p.rating_dialog.level_buttons[4].click()
        p.rating_dialog.submit.click()
        qtbot.waitUntil(lambda: p.rating_dialog.rating_id is not None, timeout=10000)
        (r,) = _ratings(store)
        assert (r.level, r.ticket_no, r.source) == (4, "A001", "screen")
    finally:
        host.devices.stop()


def test_working_rating_pad_gets_the_request_and_no_screen(qtbot, service, store):
    from PySide6.QtWidgets import QWidget

    from devices.simulators import create
    from devices.worker import DeviceSpec
    from ui.devices import DeviceHub
    from ui.queue.panel import QueuePanel

    pad = create("rating_pad")
    host = QWidget()
    host.devices = DeviceHub(host)
    host.devices.start([DeviceSpec("rating_pad", pad.port, 9600, name="pad")])
    try:
        qtbot.waitUntil(lambda: host.devices.states.get("pad", ("", ""))[1] == "ready", timeout=10000)
        LocalHall(service).issue("A")
        p = QueuePanel(service.url, "03", "3号窗口", "clerk", ["A"], store=store, parent=host, token=service.token("window", "03"))
        show(qtbot, host)
        qtbot.waitUntil(lambda: p.online is True, timeout=10000)
        p.do_call_next()
        qtbot.waitUntil(lambda: p.current_label.text() == "A001", timeout=10000)
        p.do_end()
        qtbot.waitUntil(lambda: "请申请人在评价器上评价" in p.message.text(), timeout=10000)
        assert pad.requested.is_set() and pad.token == "A001" and p.rating_dialog is None
    finally:
        host.devices.stop()
        pad.close()


# -- 5. a bad rating on the pad without a reason ----------------------------------------------------
@pytest.fixture
def counter_window(qtbot, store):
    from PySide6.QtWidgets import QMainWindow

    from devices.simulators import create
    from devices.worker import DeviceSpec
    from ui.counter import connect_counter
    from ui.devices import DeviceHub

    pad = create("rating_pad")
    mw = QMainWindow()
    mw.store = store
    mw.session = SimpleNamespace(user_id=1, window_id=3)
    mw.devices = DeviceHub(mw)
    connect_counter(mw)
    mw.devices.start([DeviceSpec("rating_pad", pad.port, 9600, name="pad")])
    show(qtbot, mw)
    qtbot.waitUntil(lambda: mw.devices.states.get("pad", ("", ""))[1] == "ready", timeout=10000)
    yield mw, pad
    mw.devices.stop()
    pad.close()


def test_pad_bad_rating_without_reason_opens_the_reason_picker(qtbot, store, counter_window):
    from ui.counter import NO_REASON_GIVEN

    mw, pad = counter_window
    pad.press(2, token="A005")  # 不满意, no reason pressed
    qtbot.waitUntil(lambda: getattr(mw, "pad_reason_dialog", None) is not None, timeout=10000)
    d = mw.pad_reason_dialog
    qtbot.addWidget(d)
    assert d.isVisible() and d.ticket_no == "A005" and d.level == 2 and d.reason_box.isVisible()
    assert "您在评价器上选择了“不满意”" in d.findChild(type(d.message), "rating_title").text()
    assert not any(b.isEnabled() for b in d.level_buttons.values())  # the pad's level stands
    assert _ratings(store) == []  # nothing stored without a reason
    d.submit.click()
    assert "请选择或填写不满意的原因" in d.message.text()
    d.reason_checks[1].click()
    d.submit.click()
    qtbot.waitUntil(lambda: d.rating_id is not None, timeout=10000)
    (r,) = _ratings(store)
    assert (r.level, r.ticket_no, r.source, r.reasons, r.clerk_id, r.window_id) == (2, "A005", "pad", [d.reason_checks[1].text()], 1, 3)

    pad.press(1, token="A006")  # closed without a reason: still stored, saying why
    qtbot.waitUntil(lambda: mw.pad_reason_dialog is not d, timeout=10000)
    qtbot.addWidget(mw.pad_reason_dialog)
    mw.pad_reason_dialog.reject()
    qtbot.waitUntil(lambda: len(_ratings(store)) == 2, timeout=10000)
    r = _ratings(store)[1]
    assert (r.level, r.ticket_no, r.comment, r.reasons) == (1, "A006", NO_REASON_GIVEN, [])

    pad.press(2, ("05",), token="A007")  # with a reason from the pad: stored at once
    qtbot.waitUntil(lambda: len(_ratings(store)) == 3, timeout=10000)
    assert _ratings(store)[2].reasons == ["等候时间过长"]


# -- 3. 过号登记 at the kiosk -------------------------------------------------------------------------
def test_kiosk_requeues_a_late_comer(qtbot, service):
    from ui.queue.kiosk import KioskWindow

    c = LocalHall(service)
    c.set_rules(no_show_after_calls=1, late_requeue="end")
    for _ in range(3):
        c.issue("A")
    assert c.call_next("01")["ticket"]["no"] == "A001"
    assert c.no_show("01")["ok"]
    k = show(qtbot, KioskWindow(service.url, "示例市政务服务中心", token=service.token("kiosk")), (1024, 768))
    qtbot.waitUntil(lambda: "A" in k.queue_buttons, timeout=10000)
    k.late_input.setText("a001")
    k.findChild(type(k.queue_buttons["A"]), "late_requeue").click()
    qtbot.waitUntil(lambda: "A001 号已排到队尾" in k.hint.text(), timeout=10000)
    assert "前面还有 2 人" in k.hint.text() and k.late_input.text() == ""
    assert c.call_next("01")["ticket"]["no"] == "A002"  # behind those who waited
    k.late_input.setText("A001")
    qtbot.keyClick(k.late_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "A001 号没有过号" in k.hint.text(), timeout=10000)
    k.late_input.setText("A099")
    k.requeue_late()
    qtbot.waitUntil(lambda: "今天没有这个号" in k.hint.text(), timeout=10000)
    k.late_input.setText("我迟到了")
    k.requeue_late()
    assert k.hint.text() == "请输入小票上的号码，如 A012，再点“过号登记”。"
    c.set_rules(late_requeue="refuse")
    c.end("01")
    c.call_next("01")  # A003
    c.no_show("01")
    k.late_input.setText("A003")
    k.requeue_late()
    qtbot.waitUntil(lambda: "过号后不再重新排队，请重新取号" in k.hint.text(), timeout=10000)


# -- 7. kiosk privacy and priority that does not stick -----------------------------------------------
def test_kiosk_masks_the_card_uses_its_birth_date_and_forgets_the_person(qtbot, service):
    from hallclient.identity import IdentityDocument
    from hallclient.personal import mask_id
    from PySide6.QtWidgets import QLabel, QLineEdit
    from ui.queue.kiosk import DEFAULT_HINT, KioskWindow

    c = LocalHall(service)
    young_number = "110105199003070017"
    # booked for now: "3 minutes later" was tomorrow in the last minutes of the hall's day
    c.add_appointment("YY0100", "B", utc_now().isoformat(), id_number=young_number)
    k = show(qtbot, KioskWindow(service.url, "示例市政务服务中心", token=service.token("kiosk")), (1024, 768))
    qtbot.waitUntil(lambda: "A" in k.queue_buttons, timeout=10000)

    def on_screen() -> str:
        return " ".join([w.text() for w in k.findChildren(QLabel)] + [w.text() for w in k.findChildren(QLineEdit)])

    # The card's birth date decides, not digits of the number (foreign cards carry none there).
    elderly = IdentityDocument("resident", "欧阳娜娜", "110105200001011238", birth_date=date(1950, 5, 1))
    k.on_card(elderly)
    assert k.priority == "elderly" and "欧阳**您好" in k.hint.text()
    assert "110105200001011238" not in on_screen() and k.appt_input.text() == mask_id("110105200001011238")
    k.queue_buttons["A"].click()
    qtbot.waitUntil(lambda: k.last_ticket is not None, timeout=10000)
    assert k.last_ticket["ticket"]["priority"] == "elderly"
    assert (k.priority, k.card_id, k.appt_input.text()) == ("", "", "")  # the next person starts clean
    k.queue_buttons["A"].click()
    qtbot.waitUntil(lambda: k.last_ticket["ticket"]["no"] == "A002", timeout=10000)
    assert k.last_ticket["ticket"]["priority"] == ""

    # A card read for check-in: masked on screen, the real number goes to the service.
    k.on_card(IdentityDocument("resident", "张三", young_number, birth_date=date(1990, 3, 7)))
    assert k.priority == "" and young_number not in on_screen()
    k.findChild(type(k.queue_buttons["A"]), "appt_checkin").click()
    qtbot.waitUntil(lambda: k.last_ticket["ticket"]["no"] == "B001", timeout=10000)
    assert k.appt_input.text() == "" and k.card_id == ""

    # The elderly person walks away without a ticket: after the idle time all is forgotten.
    k.idle.setInterval(300)
    k.on_card(elderly)
    assert k.priority == "elderly"
    qtbot.waitUntil(lambda: k.priority == "" and k.hint.text() == DEFAULT_HINT, timeout=5000)
    assert k.appt_input.text() == "" and k.card_id == "" and not any(b.isChecked() for b in k.prio_buttons.values())


# -- 9. a resumed backlog is shown, only fresh calls are spoken ---------------------------------------
def test_display_speaks_only_fresh_calls_on_the_service_clock(qtbot, tmp_path):
    from sync.hallqueue.app import create_queue_app
    from sync.hallqueue.server import RunningServer
    from sync.hallqueue.service import QueueService
    from ui.queue.display import HallDisplay

    shift = [timedelta(minutes=-20)]  # the service's clock runs 10 min behind this PC's (below)
    svc = QueueService(f"sqlite:///{tmp_path / 'q.sqlite3'}", clock=lambda: utc_now() + shift[0])
    srv = RunningServer(create_queue_app("", service=svc)).start()
    try:
        c = LocalHall(srv)
        c.issue("A")
        c.issue("B")
        c.call_next("01")  # A001: a call of 10 minutes ago
        shift[0] = timedelta(minutes=-10)
        c.call_next("04")  # B001: now, on the service's clock
        d = HallDisplay(srv.url, "示例市政务服务中心", voice_repeat=2, enable_speech=False, token=srv.token("display"))
        show(qtbot, d, (1280, 720))
        qtbot.waitUntil(lambda: d.follower is not None, timeout=10000)
        d.calls.clear()
        d.on_events(c.events(0, timeout=0)["events"])  # the backlog a reconnecting display gets
        assert [x["ticket"] for x in d.calls] == ["B001", "A001"]  # both shown
        assert d.latest.text() == "B001" and "A001" in d.prev_labels[0].text()
        qtbot.waitUntil(lambda: len(d.announcer.history) == 2, timeout=5000)
        qtbot.wait(200)
        assert d.announcer.history == ["请 B零零一 号 到 4 号窗口 办理"] * 2  # the stale call is not read out
        d.shutdown()
    finally:
        srv.close()


# -- 11. the voice queue --------------------------------------------------------------------------
class FakeSpeech(QObject):
    """A stand-in speech engine (QtTextToSpeech has no engine on this machine): takes `ms` per
    utterance, or never finishes the texts listed in `hang`."""

    from enum import Enum

    class State(Enum):
        Ready = 0
        Speaking = 1
        Error = 3

    stateChanged = Signal(object)

    def __init__(self, ms=40, hang=()):
        super().__init__()
        self.ms, self.hang = ms, set(hang)
        self.state = self.State.Ready
        self.said: list[str] = []
        self.cut_off = 0

    def say(self, text):
        if self.state is self.State.Speaking:
            self.cut_off += 1  # a real engine would stop the current utterance here
        self.said.append(text)
        self._set(self.State.Speaking)
        if text not in self.hang:
            QTimer.singleShot(self.ms, lambda: self._set(self.State.Ready))

    def _set(self, st):
        self.state = st
        self.stateChanged.emit(st)


def test_voice_queue_never_cuts_off_and_repeats(qtbot):
    from ui.queue.voice import Announcer

    eng = FakeSpeech()
    a = Announcer(engine=eng)
    assert a.available
    a.say("请 A零零一 号 到 3 号窗口 办理", 2)
    a.say("请 B零零一 号 到 4 号窗口 办理", 1)
    a.say("不会读出", 0)  # repeat 0: the hall turned the voice off
    qtbot.waitUntil(lambda: len(eng.said) == 3 and eng.state is FakeSpeech.State.Ready, timeout=5000)
    qtbot.wait(400)
    assert eng.said == ["请 A零零一 号 到 3 号窗口 办理"] * 2 + ["请 B零零一 号 到 4 号窗口 办理"]
    assert eng.cut_off == 0 and a.history == eng.said and not a.pending


def test_voice_watchdog_goes_on_when_the_engine_hangs(qtbot):
    from ui.queue.voice import Announcer

    eng = FakeSpeech(hang={"卡住"})
    a = Announcer(engine=eng, watchdog_s=0.3)
    a.say("卡住", 1)
    a.say("下一条", 1)
    qtbot.waitUntil(lambda: eng.said == ["卡住", "下一条"], timeout=5000)
    assert a.timeouts == 1
    qtbot.waitUntil(lambda: eng.state is FakeSpeech.State.Ready, timeout=5000)
    qtbot.wait(500)
    assert a.timeouts == 1 and not a._busy
