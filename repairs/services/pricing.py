"""Price list writes and the intake estimate (price range + 三包 preview) stored on the ticket."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from tickets import policy
from tickets.exceptions import ValidationFailed
from tickets.models import FaultCategory, ProductModel, Ticket

from ..models import LineKind, PriceListItem
from ..selectors import price_range_for
from .warranty import warranty_preview

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from parts.models import Part

logger = logging.getLogger(__name__)


@transaction.atomic
def price_item_upsert(*, product_model: ProductModel, fault_category: FaultCategory, kind: str, code: str, name: str,
                      unit_price: Decimal, valid_from: dt.date, valid_to: dt.date | None = None,
                      part: Part | None = None, optional: bool = False,
                      by: AbstractBaseUser | None = None) -> PriceListItem:
    """Create or update one price version (model × fault category × code × valid_from).

    A new ``valid_from`` makes a new version; the previous open-ended version is closed the day
    before, so at most one version of a code is valid on any day. Raises ValidationFailed.
    """
    policy.require(by, "repairs.change_pricelistitem", message=_("您没有修改价目表的权限。"))
    if kind not in LineKind.values:
        raise ValidationFailed(_("价目类型无效。"))
    if unit_price is None or Decimal(unit_price) < 0:
        raise ValidationFailed(_("单价不能为负数。"))
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(_("失效日期不能早于生效日期。"))
    if kind == LineKind.PART and part is None:
        raise ValidationFailed(_("备件价目须关联备件。"))
    PriceListItem.objects.filter(product_model=product_model, fault_category=fault_category, code=code,
                                 valid_from__lt=valid_from, valid_to__isnull=True).update(
        valid_to=valid_from - dt.timedelta(days=1))
    item, _created = PriceListItem.objects.update_or_create(
        product_model=product_model, fault_category=fault_category, code=code, valid_from=valid_from,
        defaults={"kind": kind, "name": name, "unit_price": Decimal(unit_price).quantize(Decimal("0.01")),
                  "valid_to": valid_to, "part": part, "optional": optional},
    )
    return item


def ticket_estimate(ticket: Ticket):
    """The price list's range and the 三包 engine's preview for a ticket: the estimator the hub
    calls (registered in ``RepairsConfig.ready``). A ticket without a product gets no price."""
    from tickets.intake.estimate import Estimate

    model_id = ticket.product_model_id or (ticket.device.product_model_id if ticket.device_id else None)
    price = price_range_for(product_model_id=model_id, fault_category_id=ticket.fault_category_id)
    try:
        preview = warranty_preview(ticket=ticket)
    except LookupError:
        logger.warning("no 三包 rules for ticket %s", ticket.pk)
        preview = None
    low, high = price if price else (None, None)
    if price and preview and preview.get("in_warranty") and "paid_repair" not in preview.get("remedies", []):
        preview["price_note"] = _("预计三包免费；如检测为人为损坏，参考价 ¥%(low)s–¥%(high)s") % {"low": low, "high": high}
    return Estimate(price_min=low, price_max=high, basis="price_list" if price else "", warranty_preview=preview)
