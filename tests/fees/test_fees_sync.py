"""A payment notice confirmed by the payment platform through the real reference server, and
delivered to the window exactly once whatever the network does; e-receipts never twice;
red-letter receipts for reversals; the platform's bad confirmations refused."""

from __future__ import annotations

import requests
from sqlalchemy import func, select

from fees_helpers import accepted_case, actor
from hallclient.fees import payments
from hallclient.fees.records import EReceipt, FeePayment
from hallclient.fees.view import case_fees
from hallclient.models import CaseEvent
from hallclient.permissions import Action, authorise
from sync.engine import SyncEngine
from sync.server.admin import register_device, stats
from sync.transport import SyncFailure, SyncHTTP


def _engine(store, url, token):
    return SyncEngine(store, SyncHTTP(url, token, connect_timeout=2, read_timeout=0.5), batch=10)


def _until_done(engine, cycles=20):
    fails = 0
    for _ in range(cycles):
        try:
            return engine.cycle(), fails
        except SyncFailure:
            fails += 1
    raise AssertionError("sync never completed")


def _count(store, model, **where):
    with store.session() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_confirmation_exactly_once_through_faults(ctx, sqlite_server, proxy_factory, sx):
    server = sqlite_server
    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    with store.session() as s:
        cid, desk = accepted_case(s, "BDC-001")
        notice = payments.issue_notice(s, actor(s), desk, cid, {1: 2})
    proxy = proxy_factory(server)
    proxy.plan(["drop_response", "reset_mid_body", "pass"])  # the push: committed, answer lost; then cut
    engine = _engine(store, proxy.url, token)
    _until_done(engine)
    assert [f for _, f in proxy.log[:2]] == ["drop_response", "reset_mid_body"]

    # The payment platform confirms with its own token of the same hall, over HTTP.
    platform = register_device(server.db, "统一公共支付平台", "440300001")["token"]
    other_hall = register_device(server.db, "外市支付平台", "440100001")["token"]
    url = f"{server.url}/v1/fees/confirm"
    body = {"payment_code": notice.payment_code, "amount_fen": notice.total_fen, "channel": "wechat",
            "transaction_id": "WX4200001234567890"}

    def post(b, tok=platform):
        return requests.post(url, json=b, headers={"Authorization": f"Bearer {tok}"}, timeout=10)

    from hallclient.fees.codes import luhn_digit

    unknown = "4403000010399999999"
    unknown += luhn_digit(unknown)
    bad = [
        (dict(body, amount_fen=notice.total_fen - 1), 422, "不符"),
        (dict(body, payment_code=notice.payment_code[:-1] + str((int(notice.payment_code[-1]) + 1) % 10)), 422, "缴款码无效"),
        (dict(body, payment_code=unknown), 404, "没有缴款码"),
        (dict(body, amount_fen=-5), 422, "金额无效"),
        (dict(body, amount_fen="90.00"), 422, "金额无效"),
        (dict(body, extra=1), 422, "未知字段"),
        (dict(body, amount_fen=True), 422, "金额无效"),
        (dict(body, paid_at="2026-12-04T10:00:00"), 422, "带时区"),
        (dict(body, channel="cash"), 422, "支付渠道"),
        (dict(body, transaction_id=12345678), 422, "流水号"),
        ([body], 422, "JSON 对象"),
    ]
    for b, status, words in bad:
        r = post(b)
        assert r.status_code == status and words in r.json()["error"], (b, r.text)
    r = post(body, other_hall)
    assert r.status_code == 404  # another hall's platform cannot confirm this hall's notices
    r = post(body)
    assert r.status_code == 200, r.text
    e = r.json()["e_receipt"]
    again = post(body)
    assert again.status_code == 409 and "不能重复确认" in again.json()["error"]
    assert post(dict(body, transaction_id="WX9999999999")).status_code == 409

    # The pull loses its answer, then is cut mid-body: the page is applied exactly once.
    proxy.plan(["drop_response", "reset_mid_body"])
    _until_done(engine)
    _until_done(engine)  # and a repeated pull of everything changes nothing
    assert set(sx.server_records(server.db).values()) == {1}  # every pushed record stored once
    assert set(sx.local_outbox(store).values()) == {"sent"}
    assert _count(store, FeePayment, channel="notice") == 1
    assert _count(store, EReceipt) == 1
    with store.session() as s:
        f = case_fees(s, cid)
        assert f.fee_status == "已缴费"
        er = f.active_bill.e_receipts[0]
        assert (er.code, er.number, er.check_code) == (e["code"], e["number"], e["check_code"])
        assert len(er.number) == 10 and len(er.code) == 8 and er.amount_fen == notice.total_fen
        assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "fee_paid")) == 1
    st = stats(server.db)["fees"]
    assert (st["notices"], st["payments"], st["e_receipts"], st["payments_fen"]) == (1, 1, 1, notice.total_fen)
    engine.close()


def test_window_payment_gets_one_receipt_and_reversal_a_red_one(ctx, sqlite_server, sx):
    server = sqlite_server
    token = sx.new_device(server.db)
    store = sx.registered_store(ctx, server.url, token)
    with store.session() as s:
        clerk = actor(s)
        cid, desk = accepted_case(s, "BDC-002")
        pay = payments.pay_at_window(s, clerk, desk, cid, "cash", tendered_fen=10000)
    engine = _engine(store, server.url, token)
    engine.cycle()
    engine.cycle()
    assert _count(store, EReceipt, red=False) == 1
    with store.session() as s:
        auth = authorise(s, Action.REVERSE_FEE, clerk, "supervisor", "super123")
        payments.reverse_payment(s, clerk, pay.payment_id, "申请人撤回", auth)
    engine.cycle()
    engine.cycle()
    with store.session() as s:
        f = case_fees(s, cid)
        reds = [r for b in f.bills for r in b.e_receipts if r.red]
        blue = [r for b in f.bills for r in b.e_receipts if not r.red][0]
        assert len(reds) == 1 and reds[0].amount_fen == -8000
        assert reds[0].data["original"] == {"code": blue.code, "number": blue.number}
    st = stats(server.db)["fees"]
    assert (st["payments"], st["reversed"], st["e_receipts"], st["red_receipts"]) == (1, 1, 1, 1)
    engine.close()


def test_admin_confirm_command(cli, tmp_path, data_dir):
    from sync.server.store import ServerDB

    db_url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    ServerDB(db_url).close()
    r = cli("server", "admin", "--db", db_url, "confirm-payment", "44030000103000000015", "--amount", "80")
    assert r.returncode != 0 and "没有缴款码" in (r.stdout + r.stderr)
    assert "Traceback" not in r.stderr
    r = cli("server", "admin", "--db", db_url, "stats")
    assert '"fees"' in r.stdout
