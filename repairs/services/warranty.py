"""Glue between the database and the pure 三包 engine: building claims, rules and the calendar."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from tickets.models import Device, Ticket

from ..models import RepairOrder, RepairRecord, WarrantyRuleSet
from ..warranty import (
    Claim,
    Component,
    CurrentRepair,
    Exclusion,
    PastExchange,
    PastRepair,
    RuleBook,
    RuleSet,
    Verdict,
    evaluate,
    load_rule_book,
    rules_for,
)


def rule_book() -> RuleBook:
    """The data file plus the active rule sets edited in the admin."""
    extra = [row.as_rule_data() for row in WarrantyRuleSet.objects.filter(is_active=True)]
    return load_rule_book(extra_rule_sets=extra)


def rest_day_checker():
    """The business calendar (tickets.calendar.is_rest_day), memoised for one evaluation."""
    from tickets.calendar import is_rest_day

    return lru_cache(maxsize=512)(is_rest_day)


def device_anchor(device: Device | None) -> dt.date:
    if device is None:
        return timezone.localdate()
    return device.invoice_date or device.purchase_date or device.delivered_on or timezone.localdate()


def device_rules(*, device: Device | None, category: str, book: RuleBook | None = None) -> RuleSet:
    book = book or rule_book()
    brand = device.product_model.brand if device is not None else ""
    region = device.region_code if device is not None else ""
    return rules_for(book, category=category, on=device_anchor(device), region=region, brand=brand)


def _history(device: Device | None, rules: RuleSet | None, *,
             exclude_repair_order_id: int | None = None) -> tuple[tuple, tuple]:
    if device is None:
        return (), ()
    repairs: list[PastRepair] = []
    exchanges: list[PastExchange] = []
    records = RepairRecord.objects.filter(card__device=device).order_by("received_on", "id")
    if exclude_repair_order_id is not None:
        records = records.exclude(repair_order_id=exclude_repair_order_id)
    for r in records:
        if r.is_refund_or_exchange_certificate:
            continue
        fault = rules.fault(r.fault_code) if rules else None
        if fault is not None and fault.component == Component.ACCESSORY and r.under_warranty and r.listed_fault:
            # the 三包 remedy for a listed accessory fault is a free replacement (§2.4): the record is
            # the evidence of an accessory exchange, which restarts its period (A16)
            exchanges.append(PastExchange(on=r.returned_on or r.received_on, component=Component.ACCESSORY,
                                          part=fault.part))
            continue
        repairs.append(PastRepair(
            received_on=r.received_on, returned_on=r.returned_on, occupied_days=r.occupied_days,
            parts_wait_days=r.parts_wait_days, fault_code=r.fault_code, listed_fault=r.listed_fault,
            under_warranty=r.under_warranty, component=fault.component if fault else Component.HOST,
            part=fault.part if fault else "",
        ))
    if device.warranty_restarted_on:
        exchanges.append(PastExchange(on=device.warranty_restarted_on))
    return tuple(repairs), tuple(exchanges)


def claim_for(
    *,
    ticket: Ticket,
    repair_order: RepairOrder | None = None,
    fault_code: str = "",
    fault_listed: bool | None = None,
    exclusions: list[dict[str, Any]] | None = None,
    claim_date: dt.date | None = None,
    rules: RuleSet | None = None,
    **options: Any,
) -> Claim:
    """Build the engine's Claim from a ticket, its device, the device's 维修记录 and the repair order."""
    device = ticket.device
    category = (device.product_model.category if device else
                ticket.product_model.category if ticket.product_model_id else "")
    repairs, exchanges = _history(device, rules, exclude_repair_order_id=getattr(repair_order, "pk", None))
    current = None
    if repair_order is not None and repair_order.pk:
        current = CurrentRepair(
            received_on=timezone.localtime(repair_order.received_at).date(),
            parts_wait_days=repair_order.parts_wait_days, consumer_wait_days=repair_order.consumer_wait_days,
            waiting_for_producer_parts=repair_order.waiting_for_producer_parts,
        )
    return Claim(
        category=category,
        claim_date=claim_date or timezone.localtime(ticket.created_at).date(),
        invoice_date=device.invoice_date if device else None,
        sale_date=device.purchase_date if device else None,
        delivered_on=device.delivered_on if device else None,
        installed_on=device.installed_on if device else None,
        channel=device.sales_channel if device else "",
        brand=device.product_model.brand if device else "",
        region=device.region_code if device else "",
        price=device.purchase_price if device else None,
        has_invoice=bool(device and (device.invoice_number or device.invoice_date)),
        has_card=bool(device and device.warranty_cards.exists()),
        can_prove_in_period=bool(device and device.purchase_date),
        fault_code=fault_code,
        fault_listed=fault_listed,
        repairs=repairs,
        exchanges=exchanges,
        exclusions=tuple(Exclusion(code=e["code"], evidence=tuple(str(x) for x in e.get("evidence", [])),
                                   note=e.get("note", ""), parts=tuple(e.get("parts", [])))
                         for e in (exclusions or [])),
        current_repair=current,
        **options,
    )


def warranty_evaluate(*, ticket: Ticket, repair_order: RepairOrder | None = None, **claim_kwargs: Any) -> Verdict:
    """Run the engine for a ticket (and its repair order) with the database rules and calendar."""
    device = ticket.device
    model = device.product_model if device is not None else ticket.product_model
    if model is None:
        raise LookupError("ticket has no product model")
    rules = device_rules(device=device, category=model.category)
    claim = claim_for(ticket=ticket, repair_order=repair_order, rules=rules, **claim_kwargs)
    return evaluate(claim, rules, rest_day_checker())


def warranty_preview(*, ticket: Ticket) -> dict[str, Any] | None:
    """The intake preview: the fault is assumed to be a listed performance fault until diagnosed."""
    if ticket.device_id is None and ticket.product_model_id is None:
        return None
    verdict = warranty_evaluate(ticket=ticket, fault_listed=True)
    data = verdict.as_dict()
    data["summary"] = gettext("预判：%(summary)s（以检测结论为准）") % {"summary": data["summary"]}
    data["preview"] = True
    return data
