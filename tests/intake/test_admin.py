from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tickets.intake.selectors import customer_lookup
from tickets.intake.services import intake_submit
from tickets.models import ClassifierModel, Ticket, TriageCorrection

IMEI = factories.make_imei(31337)


def test_lookup_finds_customer_by_partial_phone_with_devices_and_past_tickets(client, agent, taxonomy, phone_model):
    customer = factories.CustomerFactory(phone="13800138000", name="张三")
    factories.DeviceFactory(owner=customer, product_model=phone_model, serial_number=IMEI)
    factories.TicketFactory(customer=customer, description="之前的屏幕问题")
    client.force_login(agent)
    response = client.get("/admin/tickets/phoneintake/lookup/", {"phone": "+86 138-0013"})
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert found["name"] == "张三"
    assert found["devices"][0]["serial"] == IMEI
    assert found["tickets"][0]["title"] == "之前的屏幕问题"


def test_lookup_uses_constant_queries(db, django_assert_num_queries, phone_model):
    for i in range(5):
        c = factories.CustomerFactory(phone=f"1380013800{i}")
        factories.DeviceFactory(owner=c, product_model=phone_model)
        factories.TicketFactory(customer=c)
        factories.TicketFactory(customer=c)
    with django_assert_num_queries(3):
        assert len(customer_lookup(phone="138001")["results"]) == 5


def test_lookup_needs_permission(client, technician):
    client.force_login(technician.user)
    assert client.get("/admin/tickets/phoneintake/lookup/", {"phone": "1380"}).status_code in (302, 403)


def test_agent_enters_a_phone_report(client, agent, taxonomy, phone_model, django_capture_on_commit_callbacks):
    client.force_login(agent)
    assert client.get("/admin/tickets/phoneintake/add/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/tickets/phoneintake/add/", {
            "channel": "phone", "phone": "13800138000", "name": "张三", "product_model": phone_model.pk,
            "serial": IMEI, "description": "手机充不进电", "fault_category": "", "service_mode": "",
        })
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert ticket.channel == "phone"
    assert ticket.created_by == agent
    assert ticket.fault_category.code == "phone.charging"


def test_agent_picks_an_existing_device_and_category(client, agent, taxonomy, phone_model):
    device = factories.DeviceFactory(product_model=phone_model, serial_number=IMEI,
                                     owner=factories.CustomerFactory(phone="13800138000"))
    client.force_login(agent)
    client.post("/admin/tickets/phoneintake/add/", {
        "channel": "store", "phone": "13800138000", "device": device.pk, "description": "客户说有点问题",
        "fault_category": taxonomy["phone.camera"].pk, "service_mode": "walk_in",
    })
    ticket = Ticket.objects.get()
    assert ticket.device == device
    assert ticket.fault_category == taxonomy["phone.camera"]
    assert ticket.channel == "store"


def test_bad_input_is_shown_on_the_admin_form(client, agent, taxonomy, phone_model):
    client.force_login(agent)
    response = client.post("/admin/tickets/phoneintake/add/", {
        "channel": "phone", "phone": "12", "name": "张三", "product_model": phone_model.pk,
        "serial": "861234567890123", "description": "",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "IMEI" in html
    assert "请描述故障现象" in html
    assert not Ticket.objects.exists()


def _queue_ticket(n):
    # says something is wrong but not what: no fault family is likely enough to route it ("…，请联系我"
    # alone would be read, rightly, as a request for a call back)
    return intake_submit(channel="web", name=f"客户{n}", phone=f"1390000{n:04d}", description="机器有点问题，麻烦看看").ticket


def test_triage_queue_lists_unclear_tickets_with_constant_queries(client, agent, taxonomy,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        _queue_ticket(1)
    url = "/admin/tickets/triagequeueticket/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2, 7):
            _queue_ticket(n)
        intake_submit(channel="web", name="x", phone="13911112222", description="屏幕碎了")  # confident: not queued
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert response.content.decode().count("有点问题") == 6
    assert len(six) == len(one)


def test_agent_classifies_from_the_queue(client, agent, taxonomy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _queue_ticket(1)
    client.force_login(agent)
    page = client.get(f"/admin/tickets/triagequeueticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert "有点问题" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/tickets/triagequeueticket/{ticket.pk}/change/",
                               {"fault_category": taxonomy["phone.battery"].pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert TriageCorrection.objects.get(ticket=ticket).corrected_by == agent


def test_retrain_from_the_admin(client, agent, taxonomy):
    client.force_login(agent)
    before = ClassifierModel.objects.count()
    response = client.post("/admin/tickets/triagequeueticket/retrain/")
    assert response.status_code == 302
    assert ClassifierModel.objects.count() == before + 1
    assert ClassifierModel.objects.filter(is_active=True).count() == 1


def test_technician_has_no_triage_queue(client, technician):
    client.force_login(technician.user)
    assert client.get("/admin/tickets/triagequeueticket/").status_code in (302, 403)


def test_ops_without_add_permission_cannot_enter_reports(client, ops_user):
    client.force_login(ops_user)
    assert client.get("/admin/tickets/phoneintake/add/").status_code == 403


def test_phone_intake_changelist_uses_constant_queries(client, agent, taxonomy):
    client.force_login(agent)
    url = "/admin/tickets/phoneintake/"
    factories.TicketFactory(channel="phone")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(5):
        factories.TicketFactory(channel="store", fault_category=taxonomy["phone.display"])
    factories.TicketFactory(channel="web")  # not a staff channel: not listed
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert response.content.decode().count("SR2") >= 6
    assert len(six) == len(one)
