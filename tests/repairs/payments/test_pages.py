"""The payment on the customer's page, in the service report PDF and in the admin."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from repairs.payments.models import Payment
from repairs.payments.services import payment_record_offline
from repairs.reports import service_report_pdf

from .conftest import QUOTE_TOTAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre_manager(manager, workshop):
    workshop["center"].managers.add(manager)
    return manager


def _text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return re.sub(r"\s+", "", "".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()


def test_the_progress_page_asks_for_the_payment_then_shows_it_paid(client, paid_repair, centre_manager):
    ticket = paid_repair.ticket
    page = client.get(ticket.get_tracking_url()).content.decode()
    assert 'id="payment"' in page
    assert "¥779.00" in page
    assert "立即支付" in page
    pay = client.get(f"/t/{ticket.tracking_token}/pay/")
    assert pay.status_code == 200
    assert "微信支付" in pay.content.decode()
    assert "支付宝" in pay.content.decode()

    payment_record_offline(ticket=ticket, method="cash", amount=QUOTE_TOTAL, reference="", by=centre_manager)
    page = client.get(ticket.get_tracking_url()).content.decode()
    assert "已支付" in page
    assert "现金" in page
    assert "立即支付" not in page
    # the pay page sends a paid customer back instead of charging again
    assert client.get(f"/t/{ticket.tracking_token}/pay/").status_code == 302
    assert client.post(f"/t/{ticket.tracking_token}/pay/", {"method": "wechat_native"}).status_code == 302
    assert Payment.objects.count() == 1


def test_a_wrong_token_is_the_invalid_link_page(client, paid_repair):
    assert client.get("/t/not-a-token/pay/").status_code == 404


def test_the_report_prints_the_paid_line(paid_repair, centre_manager):
    assert "未付款" in _text(service_report_pdf(repair_order=paid_repair))
    payment_record_offline(ticket=paid_repair.ticket, method="cash", amount=QUOTE_TOTAL, reference="",
                           by=centre_manager)
    text = _text(service_report_pdf(repair_order=paid_repair))
    assert "已付" in text
    assert "¥779.00" in text
    assert "现金" in text


def test_the_admin_lists_payments_and_records_cash(client, paid_repair, centre_manager,
                                                   django_assert_max_num_queries):
    client.force_login(centre_manager)
    response = client.post("/admin/payments/payment/add/", {"ticket_number": paid_repair.ticket.number,
                                                             "method": "cash", "amount": "779.00",
                                                             "reference": "SJ-1", "note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    payment = Payment.objects.get()
    assert payment.status == "paid"
    assert payment.recorded_by == centre_manager
    with django_assert_max_num_queries(12):
        listing = client.get("/admin/payments/payment/")
    assert listing.status_code == 200
    assert payment.out_trade_no in listing.content.decode()
    detail = client.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert detail.status_code == 200
    assert "办理退款" in detail.content.decode()
    refund_page = client.get(f"/admin/payments/payment/{payment.pk}/refund/")
    assert "不支持退还" in refund_page.content.decode()
    refused = client.post(f"/admin/payments/payment/{payment.pk}/refund/", {"amount": "779.00", "reason": "x"})
    assert refused.status_code == 200
    assert "三包" in refused.content.decode()
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_the_technician_sees_the_fee_and_records_cash_at_an_on_site_hand_back(paid_repair, workshop, technician):
    from django.contrib.auth.models import Group

    from tests import factories
    from tests.api.conftest import client_for

    client = client_for(workshop["technician"].user)
    url = f"/api/v1/jobs/{paid_repair.ticket_id}/payment/"
    due = client.get(url).json()
    assert due["amount"] == "779.00"
    assert due["payable_now"] is True
    assert due["received"] is False
    wrong = client.post(url + "record/", {"method": "cash", "amount": "700.00"}, format="json")
    assert wrong.status_code == 400
    assert not Payment.objects.exists()
    done = client.post(url + "record/", {"method": "cash", "amount": "779.00"}, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["received"] is True
    assert done.json()["method"] == "cash"
    assert client.post(url + "record/", {"method": "cash", "amount": "779.00"}, format="json").status_code == 409

    stranger = factories.TechnicianFactory()
    stranger.user.groups.add(Group.objects.get(name="维修工程师"))
    assert client_for(stranger.user).get(url).status_code == 404


def test_a_shop_without_gateway_accounts_offers_no_online_payment(client, paid_repair, settings):
    """Production with no merchant keys: the page asks for payment at the counter and nothing is ordered."""
    from repairs.payments.services import payment_start
    from tickets.exceptions import ValidationFailed

    settings.PAYMENTS_BACKEND = "live"
    settings.WECHATPAY = {**settings.WECHATPAY, "MCHID": ""}
    settings.ALIPAY = {**settings.ALIPAY, "APPID": ""}
    ticket = paid_repair.ticket
    page = client.get(ticket.get_tracking_url()).content.decode()
    assert "¥779.00" in page
    assert "立即支付" not in page
    assert client.get(f"/t/{ticket.tracking_token}/pay/").status_code == 302
    with pytest.raises(ValidationFailed):
        payment_start(ticket=ticket, method="wechat_native")
    assert Payment.objects.count() == 0
