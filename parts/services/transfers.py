"""Transfers between locations (requested → approved → shipped → received, or cancelled)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from tickets import policy
from tickets.exceptions import ValidationFailed
from tickets.services import ticket_event_add

from ..exceptions import InsufficientStock, TransferNotAllowed
from ..models import Location, Part, SerialUnit, StockMovement, Transfer
from ..selectors import transfer_source_suggestions
from .stock import check_quantity, require_perm, stock_apply

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Kind = StockMovement.Kind


def _number() -> str:
    return f"TR{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def _lock(transfer: Transfer, action: str) -> Transfer:
    locked = (Transfer.objects.select_for_update(of=("self",)).select_related("part", "source", "destination")
              .get(pk=transfer.pk))
    if not can_proceed(getattr(locked, action)):
        raise TransferNotAllowed(
            _("调拨单 %(number)s 当前为“%(status)s”，不能执行此操作。")
            % {"number": locked.number, "status": locked.get_status_display()},
            extra={"status": locked.status, "action": action},
        )
    return locked


def _sync(original: Transfer, locked: Transfer) -> Transfer:
    if original is not locked:
        original.refresh_from_db()
    return locked


@transaction.atomic
def transfer_request(*, part: Part, source: Location, destination: Location, quantity: int,
                     by: AbstractBaseUser | None, is_emergency: bool = False, ticket: Any = None,
                     note: str = "") -> Transfer:
    """Ask to move ``quantity`` units from ``source`` to ``destination``. No stock moves yet.

    Raises ``ValidationFailed`` for the same location or an inactive location, ``InvalidQuantity``.
    """
    require_perm(by, "parts.add_transfer")
    check_quantity(quantity)
    if source.pk == destination.pk:
        raise ValidationFailed(_("调出和调入库位不能相同。"), extra={"field": "destination"})
    if not (source.is_active and destination.is_active):
        raise ValidationFailed(_("库位已停用。"))
    transfer = Transfer.objects.create(
        number=_number(), part=part, source=source, destination=destination, quantity=quantity,
        is_emergency=is_emergency, ticket=ticket, note=note[:200],
        requested_by=by if getattr(by, "pk", None) else None,
    )
    if ticket is not None:
        ticket_event_add(ticket=ticket, kind="part.transfer_requested", by=by,
                         message=_("已申请调拨备件 %(name)s × %(qty)s：%(src)s → %(dst)s")
                         % {"name": part.name, "qty": quantity, "src": source.name, "dst": destination.name},
                         payload={"transfer": transfer.number, "emergency": is_emergency})
    return transfer


@transaction.atomic
def transfer_approve(*, transfer: Transfer, by: AbstractBaseUser | None) -> Transfer:
    """Approve and hold the units at the source (a ``reserve`` movement), so they cannot be promised twice.

    Raises ``TransferNotAllowed`` outside *requested*, ``InsufficientStock`` if the source lacks them.
    """
    require_perm(by, "parts.approve_transfer")
    locked = _lock(transfer, "approve")
    locked.approve()
    locked.save()
    stock_apply(part=locked.part, location=locked.source, kind=Kind.RESERVE, reserved_delta=locked.quantity,
                by=by, reference=locked.number, ticket=locked.ticket, transfer=locked)
    return _sync(transfer, locked)


@transaction.atomic
def transfer_ship(*, transfer: Transfer, by: AbstractBaseUser | None, tracking_no: str = "",
                  serial_units: list[SerialUnit] | None = None) -> Transfer:
    """The goods leave the source: on-hand and the hold drop there (``transfer_out``); now in transit.

    For a serialized part exactly ``quantity`` units in stock at the source travel with it: the given
    ``serial_units`` or, if none are given, the longest-stocked ones. They are *in transit* (not
    scannable) until received. Raises ``ValidationFailed`` when the units do not match.
    """
    require_perm(by, "parts.change_transfer")
    locked = _lock(transfer, "ship")
    units = _units_for(locked, serial_units) if locked.part.is_serialized else []
    locked.ship()
    locked.tracking_no = tracking_no[:40]
    locked.save()
    stock_apply(part=locked.part, location=locked.source, kind=Kind.TRANSFER_OUT, on_hand_delta=-locked.quantity,
                reserved_delta=-locked.quantity, by=by, reference=locked.number, ticket=locked.ticket,
                transfer=locked)
    if units:
        SerialUnit.objects.filter(pk__in=[u.pk for u in units]).update(
            status=SerialUnit.Status.IN_TRANSIT, location=None, transfer=locked, updated_at=timezone.now())
    return _sync(transfer, locked)


def _units_for(transfer: Transfer, chosen: list[SerialUnit] | None) -> list[SerialUnit]:
    in_stock = SerialUnit.objects.select_for_update().filter(
        part=transfer.part, location=transfer.source, status=SerialUnit.Status.IN_STOCK)
    if chosen:
        units = list(in_stock.filter(pk__in=[u.pk for u in chosen]))
        if len(units) != len(chosen) or len(units) != transfer.quantity:
            raise ValidationFailed(_("序列号件须为调出库位的在库件，且数量等于调拨数量 %(qty)s。")
                                   % {"qty": transfer.quantity}, extra={"field": "serial_units"})
        return units
    units = list(in_stock.order_by("received_at", "pk")[: transfer.quantity])
    if len(units) != transfer.quantity:
        raise ValidationFailed(_("调出库位在库的序列号件不足 %(qty)s 件。") % {"qty": transfer.quantity},
                               extra={"field": "serial_units"})
    return units


@transaction.atomic
def transfer_receive(*, transfer: Transfer, by: AbstractBaseUser | None) -> Transfer:
    """The goods arrived: on-hand rises at the destination (``transfer_in``); with a ticket, the
    customer sees that the part has arrived."""
    require_perm(by, "parts.change_transfer")
    locked = _lock(transfer, "receive")
    locked.receive()
    locked.save()
    stock_apply(part=locked.part, location=locked.destination, kind=Kind.TRANSFER_IN,
                on_hand_delta=locked.quantity, by=by, reference=locked.number, ticket=locked.ticket,
                transfer=locked)
    SerialUnit.objects.filter(transfer=locked, status=SerialUnit.Status.IN_TRANSIT).update(
        status=SerialUnit.Status.IN_STOCK, location=locked.destination, transfer=None, updated_at=timezone.now())
    if locked.ticket_id:
        ticket_event_add(ticket=locked.ticket, kind="part.arrived", by=by, customer_visible=True,
                         message=_("维修所需备件已到达 %(dst)s") % {"dst": locked.destination.name},
                         payload={"transfer": locked.number})
    return _sync(transfer, locked)


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by: AbstractBaseUser | None, reason: str = "") -> Transfer:
    """Cancel before shipping; an approved transfer gives its hold back (``release``)."""
    require_perm(by, "parts.change_transfer", "parts.approve_transfer")
    locked = _lock(transfer, "cancel")
    was_approved = locked.status == Transfer.Status.APPROVED
    locked.cancel()
    if reason:
        locked.note = (f"{locked.note} / {reason}" if locked.note else reason)[:200]
    locked.save()
    if was_approved:
        stock_apply(part=locked.part, location=locked.source, kind=Kind.RELEASE, reserved_delta=-locked.quantity,
                    by=by, reference=locked.number, reason=reason, ticket=locked.ticket, transfer=locked)
    return _sync(transfer, locked)


@transaction.atomic
def transfer_emergency_create(*, part: Part, destination: Location, quantity: int, by: AbstractBaseUser | None,
                              ticket: Any = None, note: str = "") -> Transfer:
    """An urgent request from the nearest location that has ``quantity`` available (haversine distance).

    Approved at once when ``by`` may approve transfers (the units are then held at the source).
    Raises ``InsufficientStock`` when no other location has enough.
    """
    check_quantity(quantity)
    suggestions = transfer_source_suggestions(part=part, destination=destination, quantity=quantity, limit=1)
    if not suggestions:
        raise InsufficientStock(_("没有其他库位有足够的 %(sku)s 可供紧急调拨。") % {"sku": part.sku})
    source = suggestions[0].location
    transfer = transfer_request(part=part, source=source, destination=destination, quantity=quantity, by=by,
                                is_emergency=True, ticket=ticket, note=note)
    if by is None or policy.can(by, "parts.approve_transfer"):
        transfer = transfer_approve(transfer=transfer, by=by)
    return transfer
