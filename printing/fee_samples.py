"""Built-in sample fee data for `hallclient docs samples` and the tests: a 不动产 transfer with
two extra certificates, paid by payment notice (e-receipt), a paper receipt and its voided
predecessor, and a clerk's daily close."""

from __future__ import annotations

from datetime import date, datetime, timezone

from hallclient.fees.close import ChannelTotal, DayClose
from hallclient.fees.payments import CHANNELS
from hallclient.fees.rules import assess, normalise_rules
from hallclient.fees.stock import PaperReceiptInfo
from hallclient.fees.view import BillView, CaseFees, EReceiptView, PaymentView

_AT = datetime(2025, 11, 13, 2, 5, tzinfo=timezone.utc)
_DAY = date(2025, 11, 13)
BASIS = "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）"
RULES = normalise_rules([
    {"name": "不动产登记费（住宅）", "kind": "fixed", "amount_fen": 8000, "basis": BASIS, "payee": "示例市不动产登记中心"},
    {"name": "证书工本费（第二本起）", "kind": "per_unit", "amount_fen": 1000, "unit": "本", "included": 1, "basis": BASIS,
     "payee": "示例市不动产登记中心"},
])
ASSESSMENT = assess(RULES, {1: 3})  # three certificates: two extra -> ￥80 + ￥20 = ￥100
CODE = "44030000103000000015"


def _bill(method: str, payment: PaymentView | None, receipts=(), paper=()) -> BillView:
    return BillView("b7c1e2a4-0000-4000-8000-000000000001", method, "paid" if payment else "awaiting",
                    "已缴费" if payment else "待缴费", ASSESSMENT.total_fen, CODE if method == "notice" else None, "李䶮",
                    tuple(l.as_dict() for l in ASSESSMENT.lines), _AT, _DAY, "周晓梅", "3号窗口", payment, tuple(receipts), tuple(paper))


def sample_fees(bill: BillView | None = None) -> CaseFees:
    return CaseFees("c0a8012e-5f3b-4d7e-9a61-2b8e4f1d9c07", "4403000012025111303000007", "accepted", "已受理", True,
                    "BDC-002", "不动产转移登记（二手房买卖）", "示例市不动产登记中心", "李䶮", "示例市政务服务中心", tuple(RULES),
                    (bill,) if bill else (), "已缴费")


def notice_bill() -> BillView:
    return _bill("notice", None)


def e_receipt_sample() -> tuple[BillView, EReceiptView]:
    pay = PaymentView("p-1", "notice", ASSESSMENT.total_fen, None, None, "WX4200001234202511130001", _AT, _DAY, "周晓梅", False)
    data = {"name": "非税收入一般缴款书（电子）", "payer": "李䶮", "case_no": "4403000012025111303000007",
            "items": [{"name": l.name, "standard_fen": l.standard_fen, "quantity": l.quantity, "unit": l.unit, "amount_fen": l.due_fen}
                      for l in ASSESSMENT.lines if l.due_fen],
            "payee_unit": "示例市不动产登记中心", "collector": "周晓梅", "reviewer": "系统自动复核", "channel": "wechat"}
    r = EReceiptView(1, "p-1", "44010125", "0000012345", "8F3A1C", False, ASSESSMENT.total_fen, _AT, data)
    return _bill("notice", pay, (r,)), r


def paper_samples() -> tuple[BillView, PaperReceiptInfo, PaperReceiptInfo]:
    """A cash payment, the receipt voided because the printer jammed, and its replacement."""
    pay = PaymentView("p-2", "cash", ASSESSMENT.total_fen, 20000, 10000, "", _AT, _DAY, "周晓梅", False)
    void = PaperReceiptInfo(7, 1, "44010225", "00001236", "void", "p-2", _DAY, "打印机卡纸，票面污损")
    good = PaperReceiptInfo(8, 1, "44010225", "00001237", "printed", "p-2", _DAY, None)
    return _bill("cash", pay, paper=(void, good)), void, good


def close_sample() -> DayClose:
    ch = {"cash": (6, 52000, 1, 8000), "card": (3, 30000, 0, 0), "scan": (9, 73000, 0, 0), "notice": (21, 214000, 1, 10000)}
    channels = tuple(ChannelTotal(k, CHANNELS[k], *ch[k]) for k in CHANNELS)
    total, rev = sum(c.total_fen for c in channels), sum(c.reversed_fen for c in channels)
    lines, n = [], 0
    for c in channels:  # one detail line per payment, adding up to each channel's total
        for i in range(c.count):
            n += 1
            share = c.total_fen // c.count + (c.total_fen % c.count if i == 0 else 0)
            lines.append((f"{9 + n * 7 // 60:02d}:{n * 7 % 60:02d}", f"44030000120251113030{n:05d}", c.label, share))
    lines.sort()
    return DayClose(3, "周晓梅", "3号窗口", _DAY, channels, sum(c.count for c in channels), total, rev, total - rev,
                    channels[0].net_fen, 24, 244000, 3, "44010225 00001230", "44010225 00001241", 11,
                    (("44010225 00001236", "打印机卡纸，票面污损"),), 39, ("44010125 0000012399",),
                    datetime(2025, 11, 13, 9, 30, tzinfo=timezone.utc), "示例市政务服务中心", tuple(lines))


def render_samples() -> dict[str, tuple[str, bytes]]:
    """file stem -> (title, PDF) of every fee document from the samples."""
    from printing.fees import render_day_close, render_e_receipt, render_paper_receipt, render_payment_notice

    nb = notice_bill()
    eb, er = e_receipt_sample()
    pb, void, good = paper_samples()
    return {
        "payment_notice": ("缴款通知书", render_payment_notice(sample_fees(nb), nb)),
        "e_receipt": ("财政电子票据", render_e_receipt(sample_fees(eb), eb, er)),
        "paper_receipt": ("收费凭证", render_paper_receipt(sample_fees(pb), pb, good)),
        "paper_receipt_void": ("收费凭证（作废）", render_paper_receipt(sample_fees(pb), pb, void)),
        "day_close": ("收费日结单", render_day_close(close_sample())),
    }
