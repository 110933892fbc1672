from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from surveys import services
from surveys.models import FollowUp, Invitation, Response, Survey, TechnicianAlert
from tests.factories import TechnicianFactory, TicketFactory
from tests.surveys.conftest import answer, resolve
from tickets.exceptions import InvalidTransition, NotFoundError, PermissionDeniedError, ValidationFailed
from tickets.models import OutboxMessage, ShortLink, Ticket, TicketEvent

GOOD = {"speed": 5, "attitude": 5, "result": 5, "nps": 10, "comment": "很好"}


def test_resolution_creates_and_sends_one_invitation(resolved_ticket, django_capture_on_commit_callbacks):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    assert invitation.status == Invitation.Status.SENT
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=13)
    messages = OutboxMessage.objects.filter(milestone="survey", ticket=resolved_ticket)
    assert {m.channel for m in messages} == {"sms", "email"}
    signed = services.invitation_signed_token(invitation=invitation)
    sms = messages.get(channel="sms").body
    assert len(sms) <= 70
    short = sms.rsplit(" ", 1)[1]  # the short link stands alone at the end
    code = short.rsplit("/l/", 1)[1]
    assert ShortLink.objects.get(code=code).path == f"/s/{signed}/"
    assert Schedule.objects.filter(name=f"survey-reminder-{invitation.pk}").count() == 1
    assert Schedule.objects.filter(name=f"ticket-autoclose-{resolved_ticket.pk}").count() == 1
    # sending again (a repeated signal) sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolved_handle(ticket_id=resolved_ticket.pk)
    assert Invitation.objects.filter(ticket=resolved_ticket).count() == 1
    assert OutboxMessage.objects.filter(milestone="survey", ticket=resolved_ticket).count() == 2


def test_signed_token_is_verified(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    signed = services.invitation_signed_token(invitation=invitation)
    assert services.invitation_from_signed(value=signed).pk == invitation.pk
    with pytest.raises(NotFoundError):
        services.invitation_from_signed(value=invitation.token)
    with pytest.raises(NotFoundError):
        services.invitation_from_signed(value=signed[:-2] + "xx")


def test_reminder_goes_out_once(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    assert services.invitation_remind(invitation_id=invitation.pk) is True
    assert services.invitation_remind(invitation_id=invitation.pk) is False
    assert OutboxMessage.objects.filter(event="survey.reminder", ticket=resolved_ticket).count() == 2  # sms+email
    assert services.invitation_remind(invitation_id=999999) is False


def test_no_reminder_after_answer_or_expiry(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    answer(invitation=invitation, answers=GOOD)
    assert services.invitation_remind(invitation_id=invitation.pk) is False


def test_answer_is_attributed_and_unique(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    response = answer(invitation=invitation, answers=GOOD)
    assert response.technician_id == resolved_ticket.technician_id
    assert response.center_id == resolved_ticket.service_center_id
    assert response.nps == 10
    assert not response.is_complaint
    assert not response.is_low_score
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED
    with pytest.raises(services.SurveyAlreadyAnswered):
        services.response_submit(invitation=invitation, answers=GOOD)
    assert Response.objects.count() == 1
    assert not FollowUp.objects.exists()
    assert TicketEvent.objects.filter(ticket=resolved_ticket, kind="survey.answered").exists()


def test_bad_answers_change_nothing(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    with pytest.raises(ValidationFailed) as exc:
        services.response_submit(invitation=invitation, answers={**GOOD, "speed": 9, "nps": "x"})
    assert set(exc.value.extra["fields"]) == {"speed", "nps"}
    with pytest.raises(ValidationFailed):
        services.response_submit(invitation=invitation, answers={"comment": "ok"})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert not Response.objects.exists()


def test_late_answer_expires_the_invitation(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    later = invitation.expires_at + dt.timedelta(minutes=1)
    with pytest.raises(services.SurveyExpired):
        answer(invitation=invitation, answers=GOOD, now=later)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.EXPIRED
    assert not Response.objects.exists()
    assert services.invitation_remind(invitation_id=invitation.pk) is False


def test_expiry_sweep(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    assert services.invitations_expire_due(now=timezone.now()) == 0
    assert services.invitations_expire_due(now=invitation.expires_at + dt.timedelta(seconds=1)) == 1


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({**GOOD, "attitude": 2}, FollowUp.Reason.LOW_SCORE),
        ({**GOOD, "nps": 3}, FollowUp.Reason.LOW_SCORE),
        ({**GOOD, "comment": "师傅态度差，我要投诉"}, FollowUp.Reason.COMPLAINT),
    ],
)
def test_low_score_or_complaint_opens_a_follow_up(resolved_ticket, answers, reason):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    response = answer(invitation=invitation, answers=answers)
    follow_up = FollowUp.objects.get(response=response)
    assert follow_up.reason == reason
    assert follow_up.center_id == resolved_ticket.service_center_id
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.due_at == pytest.approx(response.created_at + dt.timedelta(hours=24), abs=dt.timedelta(seconds=5))


def test_negated_praise_opens_nothing(resolved_ticket):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    answer(invitation=invitation, answers={**GOOD, "comment": "态度不差，没有骗人"})
    assert not FollowUp.objects.exists()


def test_follow_up_outcome_is_recorded(resolved_ticket, manager):
    resolved_ticket.service_center.managers.add(manager)
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    response = answer(invitation=invitation, answers={**GOOD, "comment": "投诉"})
    follow_up = response.follow_up
    notice = OutboxMessage.objects.get(event="survey.follow_up", user=manager)
    assert resolved_ticket.number in notice.body
    assert "投诉" in notice.body
    services.follow_up_contact(follow_up=follow_up, by=manager, note="已致电")
    with pytest.raises(ValidationFailed):
        services.follow_up_close(follow_up=follow_up, by=manager, outcome="unresolved", note="")
    closed = services.follow_up_close(follow_up=follow_up, by=manager, outcome="explained", note="客户接受解释")
    assert closed.status == FollowUp.Status.CLOSED
    assert closed.outcome == "explained"
    assert closed.closed_at
    with pytest.raises(InvalidTransition):
        services.follow_up_close(follow_up=closed, by=manager, outcome="resolved")
    assert TicketEvent.objects.filter(ticket=resolved_ticket, kind="survey.follow_up_closed").exists()


def test_follow_up_permissions(resolved_ticket, agent, manager):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    follow_up = answer(invitation=invitation, answers={**GOOD, "speed": 1}).follow_up
    with pytest.raises(PermissionDeniedError):
        services.follow_up_close(follow_up=follow_up, by=agent, outcome="resolved")
    other_center = TechnicianFactory().center
    other_center.managers.add(manager)
    with pytest.raises(PermissionDeniedError):
        services.follow_up_close(follow_up=follow_up, by=manager, outcome="resolved")


@pytest.mark.parametrize(
    "transition",
    [
        ("open", "contact", "contacted"), ("open", "close", "closed"), ("contacted", "close", "closed"),
        ("contacted", "contact", None), ("closed", "contact", None), ("closed", "close", None),
    ],
)
def test_follow_up_transition_matrix(transition):
    from django_fsm import can_proceed

    source, name, target = transition
    follow_up = FollowUp(status=source, due_at=timezone.now())
    method = getattr(follow_up, name)
    assert can_proceed(method) is (target is not None)
    if target:
        method()
        assert follow_up.status == target


@pytest.mark.parametrize(
    ("source", "name", "allowed"),
    [
        ("pending", "send", True), ("sent", "send", False), ("sent", "answer", True), ("answered", "answer", False),
        ("expired", "answer", False), ("sent", "expire", True), ("answered", "expire", False),
    ],
)
def test_invitation_transition_matrix(source, name, allowed):
    from django_fsm import can_proceed

    assert can_proceed(getattr(Invitation(status=source), name)) is allowed


def _complaint_for(technician, django_capture_on_commit_callbacks, *, when=None):
    ticket = TicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        resolve(ticket, technician=technician)
    invitation = Invitation.objects.get(ticket=ticket)
    return answer(invitation=invitation, answers={**GOOD, "comment": "态度恶劣，投诉"},
                                    now=when)


def test_three_complaints_in_30_days_raise_one_training_alert(db, manager, django_capture_on_commit_callbacks):
    technician = TechnicianFactory()
    technician.center.managers.add(manager)
    _complaint_for(technician, django_capture_on_commit_callbacks)
    _complaint_for(technician, django_capture_on_commit_callbacks)
    assert not TechnicianAlert.objects.exists()
    _complaint_for(technician, django_capture_on_commit_callbacks)
    alert = TechnicianAlert.objects.get(technician=technician)
    assert alert.complaint_count == 3
    assert alert.window_days == 30
    assert technician.name in OutboxMessage.objects.get(event="survey.training_alert", user=manager).body
    _complaint_for(technician, django_capture_on_commit_callbacks)
    alert.refresh_from_db()
    assert TechnicianAlert.objects.filter(technician=technician).count() == 1
    assert alert.complaint_count == 4


def test_old_complaints_do_not_count(db, django_capture_on_commit_callbacks, settings):
    settings.SURVEY_COMPLAINT_ALERT_THRESHOLD = 2
    technician = TechnicianFactory()
    first = _complaint_for(technician, django_capture_on_commit_callbacks)
    Response.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    _complaint_for(technician, django_capture_on_commit_callbacks)
    assert not TechnicianAlert.objects.exists()


def test_alert_acknowledge(db, manager, agent, django_capture_on_commit_callbacks, settings):
    settings.SURVEY_COMPLAINT_ALERT_THRESHOLD = 1
    technician = TechnicianFactory()
    _complaint_for(technician, django_capture_on_commit_callbacks)
    alert = TechnicianAlert.objects.get()
    with pytest.raises(PermissionDeniedError):
        services.technician_alert_acknowledge(alert=alert, by=agent)
    services.technician_alert_acknowledge(alert=alert, by=manager, note="已安排服务礼仪培训")
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    with pytest.raises(InvalidTransition):
        services.technician_alert_acknowledge(alert=alert, by=manager)


def test_ticket_closes_automatically_unless_reopened(resolved_ticket, django_capture_on_commit_callbacks):
    assert services.ticket_autoclose(ticket_id=resolved_ticket.pk) is None  # not yet due
    due = resolved_ticket.resolved_at + dt.timedelta(days=7, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.ticket_autoclose(ticket_id=resolved_ticket.pk, now=due)
    assert closed.status == Ticket.Status.CLOSED
    assert not Schedule.objects.filter(name=f"ticket-autoclose-{resolved_ticket.pk}").exists()


def test_reopened_ticket_is_not_closed(resolved_ticket, django_capture_on_commit_callbacks):
    from tickets.services import ticket_reopen

    with django_capture_on_commit_callbacks(execute=True):
        ticket_reopen(ticket=resolved_ticket, by=None, reason="又坏了")
    assert not Schedule.objects.filter(name=f"ticket-autoclose-{resolved_ticket.pk}").exists()
    later = timezone.now() + dt.timedelta(days=30)
    assert services.ticket_autoclose(ticket_id=resolved_ticket.pk, now=later) is None
    assert services.tickets_autoclose_due(now=later) == 0
    resolved_ticket.refresh_from_db()
    assert resolved_ticket.status == Ticket.Status.REOPENED


def test_auto_close_delay_is_configurable(resolved_ticket, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = 2
    assert services.tickets_autoclose_due(now=resolved_ticket.resolved_at + dt.timedelta(days=2, seconds=1)) == 1


def test_survey_questions_are_validated_and_configurable(db):
    with pytest.raises(ValidationFailed):
        services.survey_questions_validate([{"key": "price"}])
    with pytest.raises(ValidationFailed):
        services.survey_questions_validate([{"key": "nps"}, {"key": "nps"}])
    short = Survey.objects.create(name="简版", questions=[{"key": "nps", "label": "推荐"}, {"key": "comment"}],
                                  is_default=True)
    ticket = TicketFactory()
    invitation = services.invitation_create(ticket=ticket, survey=short)
    response = answer(invitation=invitation, answers={"nps": 9})
    assert response.speed is None
    assert response.nps == 9


def test_the_customer_path_needs_the_sms_code_in_the_service_itself(resolved_ticket):
    """Without the code sent to the ticket's phone (or with a wrong one), the service writes nothing,
    whichever interface calls it."""
    from tickets.models import OneTimeCode
    from tickets.otp import otp_send

    invitation = Invitation.objects.get(ticket=resolved_ticket)
    with pytest.raises(ValidationFailed) as missing:
        services.response_submit(invitation=invitation, answers=GOOD)
    assert missing.value.extra["field"] == "otp_code"
    code = otp_send(ticket=resolved_ticket, purpose=OneTimeCode.Purpose.SURVEY_ANSWER)
    with pytest.raises(ValidationFailed):  # sent but never verified on the page
        services.response_submit(invitation=invitation, answers=GOOD, otp_code=code)
    with pytest.raises(ValidationFailed):
        services.response_submit(invitation=invitation, answers=GOOD, otp_code="12")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT
    assert not Response.objects.exists()
    assert not TicketEvent.objects.filter(ticket=resolved_ticket, kind="survey.answered").exists()


def test_staff_record_an_answer_only_with_the_permission(resolved_ticket, agent, superuser):
    invitation = Invitation.objects.get(ticket=resolved_ticket)
    with pytest.raises(PermissionDeniedError):
        services.response_submit(invitation=invitation, answers=GOOD, by=agent)
    assert not Response.objects.exists()
    response = services.response_submit(invitation=invitation, answers=GOOD, by=superuser)
    assert response.nps == 10
