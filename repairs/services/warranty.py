"""Glue between the database and the pure 三包 engine: building claims, rules and the calendar."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from tickets.exceptions import ValidationFailed
from tickets.models import Device, Ticket
from tickets.reference import reference_get

from ..models import DepreciationRate, RepairOrder, RepairRecord, WarrantyRuleSet
from ..warranty import (
    Choice,
    Claim,
    Component,
    CurrentRepair,
    Exclusion,
    PastExchange,
    PastRepair,
    Remedy,
    RuleBook,
    RuleSet,
    Verdict,
    evaluate,
    load_rule_book,
    rules_for,
)

#: The rule book of the process, built once per version of the active rule sets (their ids and edit
#: times, in order): every intake previews 三包, and rebuilding the book costs more than the preview.
_book: tuple[tuple, RuleBook] | None = None
_book_lock = threading.Lock()


def rule_book() -> RuleBook:
    """The data file plus the active rule sets edited in the admin. Read-only: ``rules_for`` copies
    what it changes. Rebuilt when the active rule sets are not the ones the process built it from;
    which sets are active is itself kept for a short while (``tickets.reference``): an edit, an
    activation or a deletion is seen by the next call in this process, within
    ``REFERENCE_CACHE_SECONDS`` in the others."""
    global _book
    version = reference_get("warranty_rules", None, lambda: tuple(
        WarrantyRuleSet.objects.filter(is_active=True).values_list("pk", "updated_at")))
    cached = _book
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = WarrantyRuleSet.objects.in_bulk([pk for pk, _updated in version])
    # in the order of the version (the model's ordering): a later set of the same id wins
    extra = [rows[pk].as_rule_data() for pk, _updated in version if pk in rows]
    book = load_rule_book(extra_rule_sets=extra)
    with _book_lock:
        _book = (version, book)
    return book


def rest_day_checker():
    """The business calendar (tickets.calendar.is_rest_day), memoised for one evaluation."""
    from tickets.calendar import is_rest_day

    return lru_cache(maxsize=512)(is_rest_day)


def device_anchor(device: Device | None) -> dt.date:
    if device is None:
        return timezone.localdate()
    return device.invoice_date or device.purchase_date or device.delivered_on or timezone.localdate()


def verified_rate(*, category: str, on: dt.date) -> DepreciationRate | None:
    """The verified depreciation rate in force for goods of ``category`` bought on ``on`` (A17)."""
    return (DepreciationRate.objects.filter(category=category, effective_from__lte=on, verified_by__isnull=False,
                                            verified_at__isnull=False)
            .select_related("verified_by").order_by("-effective_from", "-verified_at").first())


def device_rules(*, device: Device | None, category: str, book: RuleBook | None = None) -> RuleSet:
    """The rules for one device: version, region, brand and seller policies, and the verified rate table."""
    book = book or rule_book()
    brand = device.product_model.brand if device is not None else ""
    region = device.region_code if device is not None else ""
    seller = device.seller if device is not None else ""
    on = device_anchor(device)
    rules = rules_for(book, category=category, on=on, region=region, brand=brand, seller=seller)
    # the rate table fills the categories whose rule data carries no verified rate (white goods, A17)
    rate = verified_rate(category=category, on=on) if rules.depreciation_per_day is None else None
    if rate is not None:
        rules.depreciation_per_day = rate.rate_per_day
        verifier = rate.verified_by.get_full_name() or rate.verified_by.get_username()
        rules.sources["depreciation_per_day"] = gettext("%(source)s（%(who)s 于 %(date)s 核实）") % {
            "source": rate.source, "who": verifier, "date": timezone.localtime(rate.verified_at).date()}
    return rules


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
        # the waits still running count up to now: the engine may be asked in the middle of them
        now = timezone.now()
        parts_wait = repair_order.parts_wait_days + (
            max((now - repair_order.awaiting_parts_since).days, 0) if repair_order.awaiting_parts_since else 0)
        consumer_wait = repair_order.consumer_wait_days + (
            max((now - repair_order.awaiting_customer_since).days, 0) if repair_order.awaiting_customer_since else 0)
        current = CurrentRepair(
            received_on=timezone.localtime(repair_order.received_at).date(),
            parts_wait_days=parts_wait, consumer_wait_days=consumer_wait,
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


# ----------------------------------------------------------------------------------------------
# The decision's inputs, as the technician API and the admin collect them
# ----------------------------------------------------------------------------------------------

ACTIVATIONS = ("", "none", "inspection", "used")
DECISION_FIELDS = ("warranty_choice", "same_model_in_stock", "model_discontinued", "consumer_refuses_other_model",
                   "accessory_bundled", "accessory_price", "battery_measured_mah", "battery_rated_mah",
                   "goods_intact", "activation", "goods_returned_on")


def warranty_inputs_clean(*, rules: RuleSet, fault_code: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Check the decision's inputs against the diagnosed fault; returns the repair-order field values.

    Raises ValidationFailed (with the offending field) on the first problem, in Chinese.
    """
    data = {k: v for k, v in inputs.items() if k in DECISION_FIELDS}
    fault = rules.fault(fault_code)
    part = fault.part if fault else ""
    component = fault.component if fault else ""
    choice = data.get("warranty_choice") or ""
    if choice not in ("", *Choice.ALL):
        raise ValidationFailed(_("消费者选择须为退货、换货或维修。"), extra={"field": "warranty_choice"})
    data["warranty_choice"] = choice
    measured, rated = data.get("battery_measured_mah"), data.get("battery_rated_mah")
    if measured is not None or rated is not None:
        if part != "battery":
            raise ValidationFailed(_("电池容量只适用于电池故障（当前故障：%(fault)s）。")
                                   % {"fault": fault.label if fault else fault_code},
                                   extra={"field": "battery_measured_mah"})
        if measured is None or rated is None:
            raise ValidationFailed(_("请同时填写电池实测容量和额定容量。"), extra={"field": "battery_rated_mah"})
        if int(rated) <= 0 or int(measured) < 0:
            raise ValidationFailed(_("电池容量须为正数。"), extra={"field": "battery_rated_mah"})
        if int(measured) > int(rated) * 2:
            raise ValidationFailed(_("电池实测容量超过额定容量的两倍，请核对单位（mAh）。"),
                                   extra={"field": "battery_measured_mah"})
    price = data.get("accessory_price")
    if price not in (None, ""):
        try:
            price = Decimal(str(price))
        except InvalidOperation:
            raise ValidationFailed(_("附件售价须为金额。"), extra={"field": "accessory_price"})
        if price < 0:
            raise ValidationFailed(_("附件售价不能为负数。"), extra={"field": "accessory_price"})
        data["accessory_price"] = price
    else:
        data["accessory_price"] = None
    if (data.get("accessory_bundled") or data["accessory_price"] is not None) and component != Component.ACCESSORY:
        raise ValidationFailed(_("“随机附件”与附件售价只适用于附件故障。"), extra={"field": "accessory_bundled"})
    if (data.get("activation") or "") not in ACTIVATIONS:
        raise ValidationFailed(_("激活情况须为未激活、仅为检查而激活或已激活使用。"), extra={"field": "activation"})
    returned = data.get("goods_returned_on")
    if returned and returned > timezone.localdate():
        raise ValidationFailed(_("商家收到退回商品日期不能晚于今天。"), extra={"field": "goods_returned_on"})
    return data


def order_claim_inputs(order: RepairOrder) -> dict[str, Any]:
    """The engine's decision inputs from the repair order's recorded answers."""
    return {
        "choice": order.warranty_choice, "same_model_in_stock": order.same_model_in_stock,
        "model_discontinued": order.model_discontinued,
        "consumer_refuses_other_model": order.consumer_refuses_other_model,
        "accessory_bundled": order.accessory_bundled, "accessory_price": order.accessory_price,
        "battery_measured_mah": order.battery_measured_mah, "battery_rated_mah": order.battery_rated_mah,
        "goods_intact": order.goods_intact, "activated": order.activation in ("inspection", "used"),
        "activated_for_inspection_only": order.activation == "inspection",
        "goods_returned_on": order.goods_returned_on,
    }


def warranty_record(*, order: RepairOrder, verdict: Verdict) -> list[str]:
    """Put the entitlement and the decision on the repair order (the caller saves the returned fields)."""
    if verdict.decision is not None and verdict.decision.choice == Choice.REFUND and verdict.no_reason_unconfirmed \
            and not ({Remedy.REFUND, Remedy.REFUND_DEPRECIATED} & set(verdict.remedies)):
        raise ValidationFailed(_("网购签收 7 日内申请退货：请先确认商品是否完好，以及是否仅为检查质量和功能而激活。"),
                               extra={"field": "goods_intact"})
    decision = verdict.decision
    order.warranty_decision = verdict.as_dict()
    order.in_warranty = verdict.in_warranty and Remedy.PAID_REPAIR not in verdict.remedies
    order.warranty_decided_at = timezone.now()
    order.decision_status = decision.status if decision else ""
    order.decided_remedy = decision.remedy if decision else ""
    order.decided_amount = decision.amount if decision else None
    order.decided_payer = decision.payer if decision else ""
    return ["warranty_decision", "in_warranty", "warranty_decided_at", "decision_status", "decided_remedy",
            "decided_amount", "decided_payer"]


def depreciation_rate_check(*, rate: DepreciationRate, verified: bool) -> None:
    """Raise ValidationFailed for a rate outside (0, 1%] a day or a verification without a source."""
    if rate.rate_per_day is None or not (Decimal(0) < rate.rate_per_day <= Decimal("0.01")):
        raise ValidationFailed(_("每日折旧率须大于 0 且不超过 1%（0.01）。"), extra={"field": "rate_per_day"})
    if verified and not (rate.source or "").strip():
        raise ValidationFailed(_("核实折旧率须注明来源（规定名称与条款）。"), extra={"field": "source"})


@transaction.atomic
def depreciation_rate_save(*, rate: DepreciationRate, verified: bool, by: Any) -> DepreciationRate:
    """Save a depreciation rate; ``verified`` records ``by`` as its verifier, any change clears the old one.

    Raises ValidationFailed for a rate outside (0, 1%] a day or a verification without a source.
    """
    depreciation_rate_check(rate=rate, verified=verified)
    if rate.pk:
        before = DepreciationRate.objects.select_for_update().get(pk=rate.pk)
        changed = (before.rate_per_day, before.source, before.category, before.effective_from) != \
            (rate.rate_per_day, rate.source, rate.category, rate.effective_from)
        if changed and not verified:
            rate.verified_by, rate.verified_at = None, None
    if verified:
        if getattr(by, "pk", None) is None:
            raise ValidationFailed(_("核实折旧率须由登录用户操作。"))
        rate.verified_by, rate.verified_at = by, timezone.now()
    rate.save()
    return rate
