"""Parts against the job: requested for a job, approved at once within the rules or by the centre,
issued into the technician's van through the ledger, and closed out (核销) before the ticket closes."""

from __future__ import annotations

import pytest

from parts.models import JobPartsReconciliation, Location, StockLevel, Transfer
from repairs.models import RepairOrder
from repairs.payments.selectors import payment_due
from repairs.payments.services import payment_record_offline
from repairs.services import (
    qc_checklist_for,
    qc_pass,
    repair_fit_part,
    repair_hand_back,
    repair_start,
    repair_submit_qc,
)
from repairs.services.job_parts import job_part_issue, job_part_request, job_parts_ledger, job_parts_reconcile
from tests import factories
from tests.api.conftest import client_for
from tests.repairs.conftest import png, workshop  # noqa: F401 - fixtures shared with the repair tests
from tests.repairs.payments.conftest import build_paid_repair
from tickets.exceptions import InvalidTransition
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_close

pytestmark = pytest.mark.django_db


def _level(part, location) -> tuple[int, int]:
    row = StockLevel.objects.get(part=part, location=location)
    return row.on_hand, row.reserved


@pytest.fixture
def job(workshop, png, qc_user):  # noqa: F811
    tech = workshop["technician"]
    van = factories.LocationFactory(code="VAN-1", name="李工车载库", kind=Location.Kind.VAN, technician=tech,
                                    center=tech.center)
    Location.objects.filter(pk=workshop["location"].pk).update(center=tech.center, kind=Location.Kind.CENTER)
    factories.LocationFactory(code="DEF-1", name="旧件库", kind=Location.Kind.DEFECTIVE)
    order = build_paid_repair(workshop, png, qc_user, passed=False)
    assert _level(workshop["part"], workshop["location"]) == (5, 1)  # the approved quote holds one at the store
    return {**workshop, "van": van, "order": order, "ticket": order.ticket, "user": tech.user}


def test_a_quoted_part_is_issued_to_the_van_at_once_and_fitted_from_it(job, png, qc_user):  # noqa: F811
    part, store, van = job["part"], job["location"], job["van"]
    transfer, reason = job_part_request(ticket=job["ticket"], part=part, quantity=1, by=job["user"])
    assert reason is None
    assert transfer.status == Transfer.Status.RECEIVED
    assert _level(part, store) == (4, 0)  # the store's hold moved with the unit
    assert _level(part, van) == (1, 1)    # held in the van for this job

    order = repair_start(repair_order=RepairOrder.objects.get(pk=job["order"].pk), by=job["user"])
    repair_fit_part(repair_order=order, part=part, serial="SCR-1", old_serial="OLD-1", by=job["user"])
    assert _level(part, van) == (0, 0)
    ledger = job_parts_ledger(ticket=job["ticket"], van=van)
    assert ledger == [{"part_id": part.pk, "sku": part.sku, "name": part.name, "issued": 1, "fitted": 1,
                       "returned": 0, "defective": 1, "open": 0}]


def test_beyond_the_rules_the_centre_approves_and_close_waits_for_the_close_out(job, png, qc_user, manager):  # noqa: F811
    part, store, van, ticket = job["part"], job["location"], job["van"], job["ticket"]
    job["center"].managers.add(manager)
    job_part_request(ticket=ticket, part=part, quantity=1, by=job["user"])
    spare, reason = job_part_request(ticket=ticket, part=part, quantity=1, by=job["user"], note="备用")
    assert reason == "超出报价数量"
    assert spare.status == Transfer.Status.REQUESTED
    assert TicketEvent.objects.filter(ticket=ticket, kind="parts.request_pending").exists()
    assert _level(part, van) == (1, 1)

    from parts.services import transfer_approve

    job_part_issue(transfer=transfer_approve(transfer=spare, by=manager), by=manager)
    assert _level(part, van) == (2, 1)

    order = repair_start(repair_order=RepairOrder.objects.get(pk=job["order"].pk), by=job["user"])
    repair_fit_part(repair_order=order, part=part, serial="SCR-2", old_serial="OLD-2", by=job["user"])
    order = repair_submit_qc(repair_order=order, by=job["user"], work_done="更换屏幕", after_photos=[("a.png", png())])
    order = qc_pass(repair_order=order, checklist={i["code"]: True for i in qc_checklist_for(order)}, by=qc_user)
    # a paid repair is handed back against its money, taken in cash on site
    payment_record_offline(ticket=ticket, method="cash", amount=payment_due(ticket=ticket).amount, reference="",
                           by=job["user"])
    repair_hand_back(repair_order=order, by=job["user"], signer_name="张三", signature_png=png("darkred"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED

    with pytest.raises(InvalidTransition, match="核销"):
        ticket_close(ticket=ticket, by=None)

    record = job_parts_reconcile(ticket=ticket, by=job["user"])
    assert record.lines[0] == {"part_id": part.pk, "sku": part.sku, "name": part.name, "issued": 2,
                                    "fitted": 1, "returned": 1, "defective": 1, "open": 0}
    assert _level(part, van) == (0, 0)
    assert _level(part, store) == (4, 0)  # 5 − 2 issued + 1 returned
    with pytest.raises(InvalidTransition):
        job_parts_reconcile(ticket=ticket, by=job["user"])
    ticket_close(ticket=ticket, by=None)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED


def test_a_request_never_oversells_the_store(job):
    from parts.exceptions import InsufficientStock

    StockLevel.objects.filter(part=job["part"], location=job["location"]).update(on_hand=1)
    with pytest.raises(InsufficientStock):
        job_part_request(ticket=job["ticket"], part=job["part"], quantity=1, by=job["user"])
    assert not Transfer.objects.exists()


def test_the_api_requests_and_shows_the_ledger_only_for_my_jobs(job, technician):
    client = client_for(job["user"])
    url = f"/api/v1/jobs/{job['ticket'].pk}/parts/"
    created = client.post(url + "requests/", {"part_id": job["part"].pk, "quantity": 1}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["issued"] is True
    assert created.json()["pending_reason"] is None
    ledger = client.get(url + "ledger/")
    assert ledger.status_code == 200
    assert ledger.json()[0]["issued"] == 1
    assert ledger.json()[0]["open"] == 1
    assert client.post(url + "reconcile/").status_code == 409  # the repair is still open

    other = factories.TechnicianFactory()
    from django.contrib.auth.models import Group

    other.user.groups.add(Group.objects.get(name="维修工程师"))
    assert client_for(other.user).post(url + "requests/", {"part_id": job["part"].pk, "quantity": 1},
                                       format="json").status_code == 404
    assert JobPartsReconciliation.objects.count() == 0
