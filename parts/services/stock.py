"""The stock ledger: every change of on-hand or reserved quantity is one append-only movement.

``stock_apply`` is the only function that touches ``StockLevel`` numbers. It uses one conditional
``UPDATE … WHERE on_hand + Δon_hand >= reserved + Δreserved AND reserved + Δreserved >= 0``, which the
database evaluates atomically against the latest committed row (PostgreSQL re-checks the WHERE clause
after waiting for a concurrent writer's lock; SQLite serialises writers). So two concurrent
reservations of the last unit can never both succeed, and the CheckConstraints on ``StockLevel`` are
the backstop, not the mechanism.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tickets import policy
from tickets.exceptions import PermissionDeniedError, ValidationFailed

from ..exceptions import InsufficientStock, InvalidQuantity
from ..models import Location, Part, StockLevel, StockMovement

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Kind = StockMovement.Kind


def require_perm(by: AbstractBaseUser | None, *perms: str) -> None:
    """System calls pass ``by=None``; a user needs one of ``perms``."""
    if by is None:
        return
    if not any(policy.can(by, p) for p in perms):
        raise PermissionDeniedError()


def check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity()
    return quantity


def stock_level_get_or_create(*, part: Part, location: Location) -> StockLevel:
    """The stock row of ``part`` at ``location``, created empty on first use (race-safe)."""
    level = StockLevel.objects.filter(part=part, location=location).first()
    if level is not None:
        return level
    try:
        with transaction.atomic():
            return StockLevel.objects.create(part=part, location=location)
    except IntegrityError:
        return StockLevel.objects.get(part=part, location=location)


@transaction.atomic
def stock_apply(
    *,
    part: Part,
    location: Location,
    kind: str,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    by: AbstractBaseUser | None = None,
    reason: str = "",
    reference: str = "",
    ticket: Any = None,
    reservation: Any = None,
    transfer: Any = None,
    serial_unit: Any = None,
) -> StockMovement:
    """Change one stock level and append the matching ledger row, atomically.

    Guarantees ``on_hand >= reserved >= 0`` afterwards, also under concurrency (one conditional
    UPDATE). Raises ``InsufficientStock`` (nothing written) when the change would break it. Callers are
    the named services below and in this package; nothing else writes stock.
    """
    if on_hand_delta == 0 and reserved_delta == 0:
        raise InvalidQuantity(_("库存变动不能为零。"))
    level = stock_level_get_or_create(part=part, location=location)
    updated = (
        StockLevel.objects.filter(
            pk=level.pk,
            on_hand__gte=F("reserved") + (reserved_delta - on_hand_delta),
            reserved__gte=-reserved_delta,
        ).update(on_hand=F("on_hand") + on_hand_delta, reserved=F("reserved") + reserved_delta)
    )
    if updated != 1:
        level.refresh_from_db()
        raise InsufficientStock(
            _("%(part)s 在 %(location)s 库存不足：在库 %(on_hand)s，已预留 %(reserved)s，可用 %(available)s。")
            % {"part": part.sku, "location": location.name, "on_hand": level.on_hand,
               "reserved": level.reserved, "available": level.available},
            extra={"part": part.sku, "location": location.code, "on_hand": level.on_hand,
                   "reserved": level.reserved, "available": level.available},
        )
    return StockMovement.objects.create(
        part=part, location=location, kind=kind, on_hand_delta=on_hand_delta, reserved_delta=reserved_delta,
        reason=reason[:200], reference=reference[:60], ticket=ticket, reservation=reservation,
        transfer=transfer, serial_unit=serial_unit, actor=by if getattr(by, "pk", None) else None,
    )


@transaction.atomic
def stock_receive(*, part: Part, location: Location, quantity: int, by: AbstractBaseUser | None,
                  reference: str = "", reason: str = "") -> StockMovement:
    """Goods received (purchase, supplier delivery): on-hand +quantity with a ``receive`` movement."""
    require_perm(by, "parts.add_stockmovement")
    check_quantity(quantity)
    return stock_apply(part=part, location=location, kind=Kind.RECEIVE, on_hand_delta=quantity, by=by,
                       reference=reference, reason=reason)


@transaction.atomic
def stock_adjust(*, part: Part, location: Location, delta: int, reason: str, by: AbstractBaseUser | None,
                 reference: str = "") -> StockMovement:
    """Stock-count correction by ``delta`` (may be negative) with a mandatory reason.

    A negative adjustment can only remove unreserved units (raises ``InsufficientStock`` otherwise).
    """
    require_perm(by, "parts.add_stockmovement")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidQuantity(_("调整数量必须是非零整数。"))
    if not (reason or "").strip():
        raise ValidationFailed(_("盘点调整必须填写原因。"), extra={"field": "reason"})
    return stock_apply(part=part, location=location, kind=Kind.ADJUST, on_hand_delta=delta, by=by,
                       reason=reason.strip(), reference=reference)


@transaction.atomic
def stock_set(*, part: Part, location: Location, on_hand: int, by: AbstractBaseUser | None, reason: str,
              reorder_point: int | None = None, reference: str = "") -> StockLevel:
    """Bring a stock level to a counted ``on_hand`` (an ``adjust`` movement for the difference).

    Used by the stock import; raises ``InsufficientStock`` if the count is below the reserved units.
    """
    require_perm(by, "parts.add_stockmovement")
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise InvalidQuantity(_("在库数量必须是非负整数。"))
    level = StockLevel.objects.select_for_update().get(
        pk=stock_level_get_or_create(part=part, location=location).pk)
    delta = on_hand - level.on_hand
    if delta:
        stock_apply(part=part, location=location, kind=Kind.ADJUST, on_hand_delta=delta, by=by,
                    reason=reason or _("盘点导入"), reference=reference)
    if reorder_point is not None:
        stock_reorder_point_set(part=part, location=location, reorder_point=reorder_point, by=by)
    level.refresh_from_db()
    return level


@transaction.atomic
def stock_reorder_point_set(*, part: Part, location: Location, reorder_point: int,
                            by: AbstractBaseUser | None) -> StockLevel:
    """Set the reorder point of a stock level (not a stock movement; quantities are unchanged)."""
    require_perm(by, "parts.change_stocklevel")
    if isinstance(reorder_point, bool) or not isinstance(reorder_point, int) or reorder_point < 0:
        raise InvalidQuantity(_("补货点必须是非负整数。"))
    level = stock_level_get_or_create(part=part, location=location)
    StockLevel.objects.filter(pk=level.pk).update(reorder_point=reorder_point)
    level.refresh_from_db()
    return level


@transaction.atomic
def stock_scrap(*, part: Part, location: Location, quantity: int, reason: str, by: AbstractBaseUser | None,
                serial_unit: Any = None) -> StockMovement:
    """Write off unreserved units (damaged, obsolete) with a ``scrap`` movement and a reason."""
    require_perm(by, "parts.add_stockmovement")
    check_quantity(quantity)
    if not (reason or "").strip():
        raise ValidationFailed(_("报废必须填写原因。"), extra={"field": "reason"})
    return stock_apply(part=part, location=location, kind=Kind.SCRAP, on_hand_delta=-quantity, by=by,
                       reason=reason.strip(), serial_unit=serial_unit)
