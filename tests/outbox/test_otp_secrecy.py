"""A one-time code is for the customer's phone alone: the SMS gateway receives it, but no stored row,
no admin page of any staff role (lists, detail pages, search) and no log line holds a valid code."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests import factories
from tickets.models import OneTimeCode, OutboxMessage
from tickets.otp import CODE_MASK, otp_send, otp_verify
from tickets.outbox.services import outbox_deliver
from tickets.roles import ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings, http_server):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = http_server.url
    ticket = factories.TicketFactory(customer__phone="13900004321")
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE)
    message = OutboxMessage.objects.get(event="otp.code")
    outbox_deliver(message_id=message.pk)
    return ticket, code, message, http_server


def _staff(role: str):
    if role == "superuser":
        return factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    user = factories.UserFactory(username=f"u-{role}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def test_the_gateway_receives_the_code_and_nothing_stored_holds_it(sent):
    ticket, code, message, gateway = sent
    assert gateway.json(0)["content"].count(code) == 1  # the customer's phone gets the real code
    otp_verify(ticket=ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE, code=code)  # and it is valid
    message.refresh_from_db()
    assert message.status == "sent"
    assert CODE_MASK in message.body
    for row in OutboxMessage.objects.values("body", "subject", "last_error", "provider_id", "idempotency_key"):
        assert not any(code in str(value) for value in row.values())
    assert code not in OneTimeCode.objects.get().code_hash


@pytest.mark.parametrize("role", [*ROLES, "superuser"])
def test_no_staff_role_sees_a_valid_code(client, sent, role):
    ticket, code, message, _gateway = sent
    client.force_login(_staff(role))
    otp = OneTimeCode.objects.get()
    urls = [
        reverse("admin:tickets_outboxmessage_changelist"),
        reverse("admin:tickets_outboxmessage_changelist") + f"?q={ticket.number}",
        reverse("admin:tickets_outboxmessage_change", args=[message.pk]),
        reverse("admin:tickets_onetimecode_changelist"),
        reverse("admin:tickets_onetimecode_change", args=[otp.pk]),
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        reverse("admin:tickets_ticketevent_changelist") + f"?ticket__id__exact={ticket.pk}",
    ]
    for url in urls:
        page = client.get(url).content.decode()
        assert code not in page, url


def test_the_console_log_keeps_the_code_masked(settings, caplog):
    settings.SMS_BACKEND = "console"
    ticket = factories.TicketFactory(customer__phone="13900004322")
    code = otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER)
    with caplog.at_level(logging.INFO, logger="tickets.outbox"):
        outbox_deliver(message_id=OutboxMessage.objects.get(event="otp.code").pk)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "验证码" in logged
    assert code not in logged
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", logged)
