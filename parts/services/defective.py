"""旧件回收 (defective parts back to the warehouse) and supplier warranty claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from tickets import policy
from tickets.exceptions import ValidationFailed
from tickets.services import ticket_event_add

from ..exceptions import ClaimNotAllowed, DefectiveReturnError
from ..models import DefectiveReturn, Location, Part, SerialUnit, StockMovement, SupplierClaim
from .stock import require_perm, stock_apply

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def defective_store_for(location: Location) -> Location | None:
    """The 旧件库 that serves ``location``: a defective store under its nearest ancestor, else any."""
    node: Location | None = location
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.kind == Location.Kind.DEFECTIVE and node.is_active:
            return node
        store = node.children.filter(kind=Location.Kind.DEFECTIVE, is_active=True).order_by("code").first()
        if store is not None:
            return store
        node = node.parent
    return Location.objects.filter(kind=Location.Kind.DEFECTIVE, is_active=True).order_by("code").first()


def _lock(record: DefectiveReturn, action: str) -> DefectiveReturn:
    locked = DefectiveReturn.objects.select_for_update(of=("self",)).select_related(
        "part", "to_location", "serial_unit").get(pk=record.pk)
    if not can_proceed(getattr(locked, action)):
        raise DefectiveReturnError(extra={"status": locked.status, "action": action})
    return locked


def _sync(original: DefectiveReturn, locked: DefectiveReturn) -> DefectiveReturn:
    if original is not locked:
        original.refresh_from_db()
    return locked


@transaction.atomic
def defective_return_create(*, part: Part, from_location: Location, by: AbstractBaseUser | None,
                            ticket: Any = None, serial_unit: SerialUnit | None = None, removed_serial: str = "",
                            fault_description: str = "", to_location: Location | None = None) -> DefectiveReturn:
    """Register the faulty part taken out of a device, to be sent back to a 旧件库.

    With ``serial_unit`` (a unit we once fitted) the unit is marked defective. Raises
    ``ValidationFailed`` when no defective store exists or the unit is of another part.
    """
    if by is not None and not (policy.can(by, "parts.add_defectivereturn") or policy.technician_of(by) is not None):
        require_perm(by, "parts.add_defectivereturn")
    target = to_location or defective_store_for(from_location)
    if target is None or target.kind != Location.Kind.DEFECTIVE:
        raise ValidationFailed(_("没有可接收旧件的旧件库。"), extra={"field": "to_location"})
    if serial_unit is not None:
        serial_unit = SerialUnit.objects.select_for_update().get(pk=serial_unit.pk)
        if serial_unit.part_id != part.pk:
            raise ValidationFailed(_("序列号件与备件不符。"), extra={"field": "serial_unit"})
        if serial_unit.status not in (SerialUnit.Status.FITTED, SerialUnit.Status.IN_STOCK):
            raise ValidationFailed(_("该序列号件已登记为旧件或已处理。"), extra={"field": "serial_unit"})
        removed_serial = removed_serial or serial_unit.serial
    elif removed_serial:
        serial_unit = SerialUnit.objects.select_for_update().filter(
            serial=removed_serial.strip().upper(), part=part, status=SerialUnit.Status.FITTED).first()
    record = DefectiveReturn.objects.create(
        part=part, serial_unit=serial_unit, removed_serial=removed_serial.strip().upper()[:60], ticket=ticket,
        from_location=from_location, to_location=target, fault_description=fault_description[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )
    if serial_unit is not None:
        if serial_unit.status == SerialUnit.Status.IN_STOCK:
            # A unit found faulty on the shelf leaves the good stock now.
            stock_apply(part=part, location=serial_unit.location, kind=StockMovement.Kind.SCRAP, on_hand_delta=-1,
                        by=by, reason=_("在库件故障，转旧件回收"), serial_unit=serial_unit)
        serial_unit.status = SerialUnit.Status.DEFECTIVE
        serial_unit.location = None
        serial_unit.save(update_fields=["status", "location", "updated_at"])
    if ticket is not None:
        ticket_event_add(ticket=ticket, kind="part.defective_registered", by=by,
                         message=_("旧件 %(name)s 已登记回收") % {"name": part.name},
                         payload={"defective_return": record.pk, "serial": record.removed_serial})
    return record


@transaction.atomic
def defective_return_ship(*, defective_return: DefectiveReturn, by: AbstractBaseUser | None) -> DefectiveReturn:
    """The old part is on its way to the 旧件库."""
    locked = _lock(defective_return, "ship")
    locked.ship()
    locked.save()
    return _sync(defective_return, locked)


@transaction.atomic
def defective_return_receive(*, defective_return: DefectiveReturn,
                             by: AbstractBaseUser | None) -> DefectiveReturn:
    """The 旧件库 received the old part: on-hand +1 there (``return_defective``)."""
    require_perm(by, "parts.change_defectivereturn")
    locked = _lock(defective_return, "receive")
    locked.receive()
    locked.save()
    stock_apply(part=locked.part, location=locked.to_location, kind=StockMovement.Kind.RETURN_DEFECTIVE,
                on_hand_delta=1, by=by, reference=f"D{locked.pk}", ticket=locked.ticket,
                serial_unit=locked.serial_unit)
    if locked.serial_unit_id:
        SerialUnit.objects.filter(pk=locked.serial_unit_id).update(location=locked.to_location,
                                                                     updated_at=timezone.now())
    return _sync(defective_return, locked)


@transaction.atomic
def defective_return_scrap(*, defective_return: DefectiveReturn, by: AbstractBaseUser | None,
                           reason: str = "") -> DefectiveReturn:
    """Scrap a received old part (``scrap`` movement at the 旧件库)."""
    require_perm(by, "parts.change_defectivereturn")
    locked = _lock(defective_return, "scrap")
    locked.scrap()
    locked.save()
    stock_apply(part=locked.part, location=locked.to_location, kind=StockMovement.Kind.SCRAP, on_hand_delta=-1,
                by=by, reason=reason or _("旧件报废"), reference=f"D{locked.pk}", serial_unit=locked.serial_unit)
    if locked.serial_unit_id:
        SerialUnit.objects.filter(pk=locked.serial_unit_id).update(
            status=SerialUnit.Status.SCRAPPED, location=None, updated_at=timezone.now())
    return _sync(defective_return, locked)


def claim_deadline(record: DefectiveReturn) -> dt.datetime | None:
    """The end of the supplier warranty of the returned unit, counted from when we received it."""
    if record.serial_unit is None:
        return None
    return record.serial_unit.received_at + dt.timedelta(days=record.part.supplier_warranty_days)


@transaction.atomic
def supplier_claim_create(*, defective_return: DefectiveReturn, by: AbstractBaseUser | None,
                          amount: Decimal | None = None, note: str = "") -> SupplierClaim:
    """Claim a received old part against the supplier's warranty; the part leaves the 旧件库 to the supplier.

    Allowed only for a serial-tracked unit (so its supply date is proven) whose failure was registered
    within ``supplier_warranty_days`` of its receipt, of a part with a supplier. Raises ``ClaimNotAllowed``
    with the reason, or ``DefectiveReturnError`` when the part is not in the warehouse.
    """
    require_perm(by, "parts.add_supplierclaim")
    locked = _lock(defective_return, "claim")
    part = locked.part
    if not part.supplier:
        raise ClaimNotAllowed(_("备件 %(sku)s 未登记供应商。") % {"sku": part.sku})
    deadline = claim_deadline(locked)
    if deadline is None:
        raise ClaimNotAllowed(_("没有序列号记录，无法证明供货日期，不能索赔。"))
    if locked.created_at > deadline:
        raise ClaimNotAllowed(_("已超过供应商质保期（截至 %(date)s）。")
                              % {"date": timezone.localtime(deadline).date().isoformat()},
                              extra={"deadline": deadline.isoformat()})
    value = part.cost_price if amount is None else Decimal(amount)
    if value < 0:
        raise ValidationFailed(_("索赔金额不能为负数。"), extra={"field": "amount"})
    locked.claim()
    locked.save()
    claim = SupplierClaim.objects.create(defective_return=locked, supplier=part.supplier, amount=value,
                                         note=note[:200], created_by=by if getattr(by, "pk", None) else None)
    stock_apply(part=part, location=locked.to_location, kind=StockMovement.Kind.SCRAP, on_hand_delta=-1, by=by,
                reason=_("旧件退供应商索赔"), reference=f"C{claim.pk}", serial_unit=locked.serial_unit)
    if locked.serial_unit_id:
        SerialUnit.objects.filter(pk=locked.serial_unit_id).update(
            status=SerialUnit.Status.RETURNED_TO_SUPPLIER, location=None, updated_at=timezone.now())
    _sync(defective_return, locked)
    return claim


@transaction.atomic
def supplier_claim_decide(*, claim: SupplierClaim, status: str, by: AbstractBaseUser | None,
                          note: str = "") -> SupplierClaim:
    """Record the supplier's answer (accepted or rejected) to a submitted claim."""
    require_perm(by, "parts.change_supplierclaim")
    locked = SupplierClaim.objects.select_for_update().get(pk=claim.pk)
    if status not in (SupplierClaim.Status.ACCEPTED, SupplierClaim.Status.REJECTED):
        raise ValidationFailed(_("无效的索赔结果。"), extra={"field": "status"})
    if locked.status != SupplierClaim.Status.SUBMITTED:
        raise DefectiveReturnError(_("该索赔已处理。"))
    locked.status = status
    locked.decided_at = timezone.now()
    if note:
        locked.note = note[:200]
    locked.save(update_fields=["status", "decided_at", "note", "updated_at"])
    return locked
