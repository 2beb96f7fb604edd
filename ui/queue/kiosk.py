"""The ticket kiosk (取号机): big touch buttons per queue, green channel after an ID card read,
appointment check-in, and the ticket printed (or shown on screen without a printer)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from urllib.parse import quote

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hallclient.personal import mask_name
from hallclient.settings import PROGRESS_URL
from hallclient.queue.model import ELDERLY_AGE, HALL_TZ, PRIORITY_REASONS
from hallclient.validation import validate_id
from printing.ticket import QueueTicket, ticket_bytes
from sync.hallqueue.client import QueueClient
from ui.ops import Op, error_text
from ui.queue import bridge

log = logging.getLogger(__name__)


def age_on(id_number: str, today: date) -> int | None:
    """Age from the birth date inside an 18-character ID number (GB 11643)."""
    try:
        b = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


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
                 progress_url: str = PROGRESS_URL.default):
        super().__init__(parent)
        self.progress_url = progress_url
        self.setObjectName("kiosk")
        self.client = QueueClient(url, timeout=5)
        self.hall_name, self.hub = hall_name, hub
        self.priority = ""
        self.last_ticket: dict | None = None
        self.setStyleSheet("QWidget#kiosk { background: #eef3fb } QPushButton.queue { font-size: 24pt; min-height: 110px;"
                           " background: #0b5394; color: white; border-radius: 14px }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        title = QLabel(f"{hall_name}　自助取号")
        title.setStyleSheet("font-size: 30pt; font-weight: bold; color: #0b1f3a")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel("请选择要办理的业务；老年人请先在读卡器上刷身份证，可取绿色通道号。", objectName="kiosk_hint")
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
        appt.addWidget(self.appt_input, 1)
        appt.addWidget(b)
        self.ticket_view = QLabel("", objectName="ticket_view")
        self.ticket_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ticket_view.setMinimumHeight(200)
        self.ticket_view.setStyleSheet("background: white; border: 2px dashed #999; font-size: 16pt")
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.hint)
        lay.addLayout(self.grid)
        lay.addLayout(prio)
        lay.addLayout(appt)
        lay.addWidget(self.ticket_view)
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

    def _failed(self, exc) -> None:
        self.hint.setText(error_text(exc) + "　请到导服台人工取号。")
        self.hint.setStyleSheet("font-size: 15pt; color: #b00020")

    def set_priority(self, key: str) -> None:
        self.priority = key
        for k, b in self.prio_buttons.items():
            b.setChecked(k == key)
        if key:
            self.hint.setText(f"已选择绿色通道：{PRIORITY_REASONS[key]}，请选择业务取号。")

    def on_card(self, doc) -> None:
        """An ID card was read (IdentityDocument, or a plain ID number)."""
        number = getattr(doc, "id_number", doc) or ""
        name = getattr(doc, "name", "")
        age = age_on(number, datetime.now(HALL_TZ).date())
        if age is not None and age >= ELDERLY_AGE:
            self.set_priority("elderly")
            self.hint.setText(f"{mask_name(name)}您好（{age} 岁），已为您开通老年人绿色通道，请选择业务。")
        else:
            self.hint.setText(f"{mask_name(name)}您好，请选择业务取号；如有预约请点“预约签到”。")
            self.appt_input.setText(number)

    def take(self, prefix: str) -> None:
        Op(self, self.client.issue, prefix, self.priority).success(self._issued).failure(self._failed).run()

    def check_in(self) -> None:
        text = self.appt_input.text().strip()
        if not text:
            self.hint.setText("请输入预约码或身份证号")
            return
        v = validate_id(text) if len(text) >= 15 else None
        kw = {"id_number": v.normalized} if v is not None and v.valid else {"code": text}
        Op(self, lambda: self.client.check_in(**kw)).success(self._issued).failure(self._failed).run()

    def _issued(self, r: dict) -> None:
        self.set_priority("")
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
