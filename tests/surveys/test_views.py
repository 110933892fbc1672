from __future__ import annotations

import datetime as dt

from surveys.models import FollowUp, Invitation, Response
from surveys.services import invitation_signed_token

ANSWER = {"speed": "5", "attitude": "4", "result": "5", "nps": "9", "comment": "师傅很专业"}


def _url(ticket):
    return f"/s/{invitation_signed_token(invitation=Invitation.objects.get(ticket=ticket))}/"


def test_survey_page_shows_the_questions(client, resolved_ticket):
    page = client.get(_url(resolved_ticket))
    assert page.status_code == 200
    html = page.content.decode()
    assert "维修速度" in html
    assert 'name="nps"' in html
    assert resolved_ticket.number in html


def _code(ticket):
    from tickets.models import OneTimeCode
    from tickets.otp import otp_send

    return otp_send(ticket=ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER)


def test_answer_then_second_answer_is_refused(client, resolved_ticket):
    url = _url(resolved_ticket)
    done = client.post(url, {**ANSWER, "otp_code": _code(resolved_ticket)})
    assert done.status_code == 200
    assert "感谢您的评价" in done.content.decode()
    again = client.post(url, {**ANSWER, "speed": "1"})
    assert "您已评价过本次服务" in again.content.decode()
    assert Response.objects.get().speed == 5


def test_invalid_answer_shows_errors_and_saves_nothing(client, resolved_ticket):
    page = client.post(_url(resolved_ticket), {"speed": "7", "comment": "x"})
    assert page.status_code == 400
    assert "请选择一个分数" in page.content.decode()
    assert not Response.objects.exists()


def test_complaint_answer_promises_a_call_back(client, resolved_ticket):
    page = client.post(_url(resolved_ticket), {**ANSWER, "comment": "乱收费，我要投诉",
                                               "otp_code": _code(resolved_ticket)})
    assert "网点负责人会尽快与您联系" in page.content.decode()
    assert FollowUp.objects.filter(reason="complaint").exists()


def test_late_answer_gets_a_clear_page(client, resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at - dt.timedelta(seconds=1))
    page = client.post(_url(resolved_ticket), ANSWER)
    assert page.status_code == 410
    assert "本次评价已截止" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.EXPIRED
    assert not Response.objects.exists()


def test_forged_token_is_404(client, resolved_ticket):
    assert client.get(_url(resolved_ticket)[:-3] + "zz/").status_code == 404
    token = Invitation.objects.get(ticket=resolved_ticket).token
    assert client.get(f"/s/{token}/").status_code == 404
