"""Price range and preliminary warranty status shown once a ticket has a category.

The seam with ``repairs``: the price list is asked through ``repairs.selectors.price_range_for``
when that module exists (an interface-level import, resolved at call time); without a price-list
entry the range comes from resolved tickets of the same model × category. The warranty status here
is only the preliminary one known at intake (purchase date + the product category's whole-unit
period); the 三包 engine in ``repairs`` replaces it with its verdict (``source`` != "intake"),
and this module never overwrites a preview it did not write.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.services import ticket_estimate_update

from .selectors import price_history_for
from .taxonomy import taxonomy_entry

logger = logging.getLogger(__name__)

# Whole-unit warranty in months by product category (national 三包 minimums; parts may run longer).
WARRANTY_MONTHS = {
    "phone": 12, "tablet": 12, "laptop": 12, "desktop": 12, "wearable": 12, "tv": 12, "fridge": 12,
    "washer": 12, "air_conditioner": 12, "small_appliance": 12,
}
REFUND_DAYS, REPLACE_DAYS = 7, 15


def _price_list_range(ticket: Ticket) -> tuple[Decimal, Decimal] | None:
    try:
        selectors = importlib.import_module("repairs.selectors")
    except ImportError:
        return None
    price_range_for = getattr(selectors, "price_range_for", None)
    if price_range_for is None:
        return None
    found = price_range_for(product_model_id=ticket.product_model_id, fault_category_id=ticket.fault_category_id,
                            on=timezone.localdate())
    if not found:
        return None
    if isinstance(found, dict):
        lo, hi = found.get("min", found.get("price_min")), found.get("max", found.get("price_max"))
    elif isinstance(found, tuple | list):
        lo, hi = found[0], found[1]
    else:
        lo, hi = getattr(found, "price_min", getattr(found, "min", None)), getattr(found, "price_max",
                                                                                     getattr(found, "max", None))
    if lo is None or hi is None:
        return None
    return Decimal(lo), Decimal(hi)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def warranty_preliminary(ticket: Ticket) -> dict[str, Any]:
    """What can be said about the warranty from the purchase date and category alone."""
    device = ticket.device
    category = ticket.fault_category
    entry = taxonomy_entry(category.code) if category else None
    base = {"source": "intake", "preliminary": True}
    if device is None or device.purchase_date is None:
        return {**base, "status": "unknown",
                "summary": _("初步判断：未提供购买日期，保修状态待工程师核实购买凭证后确定。")}
    today = timezone.localdate()
    product_category = device.product_model.category
    months = WARRANTY_MONTHS.get(product_category, 12)
    start = device.warranty_restarted_on or device.purchase_date
    until = _add_months(start, months)
    days = (today - device.purchase_date).days
    base.update(purchase_date=device.purchase_date.isoformat(), warranty_until=until.isoformat(),
                days_since_purchase=days, warranty_months=months)
    if entry and entry.get("excluded_from_warranty"):
        return {**base, "status": "excluded",
                "summary": _("初步判断：%(cat)s通常属于人为损坏，不在免费保修范围内，最终以检测结果为准。")
                % {"cat": category.name}}
    if today > until:
        return {**base, "status": "out_of_warranty",
                "summary": _("初步判断：已超出 %(m)d 个月整机保修期（至 %(until)s），维修需付费，最终以检测为准。")
                % {"m": months, "until": until.isoformat()}}
    if days <= REFUND_DAYS:
        summary = _("初步判断：购买 %(d)d 天内，性能故障可按三包规定选择退货、换货或修理，最终以检测为准。")
    elif days <= REPLACE_DAYS:
        summary = _("初步判断：购买 %(d)d 天内，性能故障可按三包规定选择换货或修理，最终以检测为准。")
    else:
        summary = _("初步判断：在保修期内（至 %(until)s），性能故障可免费维修，最终以检测为准。")
    return {**base, "status": "in_warranty", "summary": summary % {"d": days, "until": until.isoformat()}}


def estimate_refresh(*, ticket_id: int) -> Ticket | None:
    """Compute and store the price range and the preliminary warranty status of a categorized ticket.

    Uses ``ticket_estimate_update`` (one customer-visible event when something changes). Leaves a
    warranty preview written by the 三包 engine alone. Returns None for a missing or uncategorized ticket.
    """
    ticket = (Ticket.objects.select_related("device__product_model", "fault_category", "product_model")
              .filter(pk=ticket_id).first())
    if ticket is None or ticket.fault_category_id is None:
        return None
    price = None
    try:
        price = _price_list_range(ticket)
    except Exception:  # the price list is another team's seam: never let it block intake
        logger.exception("price_range_for failed for ticket %s", ticket_id)
    basis = "price_list"
    if price is None:
        history = price_history_for(product_model_id=ticket.product_model_id,
                                    fault_category_id=ticket.fault_category_id)
        price = (history[0], history[1]) if history else None
        basis = "history"
    preview = None
    current = ticket.warranty_preview or {}
    if not current or current.get("source") == "intake":
        preview = warranty_preliminary(ticket)
        if price is not None:
            preview["price_basis"] = basis
        if current == preview:
            preview = None
    if price is None and preview is None:
        return ticket
    if price is not None and (ticket.price_min, ticket.price_max) == price and preview is None:
        return ticket
    return ticket_estimate_update(ticket=ticket, price_min=price[0] if price else None,
                                  price_max=price[1] if price else None, warranty_preview=preview)
