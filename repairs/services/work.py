"""The repair itself: start, waiting for parts, fitting parts (only what the customer approved),
submitting to QC, QC pass/fail with rework, and the 三包 remedies unrepairable → replaced / refunded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.attachments import attachment_add
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment

from ..exceptions import ApprovalRequired, QCGateFailed
from ..models import FittedPart, LineKind, QCInspection, Quote, QuoteLine, RepairOrder
from .cards import repair_record_write, warranty_card_reissue
from .common import lock_repair_order, require_perm, run_transition
from .warranty import device_rules

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from parts.models import Part


@transaction.atomic
def repair_start(*, repair_order: RepairOrder, by: AbstractBaseUser | None) -> RepairOrder:
    """Start (or resume after rework) the repair; needs an approved quote."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if not order.quotes.filter(status=Quote.Status.APPROVED).exists():
        raise ApprovalRequired(_("客户尚未确认报价，不能开始维修。"))
    return run_transition(repair_order=order, transition="start_repair", by=by, customer_visible=True,
                          message=_("开始维修"))


@transaction.atomic
def repair_wait_parts(*, repair_order: RepairOrder, by: AbstractBaseUser | None, producer_parts: bool = False,
                      note: str = "") -> RepairOrder:
    """Pause for parts (repairing → awaiting parts, ticket → waiting parts); the days are counted (C4, 60/90)."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    order.awaiting_parts_since = timezone.now()
    order.waiting_for_producer_parts = order.waiting_for_producer_parts or producer_parts
    return run_transition(repair_order=order, transition="wait_parts", by=by, customer_visible=True, note=note,
                          message=_("等待备件到货") + (f"：{note}" if note else ""),
                          payload={"producer_parts": producer_parts})


@transaction.atomic
def repair_parts_arrived(*, repair_order: RepairOrder, by: AbstractBaseUser | None) -> RepairOrder:
    """Parts are here: back to repairing; the waiting days are added to ``parts_wait_days``."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if order.awaiting_parts_since:
        order.parts_wait_days += max((timezone.now() - order.awaiting_parts_since).days, 0)
        order.awaiting_parts_since = None
    return run_transition(repair_order=order, transition="start_repair", by=by, customer_visible=True,
                          message=_("备件已到，继续维修"))


@transaction.atomic
def repair_fit_part(*, repair_order: RepairOrder, by: AbstractBaseUser | None, quote_line: QuoteLine | None = None,
                    part: Part | None = None, serial: str = "", serial_payload: str = "",
                    old_serial: str = "") -> FittedPart:
    """Fit a part of the approved quote, consuming its reservation; serialized parts are scanned.

    A part that is not on the latest approved quote raises ApprovalRequired (add it to a new quote
    version and have the customer approve it). A scanned label is checked by
    ``parts.services.serial_unit_scan`` (forged/reused/wrong-model labels are refused).
    """
    from parts.services import reservation_consume, reservation_create, serial_unit_scan

    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if order.status != RepairOrder.Status.REPAIRING:
        raise ValidationFailed(_("只有维修中的维修单可以安装备件。"))
    approved = order.quotes.filter(status=Quote.Status.APPROVED).order_by("-version").first()
    if approved is None:
        raise ApprovalRequired()
    lines = list(approved.lines.filter(kind=LineKind.PART).select_related("part", "reservation"))
    wanted_part = quote_line.part_id if quote_line is not None else getattr(part, "pk", None)
    if quote_line is not None and not any(ln.pk == quote_line.pk for ln in lines):
        raise ApprovalRequired(_("备件不在客户已确认的报价中，请追加报价并由客户重新确认。"))
    approved_qty = sum(ln.quantity for ln in lines if ln.part_id == wanted_part)
    if not approved_qty:
        raise ApprovalRequired(_("备件不在客户已确认的报价中，请追加报价并由客户重新确认。"))
    if order.fitted_parts.filter(part_id=wanted_part).count() >= approved_qty:
        raise ApprovalRequired(_("该备件已按确认数量全部安装，追加数量需要客户重新确认。"))
    line = next(ln for ln in lines if ln.part_id == wanted_part and
                (quote_line is None or ln.pk == quote_line.pk))
    model = order.ticket.device.product_model if order.ticket.device_id else order.ticket.product_model
    unit = None
    if serial_payload:
        unit = serial_unit_scan(payload=serial_payload, product_model=model,
                                location=line.reservation.location if line.reservation else None)
        if unit.part_id != line.part_id:
            raise ValidationFailed(_("扫码的备件与报价行不符。"))
        serial = unit.serial
    serial = (serial or "").strip()
    if line.part.is_serialized and unit is None:
        raise ValidationFailed(_("%(sku)s 为序列号管理备件，请扫码安装。") % {"sku": line.part.sku})
    reservation = line.reservation
    if reservation is None or reservation.status != "active":
        from parts.models import Location

        location = Location.objects.filter(center_id=order.center_id).order_by("pk").first()
        if location is None:
            raise ValidationFailed(_("维修网点没有备件库位。"))
        reservation = reservation_create(part=line.part, location=location, quantity=1, by=by,
                                         ticket=order.ticket, reference=f"RO-{order.pk}")
    device_serial = order.ticket.device.serial_number if order.ticket.device_id else ""
    reservation_consume(reservation=reservation, by=by, serial_unit=unit, device_serial=device_serial)
    fitted = FittedPart.objects.create(repair_order=order, part=line.part, quote_line=line, reservation=reservation,
                                       serial=serial[:60], old_serial=(old_serial or "").strip()[:60],
                                       fitted_by=by if getattr(by, "pk", None) else None)
    _defective_part_register(order=order, fitted=fitted, from_location=reservation.location, by=by)
    return fitted


def _defective_part_register(*, order: RepairOrder, fitted: FittedPart, from_location, by) -> None:
    """The part taken out goes back to the 旧件库 (旧件回收) wherever the network has one.

    Only a removed part that is recorded (its serial, or a serialized part) is registered; a shop
    without any defective store keeps fitting parts, the removed serial stays on the fitted row.
    """
    from parts.services import defective_return_create, defective_store_for

    if not (fitted.old_serial or fitted.part.is_serialized):
        return
    if defective_store_for(from_location) is None:
        return
    defective_return_create(part=fitted.part, from_location=from_location, by=by, ticket=order.ticket,
                            removed_serial=fitted.old_serial,
                            fault_description=(order.cause or order.findings or "")[:200])


@transaction.atomic
def repair_submit_qc(*, repair_order: RepairOrder, by: AbstractBaseUser | None, work_done: str,
                     after_photos: list[tuple[str, bytes]] | None = None,
                     technician_signature_png: bytes | None = None) -> RepairOrder:
    """The technician finishes: work done, after-photos and signature; repairing → QC, ticket → quality check."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if not (work_done or "").strip():
        raise ValidationFailed(_("请填写处理情况。"))
    for name, data in after_photos or []:
        attachment_add(ticket=order.ticket, file=data, filename=name, by=by, purpose=Attachment.Purpose.AFTER)
    if technician_signature_png:
        order.technician_signature = attachment_add(
            ticket=order.ticket, file=technician_signature_png, filename=f"tech-signature-{order.pk}.png", by=by,
            purpose=Attachment.Purpose.OTHER, kind=Attachment.Kind.SIGNATURE, customer_visible=False)
    order.work_done = work_done.strip()
    return run_transition(repair_order=order, transition="submit_qc", by=by, customer_visible=True,
                          message=_("维修完成，正在质检"))


def qc_checklist_for(repair_order: RepairOrder) -> list[dict[str, str]]:
    ticket = repair_order.ticket
    model = ticket.device.product_model if ticket.device_id else ticket.product_model
    return device_rules(device=ticket.device, category=model.category).qc_checklist if model else []


def qc_gate_problems(*, repair_order: RepairOrder, checklist: dict[str, Any]) -> list[str]:
    """Why the repair cannot pass yet (empty list: it can)."""
    problems = []
    if not repair_order.ticket.attachments.filter(purpose=Attachment.Purpose.AFTER).exists():
        problems.append(_("缺少维修后照片"))
    fitted = list(repair_order.fitted_parts.select_related("part"))
    problems += [_("备件 %(name)s 缺少序列号") % {"name": f.part.name} for f in fitted if not f.serial]
    approved = repair_order.quotes.filter(status=Quote.Status.APPROVED).order_by("-version").first()
    if approved is not None:
        needed: dict[int, tuple[str, int]] = {}
        for line in approved.lines.filter(kind=LineKind.PART):
            name, qty = needed.get(line.part_id, (line.description, 0))
            needed[line.part_id] = (name, qty + line.quantity)
        for part_id, (name, qty) in needed.items():
            if sum(1 for f in fitted if f.part_id == part_id) < qty:
                problems.append(_("报价备件 %(name)s 尚未安装") % {"name": name})
    for item in qc_checklist_for(repair_order):
        if checklist.get(item["code"]) is not True:
            problems.append(_("检查项未通过：%(label)s") % {"label": item["label"]})
    return problems


@transaction.atomic
def qc_pass(*, repair_order: RepairOrder, checklist: dict[str, Any], by: AbstractBaseUser | None) -> RepairOrder:
    """Pass QC (QC → passed, ticket → ready): needs after-photos, serials of fitted parts, every checklist item.

    Raises QCGateFailed listing what is missing (nothing changes).
    """
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.qc_ticket", ticket=order.ticket)
    if order.status != RepairOrder.Status.QC:
        raise ValidationFailed(_("维修单不在质检中。"))
    problems = qc_gate_problems(repair_order=order, checklist=checklist)
    if problems:
        raise QCGateFailed(_("不能通过质检：") + "；".join(problems), extra={"problems": problems})
    QCInspection.objects.create(repair_order=order, inspector=by if getattr(by, "pk", None) else None,
                                result=QCInspection.Result.PASSED, checklist=checklist)
    return run_transition(repair_order=order, transition="pass_qc", by=by, customer_visible=True,
                          message=_("质检通过"))


@transaction.atomic
def qc_fail(*, repair_order: RepairOrder, reason: str, by: AbstractBaseUser | None,
            checklist: dict[str, Any] | None = None) -> RepairOrder:
    """Fail QC with a reason: counted as rework, and the job goes straight back to repairing."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.qc_ticket", ticket=order.ticket)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写质检不通过原因。"), extra={"field": "reason"})
    QCInspection.objects.create(repair_order=order, inspector=by if getattr(by, "pk", None) else None,
                                result=QCInspection.Result.FAILED, checklist=checklist or {}, reason=reason)
    order = run_transition(repair_order=order, transition="fail_qc", by=by, note=reason,
                           message=_("质检未通过：%(reason)s") % {"reason": reason})
    return run_transition(repair_order=order, transition="start_repair", by=by, note=reason,
                          message=_("返工维修（第 %(n)s 次）") % {"n": order.rework_count})


@transaction.atomic
def repair_mark_unrepairable(*, repair_order: RepairOrder, by: AbstractBaseUser | None, reason: str) -> RepairOrder:
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if not (reason or "").strip():
        raise ValidationFailed(_("请说明无法修复的原因。"))
    if order.status == RepairOrder.Status.AWAITING_PARTS and order.awaiting_parts_since:
        order.parts_wait_days += max((timezone.now() - order.awaiting_parts_since).days, 0)
        order.awaiting_parts_since = None
    order.cause = order.cause or reason.strip()
    return run_transition(repair_order=order, transition="mark_unrepairable", by=by, customer_visible=True,
                          note=reason, message=_("设备无法修复：%(reason)s") % {"reason": reason.strip()})


def _remedy(order: RepairOrder, transition: str, by: AbstractBaseUser | None, label: str,
            new_serial: str = "") -> RepairOrder:
    from ..warranty import DecisionStatus, Remedy

    decision = order.warranty_decision or {}
    wanted = {"replace": {Remedy.EXCHANGE}, "refund": {Remedy.REFUND, Remedy.REFUND_DEPRECIATED}}[transition]
    if not wanted & set(decision.get("remedies", [])):
        raise ValidationFailed(_("三包判定不支持%(label)s。") % {"label": label})
    # once the consumer's choice is decided, only that remedy may be carried out
    if order.decision_status == DecisionStatus.BLOCKED:
        raise ValidationFailed(_("三包处理决定暂不能办理（%(remedy)s）：请查看判定依据。")
                               % {"remedy": Remedy.LABELS.get(order.decided_remedy, order.decided_remedy)})
    if order.decided_remedy and order.decided_remedy not in wanted:
        raise ValidationFailed(_("三包处理决定为%(remedy)s，不能%(label)s。")
                               % {"remedy": Remedy.LABELS.get(order.decided_remedy, order.decided_remedy),
                                  "label": label})
    order.work_done = order.work_done or label
    order = run_transition(repair_order=order, transition=transition, by=by, customer_visible=True,
                           message=_("已按三包规定%(label)s") % {"label": label},
                           ticket_updates={"resolution": label})
    repair_record_write(repair_order=order, by=by, certificate=True, handling=label)
    if transition == "replace":
        warranty_card_reissue(repair_order=order, by=by, new_serial=new_serial)
    return order


@transaction.atomic
def repair_replace(*, repair_order: RepairOrder, by: AbstractBaseUser | None, new_serial: str = "") -> RepairOrder:
    """三包 exchange: unrepairable → replaced; writes the exchange certificate and issues a new card (C5)."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    return _remedy(order, "replace", by, _("换货"), new_serial=new_serial)


@transaction.atomic
def repair_refund(*, repair_order: RepairOrder, by: AbstractBaseUser | None) -> RepairOrder:
    """三包 refund: unrepairable → refunded; writes the refund certificate to the 维修记录."""
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    return _remedy(order, "refund", by, _("退货"))
