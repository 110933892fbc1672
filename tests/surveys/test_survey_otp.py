"""Answering the survey in the customer's name needs the one-time code sent to the ticket's phone."""

from __future__ import annotations

import re

from surveys.models import Invitation, Response
from surveys.services import invitation_signed_token
from tickets.models import OneTimeCode, OutboxMessage
from tickets.otp import otp_send
from tickets.outbox.services import gateway_text

ANSWER = {"speed": "5", "attitude": "4", "result": "5", "nps": "9", "comment": "师傅很专业"}


def _url(ticket):
    return f"/s/{invitation_signed_token(invitation=Invitation.objects.get(ticket=ticket))}/"


def test_answer_without_or_with_a_wrong_code_is_refused(client, resolved_ticket):
    url = _url(resolved_ticket)
    page = client.post(url, ANSWER)
    assert page.status_code == 400
    assert "验证码" in page.content.decode()
    code = otp_send(ticket=resolved_ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    page = client.post(url, {**ANSWER, "otp_code": wrong})
    assert page.status_code == 400
    assert "验证码不正确" in page.content.decode()
    assert not Response.objects.exists()
    assert Invitation.objects.get(ticket=resolved_ticket).status != Invitation.Status.ANSWERED


def test_answer_with_the_code_from_the_sms_is_recorded(client, resolved_ticket):
    url = _url(resolved_ticket)
    sent = client.post(url, {"action": "send_code"})
    assert sent.status_code == 200
    sms = OutboxMessage.objects.get(event="otp.code")
    code = re.search(r"(?<!\d)\d{6}(?!\d)", gateway_text(sms)).group(0)
    done = client.post(url, {**ANSWER, "otp_code": code})
    assert done.status_code == 200
    assert Response.objects.get().speed == 5
