"""The ticket kiosk (取号机): big touch buttons per queue, green channel after an ID card read,
appointment check-in, and the ticket printed (or shown on screen without a printer)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from urllib.parse import quote

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hallclient.personal import mask_id, mask_name
from hallclient.settings import PROGRESS_URL
from hallclient.queue.model import ELDERLY_AGE, HALL_TZ, PRIORITY_REASONS
from hallclient.validation import validate_id
from printing.ticket import QueueTicket, ticket_bytes
from sync.hallqueue.client import QueueClient
from ui.ops import Op, error_text
from ui.queue import bridge

log = logging.getLogger(__name__)


#: After this long without a touch the kiosk forgets the last person: their card's number and
#: green channel must not pass to whoever comes next.
IDLE_RESET_S = 30
DEFAULT_HINT = "请选择要办理的业务；老年人请先在读卡器上刷身份证，可取绿色通道号。"
TICKET_NO = re.compile(r"^[A-Z]\d{3,4}$")


def age_on(birth: date | str, today: date) -> int | None:
    """Age on `today` from a birth date, or from the birth date inside an 18-character ID number
    (GB 11643) when only a typed number is known."""
    if isinstance(birth, str):
        try:
            birth = date(int(birth[6:10]), int(birth[10:12]), int(birth[12:14]))
        except (ValueError, IndexError):
            return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def requeue_text(r: dict) -> str:
    """What the kiosk tells a late-comer about a 过号登记 answer of the service."""
    ev = r["event"]
    no = ev.get("ticket") or ""
    if r["ok"]:
        ahead = r.get("people_ahead")
        rule = {"end": "已排到队尾", "keep": "已按原来的位置重新排队", "behind": "已重新排队"}.get(ev["data"].get("rule"), "已重新排队")
        return f"{no} 号{rule}" + (f"，前面还有 {ahead} 人" if ahead is not None else "") + "，请留意屏幕和语音叫号。"
    if ev["outcome"] == "not_found":
        return "今天没有这个号，请核对小票上的号码；如有疑问请到导服台。"
    if ev["outcome"] == "not_waiting":
        return f"{no} 号没有过号（仍在等候、正在办理或已办结），无需登记，请留意叫号。"
    return r["message"]


def ticket_for(hall_name: str, r: dict, progress_url: str = PROGRESS_URL.default) -> QueueTicket:
    """The printable ticket of an issue/check-in reply of the queue service."""
    t = r["ticket"]
    return QueueTicket(
        hall_name=hall_name, number=t["no"], queue_name=r.get("queue_name", ""),
        waiting_ahead=int(r.get("people_ahead", 0)), issued_at=datetime.fromisoformat(t["issued_at"]),
        qr_url=progress_url.replace("{no}", quote(t["no"], safe="")),
        priority_label=PRIORITY_REASONS.get(t.get("priority") or "", ""),
    )


class KioskWindow(QWidget):
    def __init__(self, url: str, hall_name: str = "政务服务中心", hub=None, parent=None,
                 progress_url: str = PROGRESS_URL.default, token: str = ""):
        super().__init__(parent)
        self.progress_url = progress_url
        self.setObjectName("kiosk")
        self.client = QueueClient(url, timeout=5, token=token)
        self.hall_name, self.hub = hall_name, hub
        self.priority = ""
        self.last_ticket: dict | None = None
        self.setStyleSheet("QWidget#kiosk { background: #eef3fb } QPushButton.queue { font-size: 24pt; min-height: 110px;"
                           " background: #0b5394; color: white; border-radius: 14px }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        title = QLabel(f"{hall_name}　自助取号")
        title.setStyleSheet("font-size: 30pt; font-weight: bold; color: #0b1f3a")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card_id = ""  # the ID number of the card last read: never shown in full
        self.hint = QLabel(DEFAULT_HINT, objectName="kiosk_hint")
        self.hint.setStyleSheet("font-size: 15pt")
        self.hint.setWordWrap(True)
        self.grid = QGridLayout()
        self.queue_buttons: dict[str, QPushButton] = {}
        prio = QHBoxLayout()
        prio.addWidget(QLabel("绿色通道（工作人员核验）："))
        self.prio_buttons: dict[str, QPushButton] = {}
        for key in ("disabled", "pregnant", "military"):
            b = QPushButton(PRIORITY_REASONS[key], objectName=f"prio_{key}")
            b.setCheckable(True)
            b.setMinimumHeight(48)
            b.clicked.connect(lambda on, k=key: self.set_priority(k if on else ""))
            prio.addWidget(b)
            self.prio_buttons[key] = b
        prio.addStretch()
        appt = QHBoxLayout()
        self.appt_input = QLineEdit(objectName="appt_input")
        self.appt_input.setPlaceholderText("预约签到：输入预约码或身份证号")
        self.appt_input.setMinimumHeight(48)
        self.appt_input.setStyleSheet("font-size: 16pt")
        b = QPushButton("预约签到", objectName="appt_checkin")
        b.setMinimumHeight(48)
        b.clicked.connect(self.check_in)
        self.appt_input.textEdited.connect(self._typed)
        appt.addWidget(self.appt_input, 1)
        appt.addWidget(b)
        late = QHBoxLayout()  # 过号登记: what the hall display tells a late-comer to do
        self.late_input = QLineEdit(objectName="late_input")
        self.late_input.setPlaceholderText("过号登记：输入小票上的号码，如 A012")
        self.late_input.setMinimumHeight(48)
        self.late_input.setStyleSheet("font-size: 16pt")
        self.late_input.textEdited.connect(lambda _t: self.touch())
        self.late_input.returnPressed.connect(self.requeue_late)
        b = QPushButton("过号登记", objectName="late_requeue")
        b.setMinimumHeight(48)
        b.clicked.connect(self.requeue_late)
        late.addWidget(self.late_input, 1)
        late.addWidget(b)
        self.idle = QTimer(self, singleShot=True, interval=IDLE_RESET_S * 1000)
        self.idle.timeout.connect(self.reset)
        self.ticket_view = QLabel("", objectName="ticket_view")
        self.ticket_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_view.setMinimumHeight(200)
        self.ticket_view.setStyleSheet("background: white; border: 2px dashed #999; font-size: 16pt")
        # Touch only: the keypad types into the field last touched; buttons are finger-sized.
        from ui.queue.keypad import Keypad

        self.keypad = Keypad()
        self.keypad.attach(self.appt_input)
        self.keypad.attach(self.late_input)
        for w in (self.appt_input, self.late_input, *self.prio_buttons.values()):
            w.setMinimumHeight(64)
        for w in self.findChildren(QPushButton):
            if w.objectName() in ("appt_checkin", "late_requeue"):
                w.setMinimumSize(160, 64)
                w.setStyleSheet("font-size: 18pt")
        entry = QVBoxLayout()
        entry.addLayout(appt)
        entry.addLayout(late)
        entry.addWidget(self.ticket_view, 1)
        lower = QHBoxLayout()  # landscape: entry beside the keypad; portrait: see resizeEvent
        lower.addLayout(entry, 3)
        lower.addWidget(self.keypad, 2)
        self.lower = lower
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.hint)
        lay.addLayout(self.grid)
        lay.addLayout(prio)
        lay.addLayout(lower, 1)
        if hub is not None:
            hub.card_read.connect(self.on_card)
        Op(self, self.client.queues).success(self._build_queues).failure(self._failed).run()

    def _build_queues(self, queues: list[dict]) -> None:
        for i, q in enumerate(queues):
            b = QPushButton(f"{q['prefix']}　{q['name']}", objectName=f"queue_{q['prefix']}")
            b.setProperty("class", "queue")
            b.clicked.connect(lambda _=False, p=q["prefix"]: self.take(p))
            self.grid.addWidget(b, i // 3, i % 3)
            self.queue_buttons[q["prefix"]] = b

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt API
        # A portrait screen puts the keypad under the fields, a landscape one beside them.
        from PySide6.QtWidgets import QBoxLayout

        portrait = self.height() > self.width()
        self.lower.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
        super().resizeEvent(ev)

    def _failed(self, exc) -> None:
        from sync.hallqueue.client import QueueOffline

        if isinstance(exc, QueueOffline):
            self.hint.setText("取号服务暂时连接不上。请到导服台人工取号，给您带来不便，敬请谅解。")
        else:
            self.hint.setText(error_text(exc) + "　请到导服台人工取号。")
        self.hint.setStyleSheet("font-size: 15pt; color: #b00020")

    def touch(self) -> None:
        """Someone is using the kiosk: restart the idle countdown."""
        self.idle.start()

    def reset(self) -> None:
        """Forget the last person: green channel, card number, typed text, hint."""
        self.set_priority("")
        self.card_id = ""
        self.appt_input.clear()
        self.late_input.clear()
        self.hint.setText(DEFAULT_HINT)
        self.hint.setStyleSheet("font-size: 15pt")

    def _typed(self, _text: str) -> None:
        self.card_id = ""  # the person types a code of their own: the card's number is not meant
        self.touch()

    def set_priority(self, key: str) -> None:
        if key:
            self.touch()
        self.priority = key
        for k, b in self.prio_buttons.items():
            b.setChecked(k == key)
        if key:
            self.hint.setText(f"已选择绿色通道：{PRIORITY_REASONS[key]}，请选择业务取号。")

    def on_card(self, doc) -> None:
        """An ID card was read (IdentityDocument, or a plain ID number)."""
        number = getattr(doc, "id_number", doc) or ""
        name = getattr(doc, "name", "")
        # The card's own birth date: foreign permanent residence cards carry no birth date inside
        # their number; only a typed number falls back to the digits.
        age = age_on(getattr(doc, "birth_date", None) or number, datetime.now(HALL_TZ).date())
        self.touch()
        # The number may serve for appointment check-in, but the screen shows it masked: the
        # next person in line can read the kiosk.
        self.card_id = number
        self.appt_input.setText(mask_id(number))
        if age is not None and age >= ELDERLY_AGE:
            self.set_priority("elderly")
            self.hint.setText(f"{mask_name(name)}您好（{age} 岁），已为您开通老年人绿色通道，请选择业务。")
        else:
            self.set_priority("")
            self.hint.setText(f"{mask_name(name)}您好，请选择业务取号；如有预约请点“预约签到”。")

    def take(self, prefix: str) -> None:
        self.touch()
        Op(self, self.client.issue, prefix, self.priority).success(self._issued).failure(self._failed).run()

    def requeue_late(self) -> None:
        """过号登记: a late-comer types the ticket number and is queued again per the hall's rule."""
        self.touch()
        no = self.late_input.text().strip().upper()
        if not TICKET_NO.match(no):
            self.hint.setText("请输入小票上的号码，如 A012，再点“过号登记”。")
            return

        def done(r: dict) -> None:
            self.late_input.clear()
            self.hint.setText(requeue_text(r))
            self.hint.setStyleSheet("font-size: 15pt" + ("" if r["ok"] else "; color: #b00020"))

        Op(self, self.client.requeue, no).success(done).failure(self._failed).run()

    def check_in(self) -> None:
        self.touch()
        text = self.card_id if self.card_id and self.appt_input.text() == mask_id(self.card_id) else self.appt_input.text().strip()
        if not text:
            self.hint.setText("请输入预约码或身份证号")
            return
        v = validate_id(text) if len(text) >= 15 else None
        kw = {"id_number": v.normalized} if v is not None and v.valid else {"code": text}
        Op(self, lambda: self.client.check_in(**kw)).success(self._issued).failure(self._failed).run()

    def _issued(self, r: dict) -> None:
        # Whatever the answer, the next person starts clean: no green channel, no card number.
        self.set_priority("")
        self.card_id = ""
        self.appt_input.clear()
        if not r["ok"]:
            self.hint.setText(r["message"])
            return
        self.last_ticket = r
        t = r["ticket"]
        at = datetime.fromisoformat(t["issued_at"]).astimezone(HALL_TZ)
        prio = PRIORITY_REASONS.get(t.get("priority") or "", "")
        self.ticket_view.setText(
            f"<div style='font-size:14pt'>{self.hall_name}</div><div style='font-size:56pt;font-weight:bold'>{t['no']}</div>"
            f"<div>{r.get('queue_name', '')}{'（' + prio + '）' if prio else ''}　前面还有 {r.get('people_ahead', 0)} 人</div>"
            f"<div style='font-size:12pt'>{at:%Y-%m-%d %H:%M}　请留意屏幕和语音叫号</div>")
        self.print_ticket(r)

    def print_ticket(self, r: dict) -> None:
        """Print on the kiosk's ticket printer; the ticket on screen is the fallback."""
        printer = bridge.printer_of(self.hub)
        if printer is None:
            self.hint.setText("请记下屏幕上的号码（本机未连接小票打印机）。")
            return
        data = ticket_bytes(ticket_for(self.hall_name, r, self.progress_url))
        self.hint.setText("正在打印小票…")

        def failed(exc) -> None:
            log.warning("ticket printer failed: %s", exc)
            self.hint.setText(f"小票打印失败（{error_text(exc)}），请记下屏幕上的号码 {r['ticket']['no']}。")

        # The worker's Future is awaited off the UI thread: the kiosk stays responsive.
        Op(self, lambda: printer.print_bytes(data).result(40)).success(
            lambda _st: self.hint.setText("请取走小票，留意叫号。")).failure(failed).run()
