"""The engine wired to the database: rule sets from the admin, the business calendar, the device history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from repairs.models import WarrantyRuleSet
from repairs.services.warranty import rule_book, warranty_evaluate
from tickets.models import CalendarDay, Device

pytestmark = pytest.mark.django_db


def test_database_rule_set_overrides_the_data_file(db):
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 12
    WarrantyRuleSet.objects.create(code="phone-2026", category="phone", name="假设的 2026 修订",
                                   effective_from=dt.date(2026, 1, 1),
                                   data={"regulation": "《测试规定》", "host_months": 24, "refund_days": 7,
                                         "exchange_days": 15})
    book = rule_book()
    assert book.base_for("phone", dt.date(2026, 1, 1)).host_months == 24
    assert book.base_for("phone", dt.date(2025, 12, 31)).host_months == 12


def test_period_end_on_a_calendar_holiday_is_postponed(workshop):
    device = workshop["device"]
    today = timezone.localdate()
    # bought one year ago minus 2 days: the period ends the day after tomorrow; make that a holiday run
    bought = today.replace(year=today.year - 1) + dt.timedelta(days=2)
    Device.objects.filter(pk=device.pk).update(purchase_date=bought, invoice_date=bought)
    end = bought.replace(year=bought.year + 1)
    run = [end + dt.timedelta(days=i) for i in range(3)]
    for day in run:
        CalendarDay.objects.update_or_create(date=day, defaults={"is_rest_day": True, "name": "测试假期"})
    after = run[-1] + dt.timedelta(days=1)
    while after.weekday() >= 5 and not CalendarDay.objects.filter(date=after, is_rest_day=False).exists():
        after += dt.timedelta(days=1)
    ticket = workshop["ticket"]
    ticket.device.refresh_from_db()
    verdict = warranty_evaluate(ticket=ticket, fault_code="phone.no_power", claim_date=after)
    assert verdict.period.end == after
    assert verdict.in_warranty
    assert "C3" in {r.rule for r in verdict.reasons}


def test_accessory_exchanges_from_the_repair_records_restart_and_then_refund(workshop):
    from repairs.models import RepairRecord
    from repairs.services import warranty_card_issue

    device = workshop["device"]
    card = warranty_card_issue(device=device, by=None)
    bought = device.purchase_date
    swaps = [bought + dt.timedelta(days=10), bought + dt.timedelta(days=40)]
    for day in swaps:
        RepairRecord.objects.create(card=card, received_on=day, returned_on=day, fault_reported="电池鼓包",
                                    fault_code="phone.battery", listed_fault=True, under_warranty=True)
    verdict = warranty_evaluate(ticket=workshop["ticket"], fault_code="phone.battery",
                                claim_date=bought + dt.timedelta(days=55))
    assert verdict.period.start == swaps[-1]
    assert set(verdict.remedies) == {"exchange", "refund"}
