"""Parts against the job: a technician asks for the parts of a job, the centre approves them (or the
request is approved at once within rules), the store hands them into the technician's van, and at
close every unit issued for the job is accounted for (核销): fitted, returned to the store, or the
removed part sent back defective.

All stock moves go through the parts ledger services (transfers, reservations): nothing here writes
a stock level, so the never-oversell guarantee of ``parts.services.stock.stock_apply`` holds.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from parts.models import DefectiveReturn, JobPartsReconciliation, Location, Part, Reservation, Transfer
from parts.services import (
    reservation_create,
    reservation_release,
    transfer_approve,
    transfer_receive,
    transfer_request,
    transfer_ship,
)
from tickets import policy
from tickets.exceptions import InvalidTransition, ValidationFailed
from tickets.services import ticket_event_add

from ..models import LineKind, Quote, QuoteLine, RepairOrder

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from tickets.models import Ticket

#: Within these a job's request is approved at once; above them the centre decides.
AUTO_APPROVE_MAX_QUANTITY = getattr(settings, "JOB_PARTS_AUTO_APPROVE_MAX_QUANTITY", 2)
AUTO_APPROVE_MAX_VALUE = Decimal(str(getattr(settings, "JOB_PARTS_AUTO_APPROVE_MAX_VALUE", "1500")))


def van_of(technician: Any) -> Location:
    van = Location.objects.filter(technician=technician, kind=Location.Kind.VAN, is_active=True).first()
    if van is None:
        raise ValidationFailed(_("您还没有车载库位，请联系仓管开通。"), code="no_van")
    return van


def centre_store_of(technician: Any) -> Location:
    store = (Location.objects.filter(center_id=technician.center_id, kind=Location.Kind.CENTER, is_active=True)
             .order_by("pk").first())
    if store is None:
        raise ValidationFailed(_("所属网点没有备件库位。"))
    return store


def _issued(ticket: Ticket, van: Location) -> dict[int, int]:
    rows = (Transfer.objects.filter(ticket=ticket, destination=van).exclude(status=Transfer.Status.CANCELLED)
            .values("part_id").annotate(n=Sum("quantity")))
    return {r["part_id"]: r["n"] for r in rows}


def auto_approval_refusal(*, ticket: Ticket, part: Part, quantity: int, van: Location) -> str | None:
    """Why a job's request needs the centre's approval, or None to approve it at once: the part is on
    the customer's approved quote and, with what is already asked for, within its quantity; few
    units; a modest value."""
    order = RepairOrder.objects.filter(ticket_id=ticket.pk).order_by("-created_at", "-pk").first()
    quote = (Quote.objects.filter(repair_order=order, status=Quote.Status.APPROVED).order_by("-version").first()
             if order is not None else None)
    quoted = 0
    if quote is not None:
        quoted = quote.lines.filter(kind=LineKind.PART, part=part).aggregate(n=Sum("quantity"))["n"] or 0
    if not quoted:
        return _("备件不在客户已确认的报价中")
    if _issued(ticket, van).get(part.pk, 0) + quantity > quoted:
        return _("超出报价数量")
    if quantity > AUTO_APPROVE_MAX_QUANTITY:
        return _("数量超过自动审批上限 %(n)s") % {"n": AUTO_APPROVE_MAX_QUANTITY}
    if (part.retail_price or Decimal("0")) * quantity > AUTO_APPROVE_MAX_VALUE:
        return _("金额超过自动审批上限 ¥%(v)s") % {"v": AUTO_APPROVE_MAX_VALUE}
    return None


def job_part_request(*, ticket: Ticket, part: Part, quantity: int, by: AbstractBaseUser,
                     note: str = "") -> tuple[Transfer, str | None]:
    """A technician asks for ``quantity`` of ``part`` for a job, from the centre's store into the van.

    Within the rules (``auto_approval_refusal``) the request is approved and the units issued into
    the van at once; otherwise it waits for the centre (``transfer_approve`` then ``job_part_issue``).
    Returns the transfer and the reason it waits (None when issued). Raises ValidationFailed,
    PermissionDeniedError or InsufficientStock (nothing changes then).
    """
    technician = policy.technician_of(by)
    if technician is None or ticket.technician_id != technician.pk:
        raise InvalidTransition(_("只能为自己的工单申请备件。"))
    if ticket.status in ("resolved", "closed", "cancelled"):
        raise InvalidTransition(_("工单已结束，不能再申请备件。"))
    van = van_of(technician)
    with transaction.atomic():
        reason = auto_approval_refusal(ticket=ticket, part=part, quantity=quantity, van=van)
        transfer = transfer_request(part=part, source=centre_store_of(technician), destination=van,
                                    quantity=quantity, by=by, ticket=ticket, note=note)
        if reason is None:
            transfer = transfer_approve(transfer=transfer, by=None)
            transfer = job_part_issue(transfer=transfer, by=None)
        else:
            ticket_event_add(ticket=ticket, kind="parts.request_pending", by=by,
                             message=_("备件申请 %(no)s 待网点审批：%(why)s") % {"no": transfer.number, "why": reason},
                             payload={"transfer": transfer.number})
    return transfer, reason


@transaction.atomic
def job_part_issue(*, transfer: Transfer, by: AbstractBaseUser | None) -> Transfer:
    """Hand an approved job request over at the store counter into the technician's van (ship and
    receive at once), and move the job's hold with it: a reservation the approved quote made at the
    store is released and the units are held in the van for the job instead, so fitting consumes
    them from the van."""
    if transfer.ticket_id is None or transfer.destination.kind != Location.Kind.VAN:
        raise InvalidTransition(_("只有工单的车载库领料可以发放。"))
    transfer = transfer_ship(transfer=transfer, by=by)
    transfer = transfer_receive(transfer=transfer, by=by)
    van, part, ticket = transfer.destination, transfer.part, transfer.ticket
    lines = list(QuoteLine.objects.select_related("reservation").filter(
        quote__repair_order__ticket_id=ticket.pk, quote__status=Quote.Status.APPROVED, kind=LineKind.PART,
        part=part, reservation__status=Reservation.Status.ACTIVE).exclude(reservation__location=van))
    moved = 0
    for line in lines:
        if moved + line.reservation.quantity > transfer.quantity:
            break
        reservation_release(reservation=line.reservation, by=by, reason=_("改由车载库领用"))
        line.reservation = reservation_create(part=part, location=van, quantity=line.reservation.quantity, by=by,
                                              ticket=ticket, reference=transfer.number)
        line.save(update_fields=["reservation"], allow_locked=True)
        moved += line.reservation.quantity
    return transfer


def _fitted(ticket: Ticket, van: Location) -> dict[int, int]:
    rows = (Reservation.objects.filter(ticket=ticket, location=van, status=Reservation.Status.CONSUMED)
            .values("part_id").annotate(n=Sum("quantity")))
    return {r["part_id"]: r["n"] for r in rows}


def job_parts_ledger(*, ticket: Ticket, van: Location) -> list[dict[str, Any]]:
    """Per part of the job: issued into the van, fitted from it, returned to the store, defective
    sent back; ``open`` is what is still to be accounted for."""
    issued = defaultdict(int)
    for t in Transfer.objects.filter(ticket=ticket, destination=van, status=Transfer.Status.RECEIVED):
        issued[t.part_id] += t.quantity
    returned = defaultdict(int)
    for t in Transfer.objects.filter(ticket=ticket, source=van).exclude(status=Transfer.Status.CANCELLED):
        returned[t.part_id] += t.quantity
    fitted = _fitted(ticket, van)
    defective = defaultdict(int)
    for d in DefectiveReturn.objects.filter(ticket=ticket, from_location=van):
        defective[d.part_id] += 1
    parts = {p.pk: p for p in Part.objects.filter(pk__in=set(issued) | set(returned) | set(fitted))}
    return [{"part_id": pid, "sku": parts[pid].sku, "name": parts[pid].name, "issued": issued[pid],
             "fitted": fitted.get(pid, 0), "returned": returned[pid], "defective": defective[pid],
             "open": issued[pid] - fitted.get(pid, 0) - returned[pid]} for pid in sorted(parts)]


def job_parts_reconcile(*, ticket: Ticket, by: AbstractBaseUser | None) -> JobPartsReconciliation:
    """Close out (核销) the job's van parts: every unit issued and not fitted goes back to the store
    (a transfer van → store, handed over at once), then the balanced ledger is recorded.

    Guarantees: once per job; afterwards issued = fitted + returned for every part. The hold on the
    returned units is released first. Raises InvalidTransition when already reconciled or when the
    repair is still open.
    """
    if JobPartsReconciliation.objects.filter(ticket=ticket).exists():
        raise InvalidTransition(_("该工单的备件已核销。"))
    if ticket.technician_id is None:
        raise InvalidTransition(_("工单没有负责工程师，无需核销。"))
    if RepairOrder.objects.filter(ticket_id=ticket.pk).exclude(status__in=RepairOrder.FINAL_STATES).exists():
        raise InvalidTransition(_("维修尚未完成，不能核销备件。"))
    van = van_of(ticket.technician)
    store = centre_store_of(ticket.technician)
    with transaction.atomic():
        for reservation in Reservation.objects.filter(ticket=ticket, location=van, status=Reservation.Status.ACTIVE):
            reservation_release(reservation=reservation, by=by, reason=_("核销：未安装，退回网点库"))
        for line in job_parts_ledger(ticket=ticket, van=van):
            if line["open"] > 0:
                back = transfer_request(part=Part.objects.get(pk=line["part_id"]), source=van, destination=store,
                                        quantity=line["open"], by=None, ticket=ticket, note=_("核销退库"))
                back = transfer_approve(transfer=back, by=None)
                back = transfer_ship(transfer=back, by=None)
                transfer_receive(transfer=back, by=None)
        ledger = job_parts_ledger(ticket=ticket, van=van)
        if any(line["open"] for line in ledger):
            raise InvalidTransition(_("备件核销不平，请联系仓管。"))
        record = JobPartsReconciliation.objects.create(ticket=ticket, van=van, lines=ledger,
                                                       reconciled_by=by if getattr(by, "pk", None) else None)
        ticket_event_add(ticket=ticket, kind="parts.reconciled", by=by,
                         message=_("备件核销完成：%(lines)s") % {"lines": "；".join(
                             _("%(name)s 领 %(i)s 装 %(f)s 退 %(r)s 旧件 %(d)s") % {
                                 "name": ln["name"], "i": ln["issued"], "f": ln["fitted"], "r": ln["returned"],
                                 "d": ln["defective"]} for ln in ledger) or "—"},
                         payload={"reconciliation_id": record.pk})
    return record


def unreconciled_job_parts(ticket_id: int) -> bool:
    """Whether parts were issued into a van for this job and not yet accounted for."""
    return (Transfer.objects.filter(ticket_id=ticket_id, destination__kind=Location.Kind.VAN,
                                    status=Transfer.Status.RECEIVED).exists()
            and not JobPartsReconciliation.objects.filter(ticket_id=ticket_id).exists())
