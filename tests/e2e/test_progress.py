"""The customer's side in a real browser against real daphne processes (issue 8).

Debian's chromium through Playwright; screenshots go to test-artifacts/. The live-update tests need
REDIS_URL: the change is committed in this test process (or in another server process) and must
reach the page through the shared Redis channel layer, as in production with several workers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time

import pytest
from playwright.sync_api import expect

from repairs.models import Quote
from tests import factories
from tests.live import free_port, live_server
from tests.progress.helpers import advance, assign_to, send_quote
from tickets import services
from tickets.models import Ticket
from tickets.progress.signature import signature_ink_pixels

from .conftest import PAGE_SERVER_ENV, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                                 reason="cross-process live updates need REDIS_URL (a shared channel layer)")


def _server(**kwargs):
    from django.conf import settings

    # the server writes uploads (the signature) where this test reads them
    return live_server(env={**PAGE_SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}, **kwargs)


def _ticket(*, phone="13900005678"):
    fault = factories.FaultCategoryFactory(code="screen-e2e", name="屏幕损坏")
    customer = factories.CustomerFactory(phone=phone, name="王小明", email="wang@example.com")
    device = factories.DeviceFactory(owner=customer)
    ticket = factories.TicketFactory(customer=customer, device=device, fault_category=fault, service_mode="walk_in",
                                     description="屏幕摔碎了，触摸失灵，请尽快维修")
    ticket.refresh_from_db()
    return ticket


def _tech():
    from django.contrib.auth.models import Group

    center = factories.ServiceCenterFactory(name="上海浦东服务中心", address="张杨路 500 号")
    tech = factories.TechnicianFactory(center=center, name="李工", phone="13812345678")
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    return tech


def _sms_code(*, ticket) -> str:
    import re

    from tickets.models import OutboxMessage
    from tickets.outbox.services import gateway_text

    body = gateway_text(OutboxMessage.objects.filter(ticket=ticket, event="otp.code").latest("created_at", "id"))
    return re.search(r"\d{6}", body).group(0)


def in_thread(func, /, **kwargs):
    """Run a service in a worker thread: this thread runs Playwright's event loop, and the
    after-commit broadcast (``async_to_sync``) refuses to run inside a running loop."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return func(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def _wait_live(page):
    page.wait_for_selector('#conn[data-state="live"]', timeout=10_000)


def _status(page) -> str:
    return page.inner_text("#status-label").strip()


def test_cjk_font_is_installed():
    """Without a CJK font every Chinese character in a screenshot is an empty box."""
    out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False).stdout
    assert "CJK" in out or "Noto" in out, "install fonts-noto-cjk"


def test_lookup_to_progress_page_on_a_phone(phone):
    ticket = in_thread(_ticket)
    with _server() as base:
        phone.goto(f"{base}/track/")
        assert phone.inner_text("h1") == "查询维修进度"
        assert _no_horizontal_scroll(phone)
        screenshot(phone, "track-390")
        # a wrong guess gets the generic error and stays on /track/
        phone.fill("#id_number", ticket.number)
        phone.fill("#id_phone_last4", "0000")
        phone.click("button[type=submit]")
        assert "工单号或手机号后四位不正确" in phone.inner_text("#track-error")
        phone.fill("#id_number", ticket.number.lower())
        phone.fill("#id_phone_last4", "5678")
        phone.click("button[type=submit]")
        # then the code the SMS carried to the ticket's phone
        phone.wait_for_selector("#id_otp_code")
        phone.fill("#id_otp_code", in_thread(_sms_code, ticket=ticket))
        phone.click("button[type=submit]")
        phone.wait_for_url(f"{base}/t/{ticket.tracking_token}/")
        _wait_live(phone)
        assert phone.inner_text("#ticket-number") == ticket.number
        body = phone.inner_text("body")
        for text in ("服务进度", "处理记录", "工单已创建", "自助服务"):
            assert text in body
        assert phone.locator("#steps li").count() == 7
        assert _no_horizontal_scroll(phone)
        # the CSS and JS are served locally (no CDN): styles are applied
        assert phone.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") == "10px"
        screenshot(phone, "progress-390")
        phone.goto(f"{base}/t/not-a-valid-token-000000000/")
        assert "找不到该工单" in phone.inner_text("body")
        phone.click("text=重新查询进度")
        phone.wait_for_url(f"{base}/track/")


@needs_redis
def test_staff_transition_appears_live_and_nothing_is_missed_after_a_reconnect(phone):
    tech = in_thread(_tech)
    ticket = in_thread(lambda: assign_to(_ticket(), tech))
    port = free_port()
    stack = contextlib.ExitStack()
    base = stack.enter_context(_server(port=port))
    try:
        phone.goto(f"{base}/t/{ticket.tracking_token}/")
        _wait_live(phone)
        assert _status(phone) == "已派工"
        started = time.monotonic()
        in_thread(services.ticket_transition, ticket=ticket, transition="start", by=tech.user)
        # a locator assertion, not wait_for_function: the page's CSP forbids the eval the latter needs
        expect(phone.locator("#status-label")).to_have_text("处理中", timeout=2_000)
        elapsed = time.monotonic() - started
        print(f"\nstaff transition → page updated in {elapsed * 1000:.0f} ms")
        assert "工程师已开始处理" in phone.inner_text("#timeline")
        assert phone.locator('#steps li[data-step="repairing"]').get_attribute("class") == "step current"
        screenshot(phone, "progress-live-390")

        # the server goes away; meanwhile the ticket moves on; the page reconnects and catches up
        stack.close()
        phone.wait_for_selector('#conn[data-state="offline"]', timeout=10_000)
        ticket.refresh_from_db()
        in_thread(services.ticket_transition, ticket=ticket, transition="wait_parts", by=tech.user)
        base = stack.enter_context(_server(port=port))
        # a locator assertion, not wait_for_function: the page's CSP forbids the eval the latter needs
        expect(phone.locator("#status-label")).to_have_text("等待备件", timeout=20_000)
        _wait_live(phone)
        assert "正在等待备件到货" in phone.inner_text("#timeline")
        ticket.refresh_from_db()
        in_thread(services.ticket_transition, ticket=ticket, transition="resume", by=tech.user)
        # a locator assertion, not wait_for_function: the page's CSP forbids the eval the latter needs
        expect(phone.locator("#status-label")).to_have_text("处理中", timeout=2_000)
    finally:
        stack.close()


@needs_redis
def test_event_committed_in_one_server_reaches_a_page_on_another(browser, phone):
    tech = in_thread(_tech)
    ticket = in_thread(lambda: advance(assign_to(_ticket(), tech), "start", "resolve"))
    with _server() as server_a, _server() as server_b:
        phone.goto(f"{server_b}/t/{ticket.tracking_token}/")
        _wait_live(phone)
        other = browser.new_context(locale="zh-CN")
        try:
            form = other.new_page()
            form.goto(f"{server_a}/t/{ticket.tracking_token}/invoice/")
            form.check("input[name=kind][value=company]")
            form.fill("#id_title", "上海某某科技有限公司")
            form.fill("#id_tax_number", "91350100M000100Y43")
            form.fill("#id_email", "finance@example.com")
            started = time.monotonic()
            form.click("#invoice-form button[type=submit]")
            phone.wait_for_selector("#timeline >> text=已提交电子发票申请", timeout=2_000)
            print(f"\nsubmit on server A (POST, commit, redirect) → event on the page at server B in "
                  f"{(time.monotonic() - started) * 1000:.0f} ms")
        finally:
            other.close()
        assert "待开票" in phone.inner_text("#afterwards")


def _sms_code(ticket) -> str:
    import re

    from tickets.models import OutboxMessage
    from tickets.outbox.services import gateway_text

    body = gateway_text(OutboxMessage.objects.filter(ticket=ticket, event="otp.code").latest("pk"))
    return re.search(r"(?<!\d)\d{6}(?!\d)", body).group(0)


def test_quote_approval_with_a_drawn_signature(browser, phone):
    tech = in_thread(_tech)
    ticket = in_thread(lambda: assign_to(_ticket(), tech))
    quote = in_thread(send_quote, ticket=ticket)
    with _server() as base:
        # the technician's view of the same page (desktop) sees the answer live, in the same process
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            watcher = desk.new_page()
            watcher.goto(f"{base}/t/{ticket.tracking_token}/")
            _wait_live(watcher)
            phone.goto(f"{base}/t/{ticket.tracking_token}/")
            _wait_live(phone)
            assert "等待客户" in _status(phone)
            phone.click("#next-actions a.btn")
            phone.wait_for_url(f"{base}/t/{ticket.tracking_token}/quote/{quote.pk}/")
            assert phone.locator("#quote-lines tbody tr").count() == 2
            assert "更换屏幕工时" in phone.inner_text("#quote-lines")
            assert _no_horizontal_scroll(phone)
            # a paid quote needs the code sent by SMS to the ticket's phone
            phone.click("#otp-send-btn")
            phone.wait_for_selector("#otp-notice")
            phone.fill("#id_otp_code", in_thread(_sms_code, ticket=ticket))
            phone.fill("#id_signer_name", "王小明")
            # submitting without a signature is stopped in the page
            phone.click("#approve-btn")
            assert phone.is_visible("#sig-error")
            box = phone.locator("#signature-pad").bounding_box()
            x, y, w, h = box["x"], box["y"], box["width"], box["height"]
            phone.mouse.move(x + w * 0.1, y + h * 0.7)
            phone.mouse.down()
            for i in range(1, 40):
                t = i / 40
                phone.mouse.move(x + w * (0.1 + 0.8 * t), y + h * (0.5 + 0.3 * ((-1) ** (i // 5)) * (i % 5) / 5))
            phone.mouse.up()
            screenshot(phone, "quote-signature-390")
            phone.click("#approve-btn")
            phone.wait_for_load_state()
            if phone.locator("#quote-error").count():
                screenshot(phone, "quote-error-390")
                pytest.fail(phone.inner_text("#quote-error"))
            phone.wait_for_url(f"{base}/t/{ticket.tracking_token}/")
            assert "已确认报价" in phone.inner_text("main")
            watcher.wait_for_selector("#timeline >> text=已确认报价", timeout=2_000)
            screenshot(phone, "quote-approved-390")
        finally:
            desk.close()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    assert quote.signer_name == "王小明"
    with quote.signature.file.open("rb") as f:
        assert signature_ink_pixels(f.read()) > 150
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.IN_PROGRESS
