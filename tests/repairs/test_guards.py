"""While a repair order is open it owns the ticket's workshop states: the QC gate (after-photos,
serials of fitted parts, the checklist) cannot be skipped from the API, the admin or a task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from repairs.exceptions import QuoteLocked
from repairs.models import Quote, RepairOrder
from repairs.services import (
    quote_approve,
    quote_create,
    quote_send,
    repair_diagnose,
    repair_order_open,
    repair_start,
    repair_submit_qc,
)
from tests import factories
from tests.api.conftest import client_for
from tickets.exceptions import DomainError, InvalidTransition
from tickets.models import Ticket
from tickets.services import ticket_available_transitions, ticket_transition

pytestmark = pytest.mark.django_db


def _repairing(w, png) -> RepairOrder:
    tech = w["technician"].user
    order = repair_order_open(ticket=w["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", cause="排线老化",
                            by=tech, before_photos=[("before.png", png())])
    quote = quote_create(repair_order=order, lines=[{"kind": "part", "part": w["part"], "unit_price": Decimal("699")}],
                         by=tech)
    quote_send(quote=quote, by=tech)
    quote_approve(quote=quote, signature_png=png(), signer_name="张三", ip="10.0.0.8", user_agent="pytest")
    return repair_start(repair_order=RepairOrder.objects.get(pk=order.pk), by=tech)


@pytest.fixture
def inspector(workshop):
    tech = factories.TechnicianFactory(center=workshop["center"], is_qc_inspector=True)
    tech.user.groups.add(Group.objects.get(name="质检"))
    return tech


def test_api_cannot_submit_the_bare_ticket_to_qc_and_pass_it_without_the_gate(workshop, png, inspector):
    """The measured bypass: submit-qc on the job while the repair order is still repairing, then a
    QC pass of the bare ticket, took it to ``ready`` with no after-photo and no part serial. The
    bare path is gone from the API; the guard still refuses the ticket's own transition."""
    order = _repairing(workshop, png)
    ticket = workshop["ticket"]
    tech_api = client_for(workshop["technician"].user)
    response = tech_api.post(f"/api/v1/jobs/{ticket.pk}/submit-qc/", {"message": "修好了"}, format="json")
    # the deprecated bare path is refused by the guard where the state lives
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "guarded"
    assert "RO-" in response.json()["message"]
    with pytest.raises(DomainError) as refused:
        ticket_transition(ticket=Ticket.objects.get(pk=ticket.pk), transition="submit_qc",
                          by=workshop["technician"].user)
    assert refused.value.code == "guarded"
    assert "RO-" in str(refused.value)
    qc_api = client_for(inspector.user)
    response = qc_api.post(f"/api/v1/qc/{ticket.pk}/pass/", {"checklist": {}}, format="json")
    assert response.status_code in (404, 409)
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, order.status) == (Ticket.Status.IN_PROGRESS, RepairOrder.Status.REPAIRING)

    detail = tech_api.get(f"/api/v1/jobs/{ticket.pk}/").json()
    assert "submit_qc" not in detail["available_actions"]


def test_api_qc_pass_of_a_submitted_repair_still_needs_the_gate(workshop, png, inspector):
    order = _repairing(workshop, png)
    repair_submit_qc(repair_order=order, by=workshop["technician"].user, work_done="更换屏幕")  # no after-photo
    response = client_for(inspector.user).post(f"/api/v1/qc/{workshop['ticket'].pk}/pass/",
                                               {"checklist": {}}, format="json")
    assert response.status_code == 422 or response.json()["code"] == "qc_gate_failed", response.content
    workshop["ticket"].refresh_from_db()
    assert workshop["ticket"].status == Ticket.Status.QUALITY_CHECK


def test_admin_buttons_cannot_move_the_workshop_states(workshop, png, superuser, client):
    order = _repairing(workshop, png)
    ticket = workshop["ticket"]
    client.force_login(superuser)
    change = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert change.status_code == 200
    assert "submit_qc" not in [name for name, _label in change.context["available_transitions"]]
    response = client.post(reverse("admin:tickets_ticket_act", args=[ticket.pk]), {"_transition": "submit_qc"},
                           follow=True)
    assert "RO-" in response.content.decode()
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, order.status) == (Ticket.Status.IN_PROGRESS, RepairOrder.Status.REPAIRING)


def test_a_task_cannot_move_the_workshop_states(workshop, png):
    """A background task acts as the system (``by=None``) and is refused all the same."""
    from django_q.tasks import async_task

    order = _repairing(workshop, png)
    ticket = workshop["ticket"]
    with pytest.raises(InvalidTransition):  # a worker records the failure; sync mode raises it here
        async_task("tickets.services.ticket_transition", ticket=Ticket.objects.get(pk=ticket.pk),
                   transition="submit_qc", by=None, sync=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    with pytest.raises(InvalidTransition) as exc:
        ticket_transition(ticket=ticket, transition="resolve", by=None)
    assert exc.value.code == "guarded"
    order = repair_submit_qc(repair_order=order, by=workshop["technician"].user, work_done="更换屏幕")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.QUALITY_CHECK  # the repair order's own service moves it
    with pytest.raises(InvalidTransition):
        ticket_transition(ticket=ticket, transition="pass_qc", by=None)


def test_without_a_repair_order_the_ticket_moves_by_itself(workshop):
    ticket = workshop["ticket"]
    ticket = ticket_transition(ticket=ticket, transition="start", by=None)
    ticket = ticket_transition(ticket=ticket, transition="submit_qc", by=None)
    assert ticket_transition(ticket=ticket, transition="pass_qc", by=None).status == Ticket.Status.READY


def test_guards_come_from_a_registry_the_hub_does_not_import(workshop, png):
    from tickets import guards

    assert "repairs.open_repair_order" in guards.registered()
    _repairing(workshop, png)
    ticket = Ticket.objects.get(pk=workshop["ticket"].pk)
    assert "submit_qc" not in ticket_available_transitions(ticket=ticket, by=None)
    with guards.acting("repairs", ticket.pk):
        assert "submit_qc" in ticket_available_transitions(ticket=ticket, by=None)


def test_available_transitions_read_the_guard_once(workshop, png, django_assert_max_num_queries):
    _repairing(workshop, png)
    ticket = Ticket.objects.get(pk=workshop["ticket"].pk)
    with django_assert_max_num_queries(1):
        ticket_available_transitions(ticket=ticket, by=None)


def test_a_stale_quote_cannot_be_answered(workshop, png):
    """The customer answers the version they saw; a newer version needs its own answer (the check
    lives in the service, so the page, the API and the technician's device all get it)."""
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.display", findings="屏幕无显示", cause="排线老化",
                            by=tech, before_photos=[("before.png", png())])
    first = quote_create(repair_order=order, lines=[{"kind": "labor", "description": "检测", "unit_price": "50"}],
                         by=tech)
    quote_send(quote=first, by=tech)
    with pytest.raises(QuoteLocked) as exc:
        quote_approve(quote=first, signature_png=png(), signer_name="张三", ip=None, user_agent="",
                      seen_version=first.version + 1)
    assert exc.value.code == "quote_stale"
    assert Quote.objects.get(pk=first.pk).status == Quote.Status.SENT
    quote_approve(quote=first, signature_png=png(), signer_name="张三", ip=None, user_agent="",
                  seen_version=first.version)
    assert Quote.objects.get(pk=first.pk).status == Quote.Status.APPROVED


def test_cancelling_with_an_open_repair_order_is_refused_from_the_admin(workshop, png, superuser, client):
    order = _repairing(workshop, png)
    ticket = workshop["ticket"]
    client.force_login(superuser)
    change = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert "cancel" not in [name for name, _label in change.context["available_transitions"]]
    response = client.post(reverse("admin:tickets_ticket_act", args=[ticket.pk]),
                           {"_transition": "cancel", "_reason": "客户不修了"}, follow=True)
    page = response.content.decode()
    assert f"RO-{order.pk}" in page
    assert "不能直接取消" in page
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert (ticket.status, order.status) == (Ticket.Status.IN_PROGRESS, RepairOrder.Status.REPAIRING)
    assert not ticket.events.filter(kind="ticket.cancelled").exists()


def test_cancelling_with_an_open_repair_order_is_not_offered_by_the_api(workshop, png):
    _repairing(workshop, png)
    ticket = workshop["ticket"]
    detail = client_for(workshop["technician"].user).get(f"/api/v1/jobs/{ticket.pk}/").json()
    assert "cancel" not in detail["available_actions"]
    assert "cancel" not in ticket_available_transitions(ticket=Ticket.objects.get(pk=ticket.pk), by=None)


def test_cancelling_with_an_open_repair_order_is_refused_from_a_task(workshop, png):
    from django_q.tasks import async_task

    from tickets.services import ticket_cancel

    order = _repairing(workshop, png)
    ticket = workshop["ticket"]
    with pytest.raises(InvalidTransition) as exc:
        async_task("tickets.services.ticket_cancel", ticket=Ticket.objects.get(pk=ticket.pk), by=None,
                   reason="超时未确认，自动取消", sync=True)
    assert exc.value.code == "guarded"
    assert "不能直接取消" in str(exc.value)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS
    # once the repair order is over (the customer declined), the ticket may be cancelled
    RepairOrder.objects.filter(pk=order.pk).update(status=RepairOrder.Status.DECLINED)
    assert ticket_cancel(ticket=ticket, by=None, reason="客户拒绝报价").status == Ticket.Status.CANCELLED
