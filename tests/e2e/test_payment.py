"""A customer pays a paid repair with WeChat Pay (Native QR) on the progress page, in a real browser
against a real server process whose local WeChat Pay stub speaks the v3 protocol."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from repairs.payments.models import Payment
from repairs.services import price_item_upsert
from tests import factories
from tests.live import free_port, live_server
from tests.repairs.conftest import png_bytes
from tests.repairs.payments.conftest import build_paid_repair
from tickets.services import ticket_assign, ticket_triage

from .conftest import PAGE_SERVER_ENV, screenshot
from .test_progress import in_thread

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _paid_repair():
    tech = factories.TechnicianFactory(name="李工")
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    qc_user = factories.UserFactory(username="qc-e2e", is_staff=True)
    qc_user.groups.add(Group.objects.get(name="质检"))
    location = factories.LocationFactory(center=tech.center)
    part = factories.PartFactory(name="屏幕总成", retail_price=Decimal("699.00"))
    factories.StockLevelFactory(part=part, location=location, on_hand=5)
    model = factories.ProductModelFactory(brand="华为", category="phone")
    customer = factories.CustomerFactory(name="王小明", phone="13900005678")
    device = factories.DeviceFactory(product_model=model, owner=customer, invoice_number="INV-1",
                                     purchase_price=Decimal("3999.00"))
    fault = factories.FaultCategoryFactory(code="screen", name="屏幕故障")
    price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L-SCREEN", name="更换屏幕工时",
                      unit_price=Decimal("80"), valid_from=timezone.localdate() - dt.timedelta(days=30))
    ticket = factories.TicketFactory(customer=customer, device=device, service_mode="walk_in",
                                     description="手机进水后屏幕不亮")
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
    ticket = ticket_assign(ticket=ticket, technician=tech, by=None)
    world = {"technician": tech, "ticket": ticket, "part": part}
    order = build_paid_repair(world, png_bytes, qc_user)
    return order.ticket


def test_the_customer_pays_with_wechat_pay_on_the_progress_page(phone):
    from django.conf import settings

    ticket = in_thread(_paid_repair)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**PAGE_SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT), "SITE_URL": base}
    with live_server(port=port, env=env, timeout=180):
        phone.goto(f"{base}{ticket.get_tracking_url()}")
        expect(phone.locator("#payment-amount")).to_have_text("¥779.00")
        expect(phone.locator("#payment-state")).to_have_text("待支付")
        phone.locator("#payment").scroll_into_view_if_needed()
        screenshot(phone, "payment-1-progress-due")

        phone.click("#pay-link")
        expect(phone.locator("#pay-amount")).to_have_text("¥779.00")
        screenshot(phone, "payment-2-choose")
        phone.click("#pay-wechat")
        expect(phone.locator("#wechat-qr svg")).to_be_visible()
        screenshot(phone, "payment-3-qr")

        # the customer scans the code with WeChat: the stub gateway's page stands in for the phone's WeChat
        scan_url = phone.get_attribute("#stub-scan", "href")
        wechat = phone.context.new_page()
        wechat.goto(f"{base}{scan_url}")
        expect(wechat.locator("#stub-amount")).to_have_text("¥779.00")
        screenshot(wechat, "payment-4-wechat-confirm")
        wechat.click("#stub-confirm")
        expect(wechat.locator("#stub-result")).to_have_text("支付成功")
        wechat.close()

        # the signed, encrypted notification reaches our callback; the QR page notices and goes back
        phone.wait_for_url(f"{base}{ticket.get_tracking_url()}", timeout=30_000)
        expect(phone.locator("#payment-state")).to_have_text("已支付", timeout=15_000)
        assert "微信支付" in phone.inner_text("#payment-paid")
        assert phone.locator("#pay-link").count() == 0
        expect(phone.locator("#timeline")).to_contain_text("已收到维修费用 ¥779.00")
        phone.locator("#payment").scroll_into_view_if_needed()
        screenshot(phone, "payment-5-paid")

    payment = Payment.objects.get(ticket=ticket)
    assert payment.status == Payment.Status.PAID
    assert payment.method == "wechat_native"
    assert payment.gateway_trade_no.startswith("4200")
