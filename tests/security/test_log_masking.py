"""The worker's log does not hold customers' phones, names, addresses or link credentials."""

from __future__ import annotations

import io
import logging

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from config.masking import MaskedConsoleEmailBackend, MaskPersonalData, mask_text
from tests import factories
from tickets.models import OutboxMessage
from tickets.outbox.backends import ConsoleBackend


def test_mask_text_hides_phones_mails_and_link_secrets_but_keeps_imeis():
    text = ("请 13812345678 / +86 139-0000-1234 查看 http://127.0.0.1:8000/t/AbCdEf123_-xyz/ "
            "或 https://x.cn/l/k3Fz9 联系 wang.xiaoming@example.com，IMEI 861234567890123")
    masked = mask_text(text, names=("王小明",))
    for secret in ("13812345678", "AbCdEf123_-xyz", "k3Fz9", "wang.xiaoming@"):
        assert secret not in masked
    assert "138****5678" in masked
    assert "/t/***" in masked
    assert "861234567890123" in masked  # an IMEI is not a phone number
    assert mask_text("王小明您好", names=("王小明",)) == "王**您好"


def _console_handler_output():
    handler = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, MaskPersonalData) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    return handler, stream, previous


@pytest.mark.django_db
def test_sent_sms_is_logged_without_phone_name_or_tracking_link():
    customer = factories.CustomerFactory(name="王小明", phone="13812345678")
    ticket = factories.TicketFactory(customer=customer)
    message = OutboxMessage(channel="sms", to_address=customer.phone, customer=customer, ticket=ticket,
                            subject="", idempotency_key="mask-test",
                            body=f"王小明您好，进度：http://127.0.0.1:8000/t/{ticket.tracking_token}/")
    handler, stream, previous = _console_handler_output()
    try:
        ConsoleBackend().send(message)
    finally:
        handler.setStream(previous)
    line = stream.getvalue()
    assert "138****5678" in line
    for secret in ("13812345678", "王小明", ticket.tracking_token):
        assert secret not in line


def test_console_email_is_printed_masked():
    stream = io.StringIO()
    backend = MaskedConsoleEmailBackend(stream=stream)
    backend.send_messages([EmailMessage("工单进度", "王先生 13812345678：/t/SecretToken123/", to=["li@example.com"])])
    printed = stream.getvalue()
    for secret in ("13812345678", "SecretToken123", "li@example.com"):
        assert secret not in printed
    assert not mail.outbox  # the test backend is untouched
