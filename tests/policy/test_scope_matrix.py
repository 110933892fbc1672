"""Role × model × centre: every admin view of a centre-owned model shows a centre manager only the rows of
their own centre (changelist and change view), while roles that span centres see both; exports follow the
same scope. A row of another centre is answered as missing, never shown."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from parts.models import StockLevel
from repairs.dispatch.services import technician_set_duty
from repairs.models import RepairOrder
from tests import factories
from tickets.exceptions import PermissionDeniedError
from tickets.models import OutboxMessage, SlaClock, Ticket, TicketAssignment

pytestmark = pytest.mark.django_db


def _centre_rows(code: str, n: int) -> dict:
    centre = factories.ServiceCenterFactory(code=code, name=f"网点{code}")
    tech = factories.TechnicianFactory(center=centre)
    customer = factories.CustomerFactory(phone=f"1370000{n:04d}")
    ticket = factories.TicketFactory(customer=customer, description="屏幕摔碎了")
    Ticket.objects.filter(pk=ticket.pk).update(service_center=centre, technician=tech)
    ticket.refresh_from_db()
    order = RepairOrder.objects.create(ticket=ticket, center=centre, technician=tech)
    location = factories.LocationFactory(code=f"LOC-{code}", center=centre)
    return {
        "centre": centre,
        "tickets.ticket": ticket,
        "tickets.ticketevent": ticket.events.first(),
        "tickets.outboxmessage": OutboxMessage.objects.create(
            idempotency_key=f"t{ticket.pk}", event="ticket.created", channel="sms", ticket=ticket,
            customer=customer, to_address=customer.phone, body="您的工单已受理"),
        "tickets.slaclock": _clock_at(ticket, centre),  # started with the ticket
        "tickets.ticketassignment": TicketAssignment.objects.create(ticket=ticket, technician=tech),
        "repairs.repairorder": order,
        "repairs.technician": tech,
        "parts.stocklevel": StockLevel.objects.create(part=factories.PartFactory(), location=location, on_hand=3),
        "tickets.customer": customer,
    }


def _clock_at(ticket, centre):
    SlaClock.objects.filter(ticket=ticket).update(center=centre)
    return SlaClock.objects.get(ticket=ticket)


@pytest.fixture
def world(db):
    return {"A": _centre_rows("A01", 1), "B": _centre_rows("B01", 2)}


def _user(role: str, world) -> object:
    if role == "superuser":
        return factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    user = factories.UserFactory(username=f"u-{role}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if role == "网点经理":
        world["A"]["centre"].managers.add(user)
    return user


MODELS = ["tickets.ticket", "tickets.ticketevent", "tickets.outboxmessage", "tickets.slaclock",
          "tickets.ticketassignment", "repairs.repairorder", "repairs.technician", "parts.stocklevel",
          "tickets.customer"]
# role -> does it see centre B's rows (when it may view the model at all)
ROLES = {"网点经理": False, "调度": True, "客服": True, "运营": True, "superuser": True}


def _urls(obj) -> tuple[str, str]:
    opts = obj._meta
    return (reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


@pytest.mark.parametrize("label", MODELS)
@pytest.mark.parametrize("role", list(ROLES))
def test_changelist_and_change_view_follow_the_centre_scope(client, world, role, label):
    user = _user(role, world)
    client.force_login(user)
    own, other = world["A"][label], world["B"][label]
    changelist, own_url = _urls(own)
    _cl, other_url = _urls(other)
    listing = client.get(changelist)
    if role == "网点经理":
        assert listing.status_code == 200  # the manager may view every model of the matrix: it proves scope
    if listing.status_code == 403:  # the role may not view this model at all
        assert role != "superuser"
        assert client.get(other_url).status_code != 200
        return
    assert listing.status_code == 200
    html = listing.content.decode()
    assert own_url in html
    assert (other_url in html) is ROLES[role]
    assert client.get(own_url).status_code == 200
    other_page = client.get(other_url)
    assert (other_page.status_code == 200) is ROLES[role]
    history = client.get(other_url.replace("/change/", "/history/"))
    assert (history.status_code == 200) is ROLES[role]


def test_manager_cannot_turn_off_another_centres_technician(client, world):
    manager = _user("网点经理", world)
    other = world["B"]["repairs.technician"]
    client.force_login(manager)
    _cl, url = _urls(other)
    client.post(url, {"on_duty": "", "employee_no": other.employee_no, "name": other.name,
                      "center": other.center_id, "user": other.user_id, "level": other.level,
                      "capacity": other.capacity, "skills": "[]", "product_categories": "[]"})
    other.refresh_from_db()
    assert other.on_duty is True
    with pytest.raises(PermissionDeniedError):
        technician_set_duty(technician=other, on_duty=False, by=manager)
    other.refresh_from_db()
    assert other.on_duty is True
    own = world["A"]["repairs.technician"]
    technician_set_duty(technician=own, on_duty=False, by=manager)
    own.refresh_from_db()
    assert own.on_duty is False


def test_manager_raw_id_lookup_sees_only_their_centre(client, world):
    manager = _user("网点经理", world)
    client.force_login(manager)
    technicians = reverse("admin:repairs_technician_changelist")
    html = client.get(technicians + "?_popup=1&_to_field=id").content.decode()  # the raw-id lookup popup
    assert world["A"]["repairs.technician"].name in html
    assert world["B"]["repairs.technician"].name not in html


@pytest.mark.parametrize(("role", "sees_other"), [("网点经理", False), ("调度", True), ("superuser", True)])
def test_ticket_export_follows_the_centre_scope(client, world, role, sees_other):
    user = _user(role, world)
    client.force_login(user)
    response = client.post(reverse("admin:tickets_ticket_export"), {"format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world["A"]["tickets.ticket"].number in body
    assert (world["B"]["tickets.ticket"].number in body) is sees_other


def test_api_qc_queue_of_an_inspector_is_their_centre(world):
    from repairs.api.base import qc_queryset

    inspector = world["A"]["repairs.technician"]
    inspector.is_qc_inspector = True
    inspector.save()
    Ticket.objects.update(status=Ticket.Status.QUALITY_CHECK)
    user = type(inspector.user).objects.get(pk=inspector.user_id)
    ids = set(qc_queryset(user).values_list("pk", flat=True))
    assert ids == {world["A"]["tickets.ticket"].pk}


def test_manager_cannot_reach_another_centres_repair_order_through_custom_admin_views(client, world):
    manager = _user("网点经理", world)
    client.force_login(manager)
    other = world["B"]["repairs.repairorder"]
    assert client.get(reverse("admin:repairs_repairorder_report", args=[other.pk])).status_code == 403
    step = reverse("admin:repairs_repairorder_workflow", args=[other.pk, "diagnose"])
    assert client.get(step).status_code == 403
    ticket = world["B"]["tickets.ticket"]
    pick = reverse("admin:tickets_dispatchqueueticket_pick", args=[ticket.pk])
    assert client.get(pick).status_code == 404
