"""Writes of mail-in shipments: book the pickup, track the carrier's pushes, receive the parcel at
the centre, let the customer choose how the device comes back, book the return.

Carrier calls run outside the database transaction; the order id sent to the carrier is derived
from the ticket, so a retried booking is refused by the carrier rather than sending two couriers,
and the partial unique index keeps one live shipment per direction.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.models import RepairOrder
from tickets import policy
from tickets.attachments import attachment_add
from tickets.exceptions import InvalidTransition, NotFoundError, ValidationFailed
from tickets.links import site_base
from tickets.models import Attachment, Ticket
from tickets.services import ticket_event_add

from .carrier import OP_DELIVERED, RouteEvent, SFExpressCarrier
from .models import Shipment, TrackingEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

S = Ticket.Status
BOOKABLE = (S.NEW, S.TRIAGED, S.ASSIGNED)
WINDOW = dt.timedelta(hours=2)
FIRST_HOUR, LAST_HOUR = 9, 19


def pickup_windows(*, now: dt.datetime | None = None, days: int = 3) -> list[dt.datetime]:
    """The two-hour pickup windows the customer may choose: from the next full hour, 09:00–19:00."""
    now = timezone.localtime(now or timezone.now())
    start = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    windows = []
    day = start.date()
    for offset in range(days):
        for hour in range(FIRST_HOUR, LAST_HOUR, 2):
            at = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=offset), dt.time(hour)))
            if at >= start:
                windows.append(at)
    return windows


def _party_customer(ticket: Ticket) -> dict:
    customer = ticket.customer
    return {"name": customer.name, "phone": customer.phone,
            "province": ticket.province or customer.province, "city": ticket.city or customer.city,
            "district": ticket.district or customer.district, "address": ticket.address or customer.address}


def _party_centre(ticket: Ticket) -> dict:
    centre = ticket.service_center
    return {"name": centre.name, "phone": centre.phone, "province": centre.province, "city": centre.city,
            "district": centre.district, "address": centre.address}


def freight_payer_for(*, ticket: Ticket, direction: str) -> tuple[str, str]:
    """Who pays the freight, and why, following the 三包 decision: the binding one of the repair order
    for the return, the intake preview for the way in (the device is not yet inspected)."""
    if direction == Shipment.Direction.RETURN:
        order = RepairOrder.objects.filter(ticket_id=ticket.pk).order_by("-created_at", "-pk").first()
        if order is not None and order.warranty_decision:
            covered = order.in_warranty or (order.decided_payer and order.decided_payer != "consumer")
            if covered:
                return Shipment.Payer.COMPANY, _("三包判定：费用由%(who)s承担") % {"who": _("商家")}
            return Shipment.Payer.CUSTOMER, _("三包判定：保外，运费由消费者承担")
    preview = ticket.warranty_preview or {}
    if preview.get("in_warranty"):
        return Shipment.Payer.COMPANY, _("三包期内，寄修运费由商家承担（以检测结果为准）")
    return Shipment.Payer.CUSTOMER, _("不在三包期内，寄修运费由消费者承担")


def _book(*, ticket: Ticket, direction: str, sender: dict, recipient: dict, pickup_start: dt.datetime | None,
          kind: str, message: str, by: AbstractBaseUser | None) -> Shipment:
    live = Shipment.objects.filter(ticket=ticket, direction=direction).exclude(status=Shipment.Status.CANCELLED)
    existing = live.first()
    if existing is not None:
        return existing
    for party in (sender, recipient):
        if not party.get("phone") or not party.get("address"):
            raise ValidationFailed(_("%(name)s 缺少联系电话或地址，无法下单。") % {"name": party.get("name") or "-"})
    attempt = Shipment.objects.filter(ticket=ticket, direction=direction).count() + 1
    order_id = f"{ticket.number}-{'IN' if direction == Shipment.Direction.INBOUND else 'RT'}{attempt}"
    payer, basis = freight_payer_for(ticket=ticket, direction=direction)
    carrier = SFExpressCarrier(base_url=site_base())
    waybill = carrier.create_order(order_id=order_id, sender=sender, recipient=recipient, pickup_start=pickup_start,
                                   company_pays=payer == Shipment.Payer.COMPANY, remark=ticket.number)
    label = carrier.label_pdf(waybill_no=waybill)
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                ticket=ticket, direction=direction, order_id=order_id, waybill_no=waybill, sender=sender,
                recipient=recipient, pickup_start=pickup_start,
                pickup_end=pickup_start + WINDOW if pickup_start else None, freight_payer=payer, freight_basis=basis)
            shipment.label_pdf.save(f"{waybill}.pdf", ContentFile(label), save=True)
            ticket_event_add(ticket=ticket, kind=kind, by=by, message=message % {
                "waybill": waybill, "payer": shipment.get_freight_payer_display()},
                payload={"shipment_id": shipment.pk, "waybill_no": waybill})
    except IntegrityError:
        # a concurrent booking won: the carrier refused or deduplicated the same order id
        return live.get()
    return shipment


def shipment_book_inbound(*, ticket: Ticket, pickup_start: dt.datetime, by: AbstractBaseUser | None = None) -> Shipment:
    """Book the courier that collects a mail-in device from the customer in a two-hour window.

    Guarantees: only a mail-in ticket with a centre, before the repair starts; the window is one of
    ``pickup_windows``; booking again returns the live shipment (one courier). Writes the
    customer-visible ``shipment.booked`` event. Raises ValidationFailed, InvalidTransition or
    CarrierError; nothing is stored then.
    """
    if ticket.service_mode != "mail_in":
        raise InvalidTransition(_("该工单不是寄修服务。"))
    if ticket.status not in BOOKABLE:
        raise InvalidTransition(_("当前状态下不能预约取件。"))
    if ticket.service_center_id is None:
        raise InvalidTransition(_("正在为您分配服务中心，请稍后再预约取件。"))
    if pickup_start not in pickup_windows():
        raise ValidationFailed(_("请选择可预约的取件时段。"), extra={"field": "window"})
    sender = _party_customer(ticket)
    local = timezone.localtime(pickup_start)
    message = _("已预约顺丰上门取件（%(start)s–%(end)s），运单号 %%(waybill)s，%%(payer)s") % {
        "start": local.strftime("%m-%d %H:%M"), "end": (local + WINDOW).strftime("%H:%M")}
    return _book(ticket=ticket, direction=Shipment.Direction.INBOUND, sender=sender,
                 recipient=_party_centre(ticket), pickup_start=pickup_start, kind="shipment.booked", message=message,
                 by=by)


@transaction.atomic
def shipment_track(*, events: list[RouteEvent]) -> int:
    """Apply the carrier's pushed route events; returns how many were new. The same event pushed
    again changes nothing. A delivery to the centre waits for the scan; a return delivered ends it."""
    added = 0
    for event in events:
        shipment = Shipment.objects.select_for_update().filter(waybill_no=event.waybill_no).first()
        if shipment is None:
            continue
        _row, created = TrackingEvent.objects.get_or_create(
            shipment=shipment, op_code=event.op_code, occurred_at=event.occurred_at,
            defaults={"description": event.description[:300], "location": event.location[:80]})
        if not created:
            continue
        added += 1
        if shipment.status == Shipment.Status.BOOKED:
            shipment.status = Shipment.Status.IN_TRANSIT
        if event.op_code == OP_DELIVERED and shipment.status == Shipment.Status.IN_TRANSIT:
            shipment.status = Shipment.Status.DELIVERED
        shipment.save(update_fields=["status", "updated_at"])
        ticket_event_add(ticket=shipment.ticket, kind="shipment.tracking",
                         message=f"{shipment.waybill_no}：{event.description}",
                         payload={"shipment_id": shipment.pk, "op_code": event.op_code})
    return added


@transaction.atomic
def shipment_receive(*, waybill_no: str, by: AbstractBaseUser, photos: list[tuple[str, bytes]],
                     condition_note: str = "") -> Shipment:
    """The centre scans the waybill of an arrived parcel and photographs the device's condition.

    Guarantees: staff with ``logistics.change_shipment`` in the ticket's centre; an inbound shipment
    is received once; at least one condition photo. Photos are stored as customer-visible
    "before" attachments. Raises NotFoundError, PermissionDeniedError, ValidationFailed or
    InvalidTransition.
    """
    shipment = (Shipment.objects.select_for_update().select_related("ticket")
                .filter(waybill_no=(waybill_no or "").strip().upper(), direction=Shipment.Direction.INBOUND).first())
    if shipment is None:
        raise NotFoundError(_("未找到该寄修运单。"))
    policy.require(by, "logistics.change_shipment", shipment.ticket, message=_("您没有签收寄修设备的权限。"))
    if shipment.status == Shipment.Status.RECEIVED:
        raise InvalidTransition(_("该运单已签收。"))
    if shipment.status == Shipment.Status.CANCELLED:
        raise InvalidTransition(_("该运单已取消。"))
    if not photos:
        raise ValidationFailed(_("请拍摄到件外观照片。"), extra={"field": "photos"})
    for name, data in photos:
        attachment_add(ticket=shipment.ticket, file=data, filename=name, by=by, purpose=Attachment.Purpose.BEFORE,
                       customer_visible=True)
    shipment.status = Shipment.Status.RECEIVED
    shipment.received_at, shipment.received_by = timezone.now(), by
    shipment.condition_note = (condition_note or "").strip()[:300]
    shipment.save(update_fields=["status", "received_at", "received_by", "condition_note", "updated_at"])
    ticket_event_add(ticket=shipment.ticket, kind="shipment.received", by=by,
                     message=_("服务中心已签收您的设备（运单 %(waybill)s）%(note)s") % {
                         "waybill": shipment.waybill_no,
                         "note": f"，{shipment.condition_note}" if shipment.condition_note else ""},
                     payload={"shipment_id": shipment.pk})
    return shipment


@transaction.atomic
def shipment_return_choose(*, ticket: Ticket, choice: str) -> Shipment:
    """The customer chooses how the repaired device comes back: by courier, or picked up at the centre."""
    if choice not in Shipment.ReturnChoice.values:
        raise ValidationFailed(_("请选择取回方式。"))
    shipment = (Shipment.objects.select_for_update()
                .filter(ticket=ticket, direction=Shipment.Direction.INBOUND)
                .exclude(status=Shipment.Status.CANCELLED).first())
    if shipment is None:
        raise InvalidTransition(_("尚未寄出设备。"))
    if Shipment.objects.filter(ticket=ticket, direction=Shipment.Direction.RETURN).exclude(
            status=Shipment.Status.CANCELLED).exists():
        raise InvalidTransition(_("设备已寄回，不能再修改取回方式。"))
    if shipment.return_choice != choice:
        shipment.return_choice = choice
        shipment.save(update_fields=["return_choice", "updated_at"])
        ticket_event_add(ticket=ticket, kind="shipment.return_choice",
                         message=_("修好后取回方式：%(choice)s") % {"choice": shipment.get_return_choice_display()},
                         payload={"shipment_id": shipment.pk, "choice": choice})
    return shipment


def shipment_book_return(*, ticket: Ticket, by: AbstractBaseUser) -> Shipment:
    """Send the repaired device back by courier to the address it came from.

    Guarantees: staff with ``logistics.add_shipment`` in the centre; the ticket is ready; the
    device arrived by courier and the customer did not choose to pick it up; one return shipment.
    Freight follows the repair's binding 三包 decision. Raises PermissionDeniedError,
    InvalidTransition or CarrierError.
    """
    policy.require(by, "logistics.add_shipment", ticket, message=_("您没有安排寄回的权限。"))
    ticket.refresh_from_db()
    if ticket.status != S.READY:
        raise InvalidTransition(_("维修完成并通过质检后才能寄回。"))
    inbound = (Shipment.objects.filter(ticket=ticket, direction=Shipment.Direction.INBOUND,
                                       status=Shipment.Status.RECEIVED).first())
    if inbound is None:
        raise InvalidTransition(_("该设备不是寄修到件，无需寄回。"))
    if inbound.return_choice == Shipment.ReturnChoice.PICKUP:
        raise InvalidTransition(_("客户选择到店自取，无需寄回。"))
    return _book(ticket=ticket, direction=Shipment.Direction.RETURN, sender=_party_centre(ticket),
                 recipient=inbound.sender, pickup_start=None, kind="shipment.return_booked",
                 message=_("设备已交顺丰寄回，运单号 %(waybill)s，%(payer)s"), by=by)
