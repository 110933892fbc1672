"""A complaint filed as a request reaches the complaint follow-up flow of surveys."""

from __future__ import annotations

from tests import factories
from tickets.intake.services import intake_submit, triage_correct
from tickets.models import Ticket


def test_a_complaint_at_intake_opens_a_follow_up(taxonomy, django_capture_on_commit_callbacks):
    from surveys.models import FollowUp

    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(channel="web", name="张三", phone="13800138000",
                               description="师傅约好上午来，等到下午三点连个电话都没有，态度还很差，我要投诉")
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.fault_category.code == "request.complaint"
    assert ticket.department == "customer_care"
    follow_up = FollowUp.objects.get(ticket=ticket)
    assert follow_up.reason == FollowUp.Reason.INTAKE_COMPLAINT
    assert follow_up.response is None
    assert ticket.events.filter(kind="survey.follow_up_opened").exists()


def test_a_correction_to_complaint_opens_one_follow_up(taxonomy, agent, django_capture_on_commit_callbacks):
    from surveys.models import FollowUp

    ticket = factories.TicketFactory(description="你们怎么回事")
    with django_capture_on_commit_callbacks(execute=True):
        triage_correct(ticket=ticket, fault_category=taxonomy["request.complaint"], by=agent)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        triage_correct(ticket=ticket, fault_category=taxonomy["request.complaint"], by=agent)
    assert FollowUp.objects.filter(ticket=ticket).count() == 1


def test_a_billing_dispute_goes_to_the_billing_queue(taxonomy, django_capture_on_commit_callbacks):
    from surveys.models import FollowUp

    with django_capture_on_commit_callbacks(execute=True):
        result = intake_submit(channel="web", name="张三", phone="13800138000",
                               description="银行卡被扣了两次款，多收的钱什么时候退")
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.fault_category.code == "request.billing"
    assert ticket.department == "billing"
    assert not FollowUp.objects.filter(ticket=ticket).exists()
