"""The queue ticket (排队凭条) printed by the kiosk on the thermal printer, as ESC/POS bytes.

Layout, top to bottom: hall name, the number very large, the queue, the priority label or the
appointment, people waiting ahead, the issue time, a QR code for progress and rating, a short
notice, then the cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from printing.escpos import DOTS_80MM, Charset, EscPos


@dataclass(frozen=True)
class QueueTicket:
    hall_name: str
    number: str  # "A017"
    queue_name: str  # "综合受理"
    waiting_ahead: int
    issued_at: datetime  # aware; printed in local time
    qr_url: str  # progress lookup / rating page for this ticket
    priority_label: str = ""  # e.g. "老年人优先" (green channel)
    appointment: str = ""  # e.g. "预约 10:00–10:30"
    notice: str = "请留意叫号，过号请到导服台重新登记"


def ticket_bytes(ticket: QueueTicket, *, paper_dots: int = DOTS_80MM, charset: Charset = "gbk") -> bytes:
    """The ESC/POS bytes of `ticket`, ending with a cut."""
    p = EscPos(paper_dots=paper_dots, charset=charset).init().chinese()
    p.align("center").size(1, 1).bold().line(ticket.hall_name).bold(False)
    p.line("-" * (paper_dots // 12))
    p.size(4, 4).line(ticket.number)
    p.size(2, 2).line(ticket.queue_name)
    if ticket.priority_label:
        p.size(1, 1).reverse().line(f" {ticket.priority_label} ").reverse(False)
    if ticket.appointment:
        p.size(1, 1).line(ticket.appointment)
    p.size(1, 1).feed(1)
    p.line(f"您前面还有 {ticket.waiting_ahead} 人等候")
    p.line("取号时间：" + ticket.issued_at.astimezone().strftime("%Y-%m-%d %H:%M"))
    p.qr(ticket.qr_url, module=6)
    p.line("扫码查看排队进度、办理后评价")
    p.line(ticket.notice)
    return p.feed(2).cut().bytes()


def sample_ticket() -> QueueTicket:
    return QueueTicket(
        hall_name="示例市政务服务中心",
        number="A017",
        queue_name="综合受理",
        waiting_ahead=5,
        issued_at=datetime(2025, 11, 13, 1, 42, tzinfo=timezone.utc),
        qr_url="https://zwfw.example.gov.cn/q?t=440300001-20251113-A017",
        priority_label="老年人优先",
    )


def test_ticket_bytes(*, paper_dots: int = DOTS_80MM) -> bytes:
    """The printer test page of `hallclient devices print-test`: Chinese text in the printer
    font, rare-character names as a raster line, ￥, a CODE128 barcode, a QR code, then a cut."""
    p = EscPos(paper_dots=paper_dots).init().chinese()
    p.align("center").size(2, 2).line("打印测试").size(1, 1)
    p.line("政务服务大厅窗口客户端")
    p.align("left")
    p.line("中文：受理通知书 补正 不予受理")
    p.line("生僻字：李䶮 张𠀀")  # 䶮 (Ext-A) and 𠀀 (Ext-B): raster line
    p.line("金额：￥12.50")
    p.line("时间：" + datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S"))
    p.align("center").code128("A017-TEST")
    p.qr("https://zwfw.example.gov.cn/q?t=TEST")
    p.line("二维码与条码应能被扫描")
    return p.feed(2).cut().bytes()
