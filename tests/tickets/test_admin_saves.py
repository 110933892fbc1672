"""Every admin edit goes through a service: ticket edits (event + SLA), adding a ticket (intake),
a technician's duty (re-dispatch) and price items (versioning)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.forms import CheckboxInput
from django.urls import reverse
from django.utils import timezone

from repairs.models import PriceListItem
from repairs.services import price_item_upsert
from tests import factories
from tickets.models import SlaClock, SlaLedgerEntry, SlaPolicy, Ticket, TicketAssignment, TicketEvent
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """What the browser would post back unchanged: the change form's and its inlines' current values."""
    data: dict = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field.widget, CheckboxInput):  # a single box, not a list of ticked choices
                if value:
                    data[key] = "on"
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def test_editing_a_ticket_writes_what_changed_and_rematches_the_sla(client, superuser,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(customer=factories.CustomerFactory(), description="手机屏幕碎了", channel="phone",
                               by=None)
    ticket.refresh_from_db()
    # the urgent policy of the ticket's own category: the most specific match whatever other
    # policies the shipped taxonomy brings (a category's policy outranks a priority-only one)
    SlaPolicy.objects.create(name="加急", priority="urgent", fault_category_id=ticket.fault_category_id,
                             response_hours=Decimal("1"), resolution_hours=Decimal("4"))
    before = SlaClock.objects.get(ticket=ticket).due_resolution_at
    client.force_login(superuser)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    data = form_data(client.get(url))
    data.update(priority="urgent", address="上海市徐汇区漕溪北路88号")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.updated")
    assert set(event.payload["changes"]) == {"priority", "address"}
    assert event.actor == superuser
    assert "优先级" in event.message
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.policy.name == "加急"
    assert clock.due_resolution_at < before
    assert SlaLedgerEntry.objects.filter(ticket=ticket, kind=SlaLedgerEntry.Kind.RECALCULATE).exists()


def test_ticket_update_service_refuses_and_changes_nothing(agent, superuser):
    ticket = ticket_create(customer=factories.CustomerFactory(), description="手机屏幕碎了", channel="phone",
                           by=None)
    from tickets.exceptions import ValidationFailed
    from tickets.services import ticket_update

    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, by=superuser, status="closed")
    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, by=superuser, priority="whenever")
    assert ticket_update(ticket=ticket, by=superuser, priority=ticket.priority) is ticket  # nothing changed
    assert not TicketEvent.objects.filter(ticket=ticket, kind="ticket.updated").exists()
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"


def test_adding_a_ticket_in_the_admin_goes_through_intake(client, agent):
    client.force_login(agent)
    response = client.get(reverse("admin:tickets_ticket_add"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:tickets_phoneintake_add")


def test_a_technician_going_off_duty_in_the_admin_is_redispatched(client, superuser):
    center = factories.ServiceCenterFactory(code="SH1", city="上海市", latitude=Decimal("31.228"),
                                            longitude=Decimal("121.520"))
    leaving = factories.TechnicianFactory(center=center, skills=["screen"])
    staying = factories.TechnicianFactory(center=center, skills=["screen"])
    for tech in (leaving, staying):
        tech.user.groups.add(Group.objects.get(name="维修工程师"))
    fault = factories.FaultCategoryFactory(code="screen", required_skill="screen")
    ticket = factories.TicketFactory(customer=factories.CustomerFactory(latitude=Decimal("31.23"),
                                                                        longitude=Decimal("121.47")),
                                     fault_category=fault, product_model=factories.ProductModelFactory())
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    ticket = ticket_triage(ticket=Ticket.objects.get(pk=ticket.pk), by=None)
    dispatch_to(ticket=ticket, technician=leaving, by=None)

    client.force_login(superuser)
    url = reverse("admin:repairs_technician_change", args=[leaving.pk])
    data = form_data(client.get(url))
    data.pop("on_duty", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    leaving.refresh_from_db()
    assert leaving.on_duty is False
    ticket.refresh_from_db()
    assert ticket.technician_id == staying.pk
    assert TicketEvent.objects.filter(ticket=ticket, kind="dispatch.off_duty").exists()
    assert TicketAssignment.objects.get(ticket=ticket, technician=leaving).status == "released"


def test_a_price_item_saved_in_the_admin_is_a_new_version(client, superuser):
    model = factories.ProductModelFactory()
    fault = factories.FaultCategoryFactory(code="screen")
    today = timezone.localdate()
    old = price_item_upsert(product_model=model, fault_category=fault, kind="labor", code="L1", name="工时",
                            unit_price=Decimal("80"), valid_from=today - dt.timedelta(days=30))
    client.force_login(superuser)
    response = client.post(reverse("admin:repairs_pricelistitem_add"), {
        "product_model": model.pk, "fault_category": fault.pk, "kind": "labor", "code": "L1", "name": "工时",
        "unit_price": "100", "valid_from": today.isoformat(), "valid_to": "", "part": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    old.refresh_from_db()
    assert old.valid_to == today - dt.timedelta(days=1)  # the service closed the previous version
    assert PriceListItem.objects.filter(code="L1").count() == 2

    refused = client.post(reverse("admin:repairs_pricelistitem_add"), {
        "product_model": model.pk, "fault_category": fault.pk, "kind": "part", "code": "P1", "name": "屏幕",
        "unit_price": "100", "valid_from": today.isoformat(), "valid_to": "", "part": "",
    }, follow=True)
    assert "备件价目须关联备件" in refused.content.decode()
    assert not PriceListItem.objects.filter(code="P1").exists()
