"""A paid quote is approved from the customer's link only with a one-time SMS code sent to the ticket's
phone: without, with a wrong or an expired code it is refused with a localized error and changes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from repairs.models import Quote, RepairOrder
from tickets.models import OneTimeCode, OutboxMessage
from tickets.otp import OTP_MAX_ATTEMPTS, otp_send
from tickets.outbox.services import gateway_text

from .helpers import advance, png_signature, send_quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def quoted(ticket, tech):
    advance(ticket, "triage", "assign", technician=tech)
    quote = send_quote(ticket)
    ticket.refresh_from_db()
    assert quote.total > 0
    return ticket, quote


def _approve(client, ticket, quote, **extra):
    data = {"action": "approve", "version": quote.version, "signer_name": "王小明", "signature": png_signature(),
            **extra}
    return client.post(f"/t/{ticket.tracking_token}/quote/{quote.pk}/", data)


def _unchanged(quote):
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT
    assert quote.signature_id is None
    assert RepairOrder.objects.get(pk=quote.repair_order_id).status == RepairOrder.Status.AWAITING_APPROVAL


def test_approval_without_a_code_is_refused_and_changes_nothing(client, quoted):
    ticket, quote = quoted
    response = _approve(client, ticket, quote)
    assert response.status_code == 400
    assert "验证码" in response.content.decode()
    _unchanged(quote)


def test_approval_with_a_wrong_code_is_refused_and_counted(client, quoted):
    ticket, quote = quoted
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = _approve(client, ticket, quote, otp_code=wrong)
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    _unchanged(quote)
    assert OneTimeCode.objects.get().attempts == 1


def test_approval_with_an_expired_code_is_refused(client, quoted):
    ticket, quote = quoted
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = _approve(client, ticket, quote, otp_code=code)
    assert response.status_code == 400
    assert "验证码已过期" in response.content.decode()
    _unchanged(quote)


def test_too_many_wrong_codes_lock_the_code(client, quoted):
    ticket, quote = quoted
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(OTP_MAX_ATTEMPTS):
        _approve(client, ticket, quote, otp_code=wrong)
    response = _approve(client, ticket, quote, otp_code=code)
    assert response.status_code == 400
    assert "错误次数过多" in response.content.decode()
    _unchanged(quote)


def test_approval_with_the_right_code_works_once(client, quoted):
    ticket, quote = quoted
    page = client.post(f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
                       {"action": "send_code", "version": quote.version})
    assert page.status_code == 200
    assert "验证码已发送至 139****1234" in page.content.decode()
    sms = OutboxMessage.objects.get(event="otp.code")
    assert sms.channel == "sms"
    assert sms.to_address == "13900001234"
    assert len(sms.body) <= 70
    assert not re.search(r"\d{6}", sms.body)  # the stored text keeps the code masked
    code = re.search(r"(?<!\d)\d{6}(?!\d)", gateway_text(sms)).group(0)
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash  # only a salted hash is kept
    response = _approve(client, ticket, quote, otp_code=code)
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.APPROVED
    stored.refresh_from_db()
    assert stored.used_at is not None


def test_sending_codes_is_rate_limited(client, quoted):
    ticket, quote = quoted
    url = f"/t/{ticket.tracking_token}/quote/{quote.pk}/"
    assert client.post(url, {"action": "send_code", "version": quote.version}).status_code == 200
    again = client.post(url, {"action": "send_code", "version": quote.version})
    assert again.status_code == 400
    assert "秒后再重新获取" in again.content.decode()
    assert OutboxMessage.objects.filter(event="otp.code").count() == 1


def test_service_refuses_a_paid_approval_without_a_verified_code(quoted):
    from repairs.services import quote_approve
    from tickets.exceptions import ValidationFailed
    from tickets.progress.signature import signature_png_from_data_url

    ticket, quote = quoted
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)  # sent, never verified
    with pytest.raises(ValidationFailed):
        quote_approve(quote=quote, signature_png=signature_png_from_data_url(png_signature()), signer_name="王",
                      ip=None, user_agent="", otp_code=code)
    _unchanged(quote)


def _decline(client, ticket, quote, **extra):
    return client.post(f"/t/{ticket.tracking_token}/quote/{quote.pk}/",
                       {"action": "decline", "version": quote.version, "reason": "太贵了", **extra})


def test_declining_a_paid_quote_needs_the_code_too(client, quoted):
    ticket, quote = quoted
    response = _decline(client, ticket, quote)
    assert response.status_code == 400
    assert "验证码" in response.content.decode()
    _unchanged(quote)
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    assert _decline(client, ticket, quote, otp_code=code).status_code == 302
    quote.refresh_from_db()
    assert quote.status == Quote.Status.DECLINED
    assert OneTimeCode.objects.get().used_at is not None


def test_the_decline_service_refuses_the_customer_without_a_code(quoted):
    from repairs.services import quote_decline
    from tickets.exceptions import ValidationFailed

    ticket, quote = quoted
    with pytest.raises(ValidationFailed):
        quote_decline(quote=quote, reason="太贵了")
    _unchanged(quote)


def test_codes_are_capped_per_ticket_and_per_phone_each_day(ticket):
    from tests import factories
    from tickets.otp import OTP_MAX_PER_DAY_PHONE, OTP_MAX_PER_DAY_TICKET, OtpThrottled

    start = timezone.now()
    step = dt.timedelta(minutes=13)  # within the per-minute and per-hour limits
    purposes = [OneTimeCode.Purpose.TRACK_LOOKUP, OneTimeCode.Purpose.QUOTE_APPROVE]
    for n in range(OTP_MAX_PER_DAY_TICKET):
        otp_send(ticket=ticket, purpose=purposes[n % 2], now=start + n * step)
    later = start + OTP_MAX_PER_DAY_TICKET * step
    with pytest.raises(OtpThrottled, match="今天"):
        otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER, now=later)
    # Other tickets of the same phone share the phone's daily cap.
    others = [factories.TicketFactory(customer=ticket.customer) for _ in range(2)]
    sent = OTP_MAX_PER_DAY_TICKET
    for n in range(OTP_MAX_PER_DAY_PHONE - sent):
        otp_send(ticket=others[n % 2], purpose=purposes[(n // 2) % 2], now=later + n * step)
    fresh = factories.TicketFactory(customer=ticket.customer)
    with pytest.raises(OtpThrottled, match="今天"):
        otp_send(ticket=fresh, purpose=OneTimeCode.Purpose.TRACK_LOOKUP, now=later + OTP_MAX_PER_DAY_PHONE * step)
    # A day later the customer can get codes again.
    otp_send(ticket=fresh, purpose=OneTimeCode.Purpose.TRACK_LOOKUP, now=start + dt.timedelta(days=2))
    assert OutboxMessage.objects.filter(event="otp.code").count() == OTP_MAX_PER_DAY_PHONE + 1
