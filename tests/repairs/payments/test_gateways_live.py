"""Both gateways end to end over real HTTP: our SDK clients against the stub gateways in a real
server process, the stub's signed notification back to our callback, refunds by the original route."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from repairs.models import RepairOrder
from repairs.payments.exceptions import GatewayError
from repairs.payments.models import Payment, PaymentNotification, Refund
from repairs.payments.services import payment_record_offline, payment_refund, payment_start
from tests.live import site_serving_media, wait_for

from .conftest import QUOTE_TOTAL

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gateway_site(settings):
    with site_serving_media(settings) as base:
        yield base



def test_wechat_native_and_alipay_pay_and_refund_over_http(gateway_site, paid_repair, manager, workshop):
    ticket = paid_repair.ticket
    workshop["center"].managers.add(manager)

    # WeChat Pay: the SDK orders at the stub (signed request, signed answer verified by the SDK)
    payment = payment_start(ticket=ticket, method="wechat_native")
    assert payment.checkout_url.startswith("weixin://wxpay/bizpayurl?pr=")
    # the customer scans and pays: the stub sends the encrypted, signed notification to our callback
    with httpx.Client(base_url=gateway_site, timeout=30) as web:
        scan = "/_stub/wechatpay/scan/?pr=" + payment.checkout_url.split("pr=", 1)[1]
        assert "¥779.00" in web.get(scan).text
        assert "支付成功" in web.post(scan).text
    assert wait_for(lambda: Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID)
    assert PaymentNotification.objects.get(out_trade_no=payment.out_trade_no).outcome == "paid"

    # a refund the 三包 decision owes goes back through the SDK to the stub, by the original route
    RepairOrder.objects.filter(pk=paid_repair.pk).update(decision_status="decided", decided_remedy="free_repair",
                                                         decided_payer="producer")
    refund = payment_refund(payment=Payment.objects.get(pk=payment.pk), amount=QUOTE_TOTAL, reason="三包免费维修",
                            by=manager)
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.gateway_refund_no.startswith("50")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


def test_alipay_cashier_and_a_second_charge_is_refunded(gateway_site, paid_repair, manager, workshop):
    ticket = paid_repair.ticket
    workshop["center"].managers.add(manager)
    alipay = payment_start(ticket=ticket, method="alipay", return_url=gateway_site + ticket.get_tracking_url())
    assert alipay.checkout_url.startswith(gateway_site + "/_stub/alipay/gateway.do?")
    wechat = payment_start(ticket=ticket, method="wechat_native")

    # the customer pays by cash at the counter first ...
    payment_record_offline(ticket=ticket, method="cash", amount=QUOTE_TOTAL, reference="", by=manager)
    # ... and then still completes the Alipay cashier he had opened
    with httpx.Client(timeout=30, follow_redirects=False) as web:
        cashier = web.get(alipay.checkout_url)
        assert cashier.status_code == 200
        assert "779.00" in cashier.text
        order = dict(parse_qsl(urlsplit(alipay.checkout_url).query))
        done = web.post(gateway_site + "/_stub/alipay/gateway.do",
                        data={"order": urlsplit(alipay.checkout_url).query})
        assert done.status_code == 302
        assert done.headers["location"].startswith(gateway_site + "/t/")
        assert order["method"] == "alipay.trade.wap.pay"
    # the second charge is kept apart and refunded in full by the original route
    assert wait_for(lambda: Refund.objects.filter(payment=alipay, status="succeeded").exists())
    alipay.refresh_from_db()
    assert alipay.status == Payment.Status.DUPLICATE
    assert alipay.refunded_amount == QUOTE_TOTAL
    assert Payment.objects.filter(status__in=Payment.SETTLED).count() == 1
    wechat.refresh_from_db()
    assert wechat.status == Payment.Status.PENDING


def test_a_request_signed_with_another_merchant_key_is_refused_by_the_gateway(gateway_site, paid_repair, settings,
                                                                              tmp_path):
    from repairs.payments import keys

    good = keys.stub_keys()
    forged = {**good, "wechat": {**good["wechat"], "merchant_private_key": keys._pem_pair()[0]}}
    original = keys._stub_file
    keys._stub_file = lambda path: forged  # only this process signs with the wrong key
    try:
        with pytest.raises(GatewayError):
            payment_start(ticket=paid_repair.ticket, method="wechat_native")
    finally:
        keys._stub_file = original
    assert Payment.objects.get().status == Payment.Status.CLOSED
