"""Signed gateway notifications settle a payment once, with the amount of the quote, and nothing else does."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from repairs.payments.models import Payment, PaymentNotification
from repairs.payments.services import _payment_open
from repairs.payments.stub import alipay as alipay_stub
from repairs.payments.stub import wechat as wechat_stub
from tickets.models import TicketEvent

from .conftest import QUOTE_TOTAL

pytestmark = pytest.mark.django_db

WECHAT_URL = "/payments/notify/wechat/"
ALIPAY_URL = "/payments/notify/alipay/"


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}


def _wechat_order(order) -> tuple[Payment, dict]:
    payment = _payment_open(ticket=order.ticket, method=Payment.Method.WECHAT_NATIVE)
    return payment, {"out_trade_no": payment.out_trade_no, "total": payment.amount_fen,
                     "notify_url": "http://testserver" + WECHAT_URL, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}


def _post_wechat(client, headers, body):
    return client.post(WECHAT_URL, data=body, content_type="application/json", **_meta(headers))


def test_wechat_notification_settles_the_payment_once(client, paid_repair):
    payment, order = _wechat_order(paid_repair)
    assert payment.amount == QUOTE_TOTAL
    assert payment.amount_fen == 77900
    headers, body = wechat_stub.notification(order, transaction_id="4200000001")

    response = _post_wechat(client, headers, body)
    assert response.status_code == 204
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.gateway_trade_no == "4200000001"
    assert payment.paid_at is not None
    received = TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.received")
    assert received.count() == 1
    assert received.get().customer_visible
    assert "¥779.00" in received.get().message

    # the gateway retries the very same notification: acknowledged, nothing changes
    again = _post_wechat(client, headers, body)
    assert again.status_code == 204
    assert TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.received").count() == 1
    assert PaymentNotification.objects.get().outcome == "paid"
    # a fresh notification about the same trade (another id) changes nothing either
    headers2, body2 = wechat_stub.notification(order, transaction_id="4200000001")
    assert _post_wechat(client, headers2, body2).status_code == 204
    assert PaymentNotification.objects.filter(outcome="already_settled").count() == 1
    assert TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.received").count() == 1


def test_wechat_notification_with_a_forged_signature_changes_nothing(client, paid_repair):
    payment, order = _wechat_order(paid_repair)
    headers, body = wechat_stub.notification(order)
    tampered = json.loads(body)
    tampered["event_type"] = "TRANSACTION.SUCCESS"
    tampered["summary"] = "改过的"
    response = _post_wechat(client, headers, json.dumps(tampered))
    assert response.status_code == 401
    assert response.json()["code"] == "FAIL"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not PaymentNotification.objects.exists()


def test_wechat_notification_encrypted_with_another_key_is_refused(client, paid_repair, settings, tmp_path):
    payment, order = _wechat_order(paid_repair)
    headers, body = wechat_stub.notification(order)
    envelope = json.loads(body)
    envelope["resource"]["ciphertext"] = envelope["resource"]["ciphertext"][:-4] + "AAAA"
    # re-sign the envelope with the platform key: the signature holds, the AES-GCM tag does not
    response = _post_wechat(client, {**wechat_stub.signed_headers(json.dumps(envelope))}, json.dumps(envelope))
    assert response.status_code == 401
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_replayed_old_notification_is_refused(client, paid_repair, time_machine):
    import datetime as dt

    payment, order = _wechat_order(paid_repair)
    headers, body = wechat_stub.notification(order)
    time_machine.move_to(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=10))
    assert _post_wechat(client, headers, body).status_code == 401
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_an_amount_other_than_the_quote_settles_nothing(client, paid_repair):
    payment, order = _wechat_order(paid_repair)
    headers, body = wechat_stub.notification(order, amount_fen=1)
    assert _post_wechat(client, headers, body).status_code == 204  # handled: retrying would not help
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    mismatch = TicketEvent.objects.get(ticket=paid_repair.ticket, kind="payment.mismatch")
    assert not mismatch.customer_visible
    assert PaymentNotification.objects.get().outcome == "amount_mismatch"


def test_a_notification_for_an_unknown_order_is_not_acknowledged(client, paid_repair):
    headers, body = wechat_stub.notification({"out_trade_no": "RP-NOPE", "total": 77900})
    assert _post_wechat(client, headers, body).status_code == 404
    assert not Payment.objects.filter(status=Payment.Status.PAID).exists()


def _alipay_params(payment) -> dict:
    from repairs.payments.gateways import AlipayGateway

    url = AlipayGateway(base_url="http://testserver").create_wap(
        out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen, subject="维修费用",
        notify_url="http://testserver" + ALIPAY_URL, return_url="http://testserver/")
    params = alipay_stub._verified(dict(parse_qsl(urlsplit(url).query)))
    assert params is not None, "the stub cashier must accept our RSA2-signed order"
    return params


def test_alipay_notification_settles_once_and_a_forged_one_is_refused(client, paid_repair):
    payment = _payment_open(ticket=paid_repair.ticket, method=Payment.Method.ALIPAY)
    params = _alipay_params(payment)
    assert params["biz_content"]["total_amount"] == "779.00"

    forged = alipay_stub.notification(params)
    forged["total_amount"] = "0.01"
    response = client.post(ALIPAY_URL, forged)
    assert response.status_code == 400
    assert response.content == b"fail"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING

    data = alipay_stub.notification(params, trade_no="2026000111")
    assert client.post(ALIPAY_URL, data).content == b"success"
    assert client.post(ALIPAY_URL, data).content == b"success"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.gateway_trade_no == "2026000111"
    assert payment.payer == "138****0000"
    assert TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.received").count() == 1


def test_the_alipay_stub_refuses_an_order_signed_with_another_key(paid_repair):
    from repairs.payments.gateways import _ConfiguredAliPay
    from repairs.payments.keys import _pem_pair, stub_keys

    other_private, _public = _pem_pair()
    client = _ConfiguredAliPay(gateway="http://testserver/_stub/alipay/gateway.do", appid=stub_keys()["alipay"]["appid"],
                               app_private_key_string=other_private,
                               alipay_public_key_string=stub_keys()["alipay"]["alipay_public_key"])
    query = client.api_alipay_trade_wap_pay(subject="x", out_trade_no="RP1", total_amount="1.00",
                                            notify_url="http://testserver/")
    assert alipay_stub._verified(dict(parse_qsl(query))) is None


def test_starting_again_reuses_the_open_attempt_and_a_paid_repair_is_never_charged_twice(client, paid_repair):
    from repairs.payments.exceptions import AlreadyPaid
    from repairs.payments.services import payment_start

    first = _payment_open(ticket=paid_repair.ticket, method=Payment.Method.WECHAT_NATIVE)
    Payment.objects.filter(pk=first.pk).update(checkout_url="weixin://wxpay/bizpayurl?pr=x")
    again = payment_start(ticket=paid_repair.ticket, method=Payment.Method.WECHAT_NATIVE)
    assert again.pk == first.pk  # no second order at the gateway for a reload
    headers, body = wechat_stub.notification({"out_trade_no": first.out_trade_no, "total": first.amount_fen})
    assert _post_wechat(client, headers, body).status_code == 204
    with pytest.raises(AlreadyPaid):
        payment_start(ticket=paid_repair.ticket, method=Payment.Method.ALIPAY)
    assert Payment.objects.filter(status__in=Payment.SETTLED).count() == 1
    assert Decimal(Payment.objects.get(status="paid").amount) == QUOTE_TOTAL


def test_a_processing_refund_is_settled_once_by_its_signed_notification(client, paid_repair, manager, workshop):
    from repairs.models import RepairOrder
    from repairs.payments.models import Refund
    from repairs.payments.services import _refund_open

    workshop["center"].managers.add(manager)
    payment, order = _wechat_order(paid_repair)
    headers, body = wechat_stub.notification(order)
    assert _post_wechat(client, headers, body).status_code == 204
    RepairOrder.objects.filter(pk=paid_repair.pk).update(decision_status="decided", decided_remedy="free_repair",
                                                         decided_payer="producer")
    # the gateway answered PROCESSING: the refund waits for its notification
    refund = _refund_open(payment=payment, amount=QUOTE_TOTAL, reason="三包免费维修", basis="warranty", by=manager)
    wrong_headers, wrong_body = wechat_stub.refund_notification(
        out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no, refund_fen=1, total_fen=77900)
    assert _post_wechat(client, wrong_headers, wrong_body).status_code == 204
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING

    headers, body = wechat_stub.refund_notification(
        out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no, refund_fen=77900, total_fen=77900)
    assert _post_wechat(client, headers, body).status_code == 204
    assert _post_wechat(client, headers, body).status_code == 204
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.status == Payment.Status.REFUNDED
    assert TicketEvent.objects.filter(ticket=paid_repair.ticket, kind="payment.refunded").count() == 1
