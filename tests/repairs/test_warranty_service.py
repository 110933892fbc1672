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


def test_the_rule_book_of_the_process_follows_edits_deactivation_and_deletion(db, settings,
                                                                             django_assert_num_queries):
    row = WarrantyRuleSet.objects.create(code="phone-2026", category="phone", name="假设的 2026 修订",
                                         effective_from=dt.date(2026, 1, 1),
                                         data={"host_months": 24, "refund_days": 7, "exchange_days": 15})
    book = rule_book()
    assert book.base_for("phone", dt.date(2026, 1, 1)).host_months == 24
    with django_assert_num_queries(0):  # every intake previews 三包: the process keeps the book
        assert rule_book() is book
    row.data["host_months"] = 36
    row.save()  # an edit in this process is seen at once
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 36
    # A change another process made (no signal reaches this one) is seen once the kept list expires.
    WarrantyRuleSet.objects.filter(pk=row.pk).update(is_active=False)
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 36
    settings.REFERENCE_CACHE_SECONDS = 0
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 12
    unchanged = rule_book()
    with django_assert_num_queries(1):  # which sets are active is read again; the book is not rebuilt
        assert rule_book() is unchanged
    WarrantyRuleSet.objects.filter(pk=row.pk).update(is_active=True)
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 36
    settings.REFERENCE_CACHE_SECONDS = 30
    row.delete()
    assert rule_book().base_for("phone", dt.date(2026, 1, 1)).host_months == 12


def test_rules_adjusted_for_one_device_leave_the_shared_book_alone(db):
    from repairs.warranty import rules_for

    book = rule_book()
    on = dt.date(2026, 1, 1)
    before = book.base_for("phone", on)
    rules = rules_for(book, category="phone", on=on)
    rules.host_months, rules.depreciation_per_day = 99, None
    rules.sources["host_months"] = "测试"
    rules.applied.append("brand:测试")
    rules.main_parts["测试部件"] = {"months": 99}
    again = rules_for(book, category="phone", on=on)
    assert (again.host_months, again.sources, again.applied) == (before.host_months, before.sources, before.applied)
    assert "测试部件" not in again.main_parts
    assert book.base_for("phone", on) == before


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
