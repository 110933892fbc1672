"""A paid repair is handed back against its money, or a staff member's recorded deferral (月结/挂账):
refused the same way from the services, a task, the technician's API and the admin; free repairs
are unaffected."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from repairs.models import RepairOrder
from repairs.payments.models import PaymentDeferral
from repairs.payments.services import payment_defer, payment_record_offline
from repairs.reports import service_report_pdf
from repairs.services import (
    qc_checklist_for,
    qc_pass,
    repair_fit_part,
    repair_hand_back,
    repair_start,
    repair_submit_qc,
)
from tests.api.conftest import client_for
from tickets.exceptions import InvalidTransition, PermissionDeniedError, ValidationFailed
from tickets.models import Attachment, Ticket, TicketEvent
from tickets.services import ticket_available_transitions, ticket_resolve

from ..test_workflow import _approved
from .conftest import QUOTE_TOTAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre_manager(manager, workshop):
    workshop["center"].managers.add(manager)
    return manager


def _hand_back(order, by, png):
    return repair_hand_back(repair_order=order, by=by, signer_name="张三", signature_png=png("darkred"))


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        return re.sub(r"\s+", "", "".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()


def test_a_paid_repair_is_not_handed_back_before_its_money(paid_repair, workshop, png):
    tech = workshop["technician"].user
    files = Attachment.objects.filter(ticket_id=paid_repair.ticket_id).count()
    with pytest.raises(InvalidTransition, match="¥779.00 尚未收款") as refused:
        _hand_back(paid_repair, tech, png)
    assert refused.value.code == "guarded"
    ticket = Ticket.objects.get(pk=paid_repair.ticket_id)
    assert ticket.status == Ticket.Status.READY
    # refused before anything is stored: no signature file, no record
    assert Attachment.objects.filter(ticket=ticket).count() == files
    assert not RepairOrder.objects.get(pk=paid_repair.pk).customer_signature_id

    payment_record_offline(ticket=ticket, method="cash", amount=QUOTE_TOTAL, reference="SJ-1", by=tech)
    order = _hand_back(paid_repair, tech, png)
    assert order.ticket.status == Ticket.Status.RESOLVED


def test_no_other_interface_resolves_it_either(paid_repair, workshop, centre_manager):
    ticket = Ticket.objects.get(pk=paid_repair.ticket_id)
    # a task runs as the system actor: the same guard answers
    with pytest.raises(InvalidTransition, match="尚未收款"):
        ticket_resolve(ticket=ticket, by=None, resolution="自动完成")
    assert "resolve" not in ticket_available_transitions(ticket=ticket, by=centre_manager)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.READY
    assert not TicketEvent.objects.filter(ticket=ticket, kind="ticket.resolved").exists()


def test_a_free_repair_is_handed_back_without_payment(workshop, png, qc_user):
    tech = workshop["technician"].user
    order, quote = _approved(workshop, png)
    assert quote.total == 0  # in 三包: the customer owes nothing
    order = repair_start(repair_order=order, by=tech)
    repair_fit_part(repair_order=order, part=workshop["part"], serial="SCR-9", by=tech)
    order = repair_submit_qc(repair_order=order, by=tech, work_done="更换屏幕", after_photos=[("a.png", png())])
    order = qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)
    assert _hand_back(order, tech, png).ticket.status == Ticket.Status.RESOLVED


def test_a_deferral_needs_the_permission_and_a_reason(paid_repair, workshop, centre_manager, agent):
    ticket, tech = paid_repair.ticket, workshop["technician"].user
    for user in (tech, agent):  # the technician may take cash, but not let the fee go
        with pytest.raises(PermissionDeniedError):
            payment_defer(ticket=ticket, kind="monthly", reason="企业月结", by=user)
    with pytest.raises(ValidationFailed, match="原因"):
        payment_defer(ticket=ticket, kind="monthly", reason="  ", by=centre_manager)
    with pytest.raises(ValidationFailed):
        payment_defer(ticket=ticket, kind="gift", reason="企业月结", by=centre_manager)
    assert not PaymentDeferral.objects.exists()
    assert not TicketEvent.objects.filter(ticket=ticket, kind="payment.deferred").exists()


def test_a_recorded_deferral_lets_the_device_go_and_shows_on_the_timeline_and_report(
        client, paid_repair, workshop, centre_manager, png):
    ticket, tech = paid_repair.ticket, workshop["technician"].user
    deferral = payment_defer(ticket=ticket, kind="monthly", reason="华东物流月结协议 HT-2026-018", by=centre_manager)
    again = payment_defer(ticket=ticket, kind="monthly", reason="重复提交", by=centre_manager)
    assert again.pk == deferral.pk  # a retry records nothing twice
    assert deferral.amount == QUOTE_TOTAL
    events = TicketEvent.objects.filter(ticket=ticket, kind="payment.deferred")
    assert events.count() == 1
    event = events.get()
    assert not event.customer_visible  # staff timeline: it names the agreement and who decided
    assert "月结" in event.message
    assert "HT-2026-018" in event.message
    assert event.actor == centre_manager

    order = _hand_back(paid_repair, tech, png)
    assert order.ticket.status == Ticket.Status.RESOLVED
    text = _pdf_text(service_report_pdf(repair_order=order))
    assert "未付款" in text
    assert "暂缓收款" in text
    assert "HT-2026-018" in text

    # the customer's page says so, and the money is still taken when it comes
    page = client.get(ticket.get_tracking_url()).content.decode()
    assert 'id="payment-deferred"' in page
    assert "月结" in page
    payment_record_offline(ticket=ticket, method="transfer", amount=QUOTE_TOTAL, reference="T-88",
                           by=centre_manager)


def test_the_technicians_api_refuses_the_hand_back_with_the_reason(paid_repair, workshop, centre_manager):
    client = client_for(workshop["technician"].user)
    base = f"/api/v1/jobs/{paid_repair.ticket_id}"
    from tests.api.flow import png_b64

    refused = client.post(f"{base}/repair/hand-back/", {"signer_name": "张三", "signature_png": png_b64()},
                          format="json")
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["code"] == "guarded"
    assert "¥779.00 尚未收款" in body["message"]
    assert Ticket.objects.get(pk=paid_repair.ticket_id).status == Ticket.Status.READY
    # the deprecated "finish" call of older apps is held back the same way
    finished = client.post(f"{base}/finish/", {"resolution": "已修好"}, format="json")
    assert finished.status_code == 409
    assert "尚未收款" in finished.json()["message"]
    assert client.get(f"{base}/payment/").json()["deferred"] is False

    payment_defer(ticket=paid_repair.ticket, kind="on_account", reason="经理批准挂账", by=centre_manager)
    assert client.get(f"{base}/payment/").json()["deferred"] is True
    done = client.post(f"{base}/repair/hand-back/", {"signer_name": "张三", "signature_png": png_b64()},
                       format="json")
    assert done.status_code == 200, done.content
    assert Ticket.objects.get(pk=paid_repair.ticket_id).status == Ticket.Status.RESOLVED


def test_the_admin_refuses_the_hand_back_and_records_a_deferral(client, paid_repair, workshop, centre_manager,
                                                               agent, png):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(centre_manager)
    url = reverse("admin:repairs_repairorder_workflow", args=[paid_repair.pk, "hand_back"])
    response = client.post(url, {"signer_name": "张三", "signature": SimpleUploadedFile("s.png", png(), "image/png")},
                           follow=True)
    assert "¥779.00 尚未收款" in response.content.decode()
    assert Ticket.objects.get(pk=paid_repair.ticket_id).status == Ticket.Status.READY
    # the ticket's own resolve button answers the same
    response = client.post(reverse("admin:tickets_ticket_act", args=[paid_repair.ticket_id]),
                           {"_transition": "resolve"}, follow=True)
    assert "尚未收款" in response.content.decode()
    assert Ticket.objects.get(pk=paid_repair.ticket_id).status == Ticket.Status.READY

    add = reverse("admin:payments_paymentdeferral_add")
    response = client.post(add, {"ticket_number": paid_repair.ticket.number, "kind": "monthly", "reason": ""})
    assert response.status_code == 200
    assert not PaymentDeferral.objects.exists()
    response = client.post(add, {"ticket_number": paid_repair.ticket.number, "kind": "monthly",
                                 "reason": "企业月结 HT-7"}, follow=True)
    assert "已登记暂缓收款" in response.content.decode()
    assert PaymentDeferral.objects.get().recorded_by == centre_manager
    assert "HT-7" in client.get(reverse("admin:payments_paymentdeferral_changelist")).content.decode()

    response = client.post(url, {"signer_name": "张三", "signature": SimpleUploadedFile("s.png", png(), "image/png")},
                           follow=True)
    assert Ticket.objects.get(pk=paid_repair.ticket_id).status == Ticket.Status.RESOLVED

    # an agent reads deferrals but may not add one
    agent.groups.add(Group.objects.get(name="客服"))
    client.force_login(agent)
    assert client.get(add).status_code == 403


def test_the_deferral_changelist_reads_a_constant_number_of_queries(client, superuser, workshop, png, qc_user,
                                                                   django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    from .conftest import build_paid_repair

    client.force_login(superuser)
    url = reverse("admin:payments_paymentdeferral_changelist")
    order = build_paid_repair(workshop, png, qc_user)
    payment_defer(ticket=order.ticket, kind="monthly", reason="月结 1", by=superuser)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(3):
        ticket = factories.TicketFactory(customer=workshop["ticket"].customer, device=workshop["ticket"].device)
        other = RepairOrder.objects.create(ticket=ticket, center=order.center, technician=order.technician,
                                           status=RepairOrder.Status.PASSED)
        PaymentDeferral.objects.create(ticket=ticket, repair_order=other, quote=order.quotes.first(),
                                       kind="on_account", amount=QUOTE_TOTAL, reason=f"挂账 {n}",
                                       recorded_by=superuser)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("挂账 ") == 3
