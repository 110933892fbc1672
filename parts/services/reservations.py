"""Reservations of parts for repairs: create, release, consume (fit), expire."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import policy
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.services import ticket_event_add

from ..exceptions import ReservationNotActive
from ..models import Location, Part, Reservation, SerialUnit, StockMovement
from .stock import check_quantity, stock_apply

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Kind = StockMovement.Kind

DEFAULT_RESERVATION_HOURS = 72


def reservation_ttl() -> dt.timedelta:
    """How long an unconsumed reservation holds stock (``PARTS_RESERVATION_HOURS``, default 72 h)."""
    return dt.timedelta(hours=getattr(settings, "PARTS_RESERVATION_HOURS", DEFAULT_RESERVATION_HOURS))


def _require_reservation_perm(by: AbstractBaseUser | None, perm: str) -> None:
    # Technicians reserve for their own jobs through the repair services; warehouse and center
    # staff hold the model permission.
    if by is None or policy.can(by, perm) or policy.technician_of(by) is not None:
        return
    raise PermissionDeniedError()


def _lock_active(reservation: Reservation) -> Reservation:
    locked = (Reservation.objects.select_for_update(of=("self",)).select_related("part", "location")
              .get(pk=reservation.pk))
    if locked.status != Reservation.Status.ACTIVE:
        raise ReservationNotActive(extra={"status": locked.status})
    return locked


@transaction.atomic
def reservation_create(*, part: Part, location: Location, quantity: int, by: AbstractBaseUser | None,
                       ticket: Any = None, reference: str = "") -> Reservation:
    """Hold ``quantity`` available units of ``part`` at ``location`` for a repair.

    Guarantees that the units are not promised twice, also under concurrency (one conditional UPDATE
    via ``stock_apply``); writes a ``reserve`` movement and, with a ticket, an internal timeline event.
    Raises ``InsufficientStock`` (nothing written), ``InvalidQuantity``, ``ValidationFailed`` for an
    inactive part, ``PermissionDeniedError``. The reservation expires after ``reservation_ttl()``
    unless consumed or released (``reservations_expire_due``, a django-q2 schedule).
    """
    _require_reservation_perm(by, "parts.add_reservation")
    check_quantity(quantity)
    if not part.is_active:
        raise ValidationFailed(_("备件 %(sku)s 已停用，不能预留。") % {"sku": part.sku})
    reservation = Reservation(
        part=part, location=location, quantity=quantity, ticket=ticket, reference=reference[:60],
        expires_at=timezone.now() + reservation_ttl(), created_by=by if getattr(by, "pk", None) else None,
    )
    reservation.save()
    stock_apply(part=part, location=location, kind=Kind.RESERVE, reserved_delta=quantity, by=by,
                reference=reference or f"R{reservation.pk}", ticket=ticket, reservation=reservation)
    if ticket is not None:
        ticket_event_add(
            ticket=ticket, kind="part.reserved", by=by,
            message=_("已预留备件 %(name)s × %(qty)s（%(location)s）")
            % {"name": part.name, "qty": quantity, "location": location.name},
            payload={"reservation": reservation.pk, "part": part.sku, "quantity": quantity,
                     "location": location.code},
        )
    return reservation


@transaction.atomic
def reservation_release(*, reservation: Reservation, by: AbstractBaseUser | None,
                        reason: str = "") -> Reservation:
    """Give the held units back to available stock (customer declined, plan changed).

    Writes a ``release`` movement; raises ``ReservationNotActive`` if already released, consumed or expired.
    """
    _require_reservation_perm(by, "parts.change_reservation")
    locked = _lock_active(reservation)
    locked.release()
    locked.close_reason = (reason or _("释放预留"))[:200]
    locked.save()
    stock_apply(part=locked.part, location=locked.location, kind=Kind.RELEASE, reserved_delta=-locked.quantity,
                by=by, reason=locked.close_reason, reference=locked.reference or f"R{locked.pk}",
                ticket=locked.ticket, reservation=locked)
    if locked.ticket_id:
        ticket_event_add(
            ticket=locked.ticket, kind="part.released", by=by,
            message=_("已释放备件预留 %(name)s × %(qty)s") % {"name": locked.part.name, "qty": locked.quantity},
            payload={"reservation": locked.pk, "reason": locked.close_reason},
        )
    _refresh(reservation, locked)
    return locked


@transaction.atomic
def reservation_consume(*, reservation: Reservation, by: AbstractBaseUser | None,
                        serial_unit: SerialUnit | None = None, device_serial: str = "") -> Reservation:
    """The reserved units were fitted: on-hand and reserved both drop by the quantity (``consume``).

    A serialized part needs the fitted ``serial_unit`` (scanned with ``serial_unit_scan``), of the
    reserved part, in stock at the reservation's location, and the reservation must be for one unit;
    the unit becomes *fitted* on the ticket so its label can never be used again. Writes a
    customer-visible timeline event with the part and its serial. Raises ``ReservationNotActive``,
    ``ValidationFailed``.
    """
    _require_reservation_perm(by, "parts.change_reservation")
    locked = _lock_active(reservation)
    part = locked.part
    unit = None
    if serial_unit is not None:
        unit = SerialUnit.objects.select_for_update().get(pk=serial_unit.pk)
        if unit.part_id != part.pk:
            raise ValidationFailed(_("扫码的备件 %(serial)s 不是预留的 %(sku)s。")
                                   % {"serial": unit.serial, "sku": part.sku}, extra={"field": "serial_unit"})
        if unit.status != SerialUnit.Status.IN_STOCK:
            raise ValidationFailed(_("序列号 %(serial)s 当前状态为“%(status)s”，不能安装。")
                                   % {"serial": unit.serial, "status": unit.get_status_display()},
                                   extra={"field": "serial_unit"})
        if unit.location_id != locked.location_id:
            raise ValidationFailed(_("序列号 %(serial)s 不在预留库位 %(location)s。")
                                   % {"serial": unit.serial, "location": locked.location.name},
                                   extra={"field": "serial_unit"})
        if locked.quantity != 1:
            raise ValidationFailed(_("序列号件须逐件领用（预留数量应为 1）。"), extra={"field": "serial_unit"})
    elif part.is_serialized:
        raise ValidationFailed(_("%(sku)s 为序列号管理备件，安装时必须扫码。") % {"sku": part.sku},
                               extra={"field": "serial_unit"})
    locked.consume()
    locked.serial_unit = unit
    locked.fitted_serial = unit.serial if unit else ""
    locked.save()
    if unit is not None:
        unit.status = SerialUnit.Status.FITTED
        unit.location = None
        unit.fitted_at = timezone.now()
        unit.fitted_ticket_id = locked.ticket_id
        unit.fitted_device_serial = device_serial[:40]
        unit.save(update_fields=["status", "location", "fitted_at", "fitted_ticket", "fitted_device_serial",
                                 "updated_at"])
    stock_apply(part=part, location=locked.location, kind=Kind.CONSUME, on_hand_delta=-locked.quantity,
                reserved_delta=-locked.quantity, by=by, reference=locked.reference or f"R{locked.pk}",
                ticket=locked.ticket, reservation=locked, serial_unit=unit)
    if locked.ticket_id:
        message = _("已更换备件：%(name)s") % {"name": part.name}
        if unit is not None:
            message += _("（序列号 %(serial)s，已验明正品）") % {"serial": unit.serial}
        ticket_event_add(ticket=locked.ticket, kind="part.fitted", by=by, message=message, customer_visible=True,
                         payload={"reservation": locked.pk, "part": part.sku, "quantity": locked.quantity,
                                  "serial": locked.fitted_serial})
    _refresh(reservation, locked)
    return locked


@transaction.atomic
def reservation_expire(*, reservation: Reservation) -> Reservation | None:
    """Expire one overdue active reservation (system action); returns None if it was closed meanwhile."""
    try:
        locked = _lock_active(reservation)
    except ReservationNotActive:
        return None
    if locked.expires_at > timezone.now():
        return None
    locked.expire()
    locked.close_reason = _("预留超时自动释放")
    locked.save()
    stock_apply(part=locked.part, location=locked.location, kind=Kind.RELEASE, reserved_delta=-locked.quantity,
                reason=locked.close_reason, reference=locked.reference or f"R{locked.pk}",
                ticket=locked.ticket, reservation=locked)
    if locked.ticket_id:
        ticket_event_add(ticket=locked.ticket, kind="part.reservation_expired",
                         message=_("备件预留已超时释放：%(name)s × %(qty)s")
                         % {"name": locked.part.name, "qty": locked.quantity},
                         payload={"reservation": locked.pk})
    return locked


def reservations_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire every active reservation past its ``expires_at``; each in its own transaction. Returns the count."""
    now = now or timezone.now()
    ids = list(Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
               .values_list("pk", flat=True))
    count = 0
    for pk in ids:
        if reservation_expire(reservation=Reservation(pk=pk)) is not None:
            count += 1
    return count


def _refresh(original: Reservation, locked: Reservation) -> None:
    # The caller's instance reflects the new state too (it is often reused by the repair flow).
    if original is not locked:
        original.refresh_from_db()
