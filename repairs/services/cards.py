"""三包凭证 and 维修记录: issued and appended once, never updated (sanbao.md §7), and the hand-back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import guards
from tickets.attachments import attachment_add
from tickets.exceptions import InvalidTransition, ValidationFailed
from tickets.models import Attachment, Device, Ticket
from tickets.services import ticket_event_add, ticket_resolve, ticket_transition

from ..guards import OWNER as GUARD_OWNER
from ..models import RepairOrder, RepairRecord, WarrantyCard
from ..selectors import warranty_card_current
from .common import lock_repair_order, require_perm

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _card_number(device: Device) -> str:
    return f"SB{timezone.localdate():%Y%m%d}-{device.pk:06d}-{WarrantyCard.objects.filter(device=device).count() + 1}"


@transaction.atomic
def warranty_card_issue(*, device: Device, by: AbstractBaseUser | None, repair_order: RepairOrder | None = None,
                        replaces: WarrantyCard | None = None, serial_number: str = "") -> WarrantyCard:
    """Issue a 三包凭证 with fields 1–9 filled from the device, its owner and the repairing center."""
    owner = device.owner
    center = repair_order.center if repair_order is not None else None
    return WarrantyCard.objects.create(
        number=_card_number(device), device=device, replaces=replaces,
        product_model=str(device.product_model), serial_number=serial_number or device.serial_number,
        seller=device.seller, invoice_number=device.invoice_number,
        sale_date=device.purchase_date or device.invoice_date,
        consumer_name=owner.name if owner else "", consumer_phone=owner.phone if owner else "",
        consumer_address=owner.address if owner else "",
        repairer=center.name if center else "", repairer_address=center.address if center else "",
        repairer_phone=center.phone if center else "",
        issued_by=by if getattr(by, "pk", None) else None,
    )


def warranty_card_for(*, device: Device, by: AbstractBaseUser | None,
                      repair_order: RepairOrder | None = None) -> WarrantyCard:
    return warranty_card_current(device_id=device.pk) or warranty_card_issue(device=device, by=by,
                                                                             repair_order=repair_order)


@transaction.atomic
def repair_record_write(*, repair_order: RepairOrder, by: AbstractBaseUser | None, certificate: bool = False,
                        handling: str = "") -> RepairRecord | None:
    """Append the repair's row to the device's 三包凭证 (once; a second call returns the existing row)."""
    existing = RepairRecord.objects.filter(repair_order=repair_order).first()
    if existing is not None:
        return existing
    ticket = repair_order.ticket
    if ticket.device_id is None:
        return None
    card = warranty_card_for(device=ticket.device, by=by, repair_order=repair_order)
    received = timezone.localtime(repair_order.received_at).date()
    returned = timezone.localtime(repair_order.returned_at or timezone.now()).date()
    occupied = max((returned - received).days - repair_order.parts_wait_days - repair_order.consumer_wait_days, 0)
    return RepairRecord.objects.create(
        card=card, repair_order=repair_order, received_on=received, returned_on=returned,
        fault_reported=ticket.description, fault_code=repair_order.fault_code, listed_fault=repair_order.fault_listed,
        cause=repair_order.cause, handling=handling or repair_order.work_done,
        is_refund_or_exchange_certificate=certificate, under_warranty=repair_order.in_warranty,
        occupied_days=occupied, parts_wait_days=repair_order.parts_wait_days,
        delay_cause=(RepairRecord.DelayCause.PRODUCER_PARTS if repair_order.waiting_for_producer_parts
                     else RepairRecord.DelayCause.NONE),
        technician=repair_order.technician, technician_signature=repair_order.technician_signature,
    )


def warranty_card_reissue(*, repair_order: RepairOrder, by: AbstractBaseUser | None,
                          new_serial: str = "") -> WarrantyCard | None:
    """After an exchange: a new card replaces the old one and the device's periods restart (C5)."""
    device = repair_order.ticket.device
    if device is None:
        return None
    old = warranty_card_for(device=device, by=by, repair_order=repair_order)
    card = warranty_card_issue(device=device, by=by, repair_order=repair_order, replaces=old,
                               serial_number=new_serial)
    Device.objects.filter(pk=device.pk).update(warranty_restarted_on=timezone.localdate(), updated_at=timezone.now())
    ticket_event_add(ticket=repair_order.ticket, kind="warranty.card_issued", by=by, customer_visible=True,
                     message=_("已换货并签发新三包凭证 %(number)s，三包有效期自今日重新计算") % {"number": card.number},
                     payload={"card": card.number, "replaces": old.number})
    return card


@transaction.atomic
def repair_hand_back(*, repair_order: RepairOrder, by: AbstractBaseUser | None, signer_name: str,
                     signature_png: bytes, technician_signature_png: bytes | None = None) -> RepairOrder:
    """Hand the device back: the customer signs, the 维修记录 row is written, the ticket is resolved.

    The technician may countersign on the same phone (``technician_signature_png``); it becomes the
    repair's technician signature when none was given at the QC hand-over.

    Needs a repair order that passed QC (or was declined — the device goes back unrepaired), and no
    guard refusing the ticket's resolve (a paid repair's money neither received nor deferred).
    Raises ValidationFailed or InvalidTransition (nothing changes, no signature is stored).
    """
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if order.status not in (RepairOrder.Status.PASSED, RepairOrder.Status.DECLINED):
        raise ValidationFailed(_("维修单未完成，不能交机。"))
    # asked before the signature is stored, so a refused hand-back leaves no file behind
    if order.ticket.status in (Ticket.Status.READY, Ticket.Status.IN_PROGRESS):
        with guards.acting(GUARD_OWNER, order.ticket_id):
            refusal = guards.guards_refusal(ticket=order.ticket, transition="resolve", by=by)
        if refusal:
            raise InvalidTransition(refusal, code="guarded",
                                    extra={"state": order.ticket.status, "transition": "resolve"})
    if not (signer_name or "").strip() or not signature_png:
        raise ValidationFailed(_("交机须由客户签字。"), extra={"field": "signature"})
    order.customer_signature = attachment_add(
        ticket=order.ticket, file=signature_png, filename=f"handback-signature-{order.pk}.png", by=by,
        purpose=Attachment.Purpose.OTHER, kind=Attachment.Kind.SIGNATURE, customer_visible=False)
    fields = ["customer_signature", "updated_at"]
    if technician_signature_png and order.technician_signature_id is None:
        order.technician_signature = attachment_add(
            ticket=order.ticket, file=technician_signature_png, filename=f"tech-signature-{order.pk}.png", by=by,
            purpose=Attachment.Purpose.OTHER, kind=Attachment.Kind.SIGNATURE, customer_visible=False)
        fields.append("technician_signature")
    order.save(update_fields=fields)
    if order.status == RepairOrder.Status.PASSED:
        repair_record_write(repair_order=order, by=by)
    ticket = Ticket.objects.select_for_update().get(pk=order.ticket_id)
    resolution = _("已交机，客户 %(name)s 签收") % {"name": signer_name.strip()}
    if ticket.status in (Ticket.Status.READY, Ticket.Status.IN_PROGRESS):
        with guards.acting(GUARD_OWNER, ticket.pk):
            ticket_transition(ticket=ticket, transition="resolve", by=by, message=resolution,
                              updates={"resolution": order.work_done or resolution})
    order.ticket = ticket
    return order


@transaction.atomic
def job_sign_off(*, ticket: Ticket, by: AbstractBaseUser | None, resolution: str, signer_name: str,
                 signature_png: bytes) -> Ticket:
    """Close a job that needed no workshop repair (a setting, advice, a loose cable): the customer
    signs on the technician's phone and the ticket is resolved with what was done.

    The hand-back of a job without a repair order; a job with one goes through ``repair_hand_back``.
    Raises ValidationFailed (nothing changes) for a missing resolution, signer or signature, and
    InvalidTransition (the ticket's state in ``extra``) when the ticket cannot be resolved now.
    """
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed(_("没有维修单的工单交机时须填写处理结果。"), extra={"field": "resolution"})
    if not (signer_name or "").strip() or not signature_png:
        raise ValidationFailed(_("交机须由客户签字。"), extra={"field": "signature"})
    ticket = ticket_resolve(ticket=Ticket.objects.select_for_update().get(pk=ticket.pk), by=by,
                            resolution=resolution)
    attachment_add(ticket=ticket, file=signature_png, filename=f"signoff-signature-{ticket.pk}.png", by=by,
                   purpose=Attachment.Purpose.OTHER, kind=Attachment.Kind.SIGNATURE, customer_visible=False)
    return ticket
