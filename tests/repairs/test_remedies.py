"""三包 remedies in the workshop: unrepairable → replaced (new card, period restarts) or refunded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from repairs.models import RepairOrder, RepairRecord, WarrantyCard
from repairs.services import (
    repair_diagnose,
    repair_mark_unrepairable,
    repair_order_open,
    repair_refund,
    repair_replace,
)
from tickets.exceptions import ValidationFailed
from tickets.models import Device, Ticket

pytestmark = pytest.mark.django_db


def _unrepairable(workshop, days_since_purchase: int):
    bought = timezone.localdate() - dt.timedelta(days=days_since_purchase)
    Device.objects.filter(pk=workshop["device"].pk).update(purchase_date=bought, invoice_date=bought)
    workshop["ticket"].device.refresh_from_db()
    tech = workshop["technician"].user
    order = repair_order_open(ticket=workshop["ticket"], by=tech)
    order = repair_diagnose(repair_order=order, fault_code="phone.no_power", findings="主板短路", by=tech)
    return repair_mark_unrepairable(repair_order=order, by=tech, reason="主板无法修复"), tech


def test_exchange_in_first_fifteen_days_issues_a_new_card(workshop):
    order, tech = _unrepairable(workshop, 10)
    assert "exchange" in order.warranty_decision["remedies"]
    order = repair_replace(repair_order=order, by=tech, new_serial="860000000000017")
    assert order.status == RepairOrder.Status.REPLACED
    assert Ticket.objects.get(pk=order.ticket_id).status == Ticket.Status.RESOLVED
    record = RepairRecord.objects.get(repair_order=order)
    assert record.is_refund_or_exchange_certificate
    new = WarrantyCard.objects.get(replaces__isnull=False)
    assert new.serial_number == "860000000000017"
    assert Device.objects.get(pk=workshop["device"].pk).warranty_restarted_on == timezone.localdate()


def test_refund_in_first_seven_days(workshop):
    order, tech = _unrepairable(workshop, 3)
    order = repair_refund(repair_order=order, by=tech)
    assert order.status == RepairOrder.Status.REFUNDED
    assert RepairRecord.objects.get(repair_order=order).is_refund_or_exchange_certificate


def test_exchange_refused_when_the_decision_does_not_allow_it(workshop):
    order, tech = _unrepairable(workshop, 100)
    with pytest.raises(ValidationFailed):
        repair_replace(repair_order=order, by=tech)
    order.refresh_from_db()
    assert order.status == RepairOrder.Status.UNREPAIRABLE
