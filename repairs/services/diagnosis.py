"""Opening a repair order, on-site visits and diagnosis with the binding 三包 decision."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from tickets.attachments import attachment_add
from tickets.exceptions import ConflictError, InvalidTransition, ValidationFailed
from tickets.geo import distance_m
from tickets.models import Attachment, ServiceMode, Ticket
from tickets.services import ticket_event_add

from ..exceptions import EvidenceRequired
from ..models import RepairOrder, RepairVisit, Technician
from ..scheduling.services import appointment_visited
from ..scheduling.tracking import departure_eta, location_track_forget
from ..warranty import DecisionStatus, Remedy
from .common import lock_repair_order, lock_ticket, require_perm, run_transition, ticket_follow
from .warranty import (
    DECISION_FIELDS,
    device_rules,
    order_claim_inputs,
    warranty_evaluate,
    warranty_inputs_clean,
    warranty_record,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

FAR_CHECK_IN_METERS = getattr(settings, "REPAIRS_FAR_CHECK_IN_METERS", 500)
Photo = tuple[str, bytes]  # (filename, data)


@transaction.atomic
def repair_order_open(*, ticket: Ticket, by: AbstractBaseUser | None,
                      technician: Technician | None = None, uuid: Any = None) -> RepairOrder:
    """Open the workshop job for a ticket; the ticket is started (assigned → in progress) if needed.

    ``uuid`` is an id the client generated offline: opening again with the same uuid returns the
    job already opened (a retry changes nothing).

    Guarantees one active repair order per ticket (a DB constraint backs it). Raises ValidationFailed
    when the ticket has no assigned technician, ConflictError when a job is already open,
    InvalidTransition/PermissionDeniedError from the ticket FSM.
    """
    ticket = lock_ticket(ticket.pk)
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    if uuid is not None:
        existing = RepairOrder.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.ticket_id != ticket.pk:
                raise ValidationFailed(_("该维修单编号已被使用。"))
            return existing
    technician = technician or ticket.technician
    if technician is None:
        raise ValidationFailed(_("请先为工单派工再开维修单。"))
    if RepairOrder.objects.filter(ticket=ticket).exclude(status__in=RepairOrder.FINAL_STATES).exists():
        raise ConflictError(_("该工单已有进行中的维修单。"))
    try:
        with transaction.atomic():
            order = RepairOrder.objects.create(ticket=ticket, technician=technician,
                                               center_id=ticket.service_center_id or technician.center_id,
                                               **({"uuid": uuid} if uuid is not None else {}))
    except IntegrityError:
        raise ConflictError(_("该工单已有进行中的维修单。"))
    order.ticket = ticket_follow(ticket=ticket, target=Ticket.Status.IN_PROGRESS, by=by)
    ticket_event_add(ticket=order.ticket, kind="repair.opened", by=by, customer_visible=True,
                     message=_("设备已接收，开始检测"), payload={"repair_order": order.pk})
    return order


def _visit_for(ticket: Ticket, technician: Technician) -> RepairVisit:
    visit = (RepairVisit.objects.select_for_update().filter(ticket=ticket, technician=technician,
                                                            checked_out_at__isnull=True).first())
    if visit is None:
        visit = RepairVisit(ticket=ticket, technician=technician,
                            repair_order=ticket.repair_orders.exclude(status__in=RepairOrder.FINAL_STATES).first())
    return visit


def _require_open_for_visit(ticket: Ticket) -> None:
    """A phone that was offline may replay "on my way" after the job was cancelled or closed; the
    customer must not be told a technician is coming to a job that no longer exists."""
    if ticket.status not in Ticket.OPEN_STATES:
        raise InvalidTransition(_("工单当前为“%(state)s”，不能再出发或签到。") % {"state": ticket.get_status_display()},
                                extra={"state": ticket.status})


@transaction.atomic
def visit_depart(*, ticket: Ticket, technician: Technician, by: AbstractBaseUser | None = None,
                 eta_minutes: int | None = None) -> RepairVisit:
    """The technician is on the way to an on-site job; the customer sees it on the progress page and
    is told the expected arrival time when the technician gives one."""
    ticket = lock_ticket(ticket.pk)
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    _require_open_for_visit(ticket)
    if ticket.service_mode and ticket.service_mode != ServiceMode.ON_SITE:
        raise ValidationFailed(_("该工单不是上门服务。"))
    visit = _visit_for(ticket, technician)
    if visit.departed_at is not None and visit.checked_in_at is None:
        return visit
    visit.departed_at = timezone.now()
    # The technician's own estimate, else the map's travel time from where they are to the customer.
    visit.eta_at = departure_eta(ticket=ticket, technician=technician, now=visit.departed_at,
                                 eta_minutes_given=eta_minutes)
    visit.save()
    payload: dict[str, Any] = {"visit": visit.pk}
    message = _("工程师 %(name)s 已出发，正在前往") % {"name": technician.name}
    if visit.eta_at is not None:
        eta = timezone.localtime(visit.eta_at).strftime("%H:%M")
        payload["eta"] = eta
        message = _("工程师 %(name)s 已出发，预计 %(eta)s 到达") % {"name": technician.name, "eta": eta}
    ticket_event_add(ticket=ticket, kind="visit.departed", by=by, customer_visible=True, message=message,
                     payload=payload)
    return visit


@transaction.atomic
def visit_check_in(*, ticket: Ticket, technician: Technician, latitude: Any, longitude: Any,
                   by: AbstractBaseUser | None = None) -> RepairVisit:
    """Record arrival time and GPS place, with the distance to the customer's address.

    A check-in farther than ``REPAIRS_FAR_CHECK_IN_METERS`` (500 m) is flagged for the manager and
    an internal event says so. Raises ValidationFailed for coordinates out of range.
    """
    try:
        lat, lon = Decimal(str(latitude)).quantize(Decimal("0.000001")), Decimal(str(longitude)).quantize(
            Decimal("0.000001"))
    except Exception:
        raise ValidationFailed(_("定位坐标无效。"))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(_("定位坐标超出范围。"))
    ticket = lock_ticket(ticket.pk)
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    _require_open_for_visit(ticket)
    visit = _visit_for(ticket, technician)
    now = timezone.now()
    visit.departed_at = visit.departed_at or now
    visit.checked_in_at, visit.latitude, visit.longitude = now, lat, lon
    if ticket.latitude is not None and ticket.longitude is not None:
        visit.distance_m = distance_m(lat, lon, ticket.latitude, ticket.longitude)
        visit.is_far = visit.distance_m > FAR_CHECK_IN_METERS
    visit.save()
    location_track_forget(visit=visit)
    appointment_visited(ticket_id=ticket.pk)
    Technician.objects.filter(pk=technician.pk).update(last_latitude=lat, last_longitude=lon, last_seen_at=now)
    ticket_event_add(ticket=ticket, kind="visit.checked_in", by=by, customer_visible=True,
                     message=_("工程师已到达"), payload={"visit": visit.pk, "distance_m": visit.distance_m})
    if visit.is_far:
        ticket_event_add(ticket=ticket, kind="visit.far_check_in", by=by,
                         message=_("签到位置距客户地址 %(m)s 米，超过 %(limit)s 米")
                         % {"m": visit.distance_m, "limit": FAR_CHECK_IN_METERS},
                         payload={"visit": visit.pk, "distance_m": visit.distance_m})
    return visit


@transaction.atomic
def visit_check_out(*, visit: RepairVisit, by: AbstractBaseUser | None = None) -> RepairVisit:
    visit = RepairVisit.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=visit.pk)
    require_perm(by, "tickets.work_ticket", ticket=visit.ticket)
    if visit.checked_in_at is None:
        raise ValidationFailed(_("尚未签到。"))
    if visit.checked_out_at is None:
        visit.checked_out_at = timezone.now()
        visit.save(update_fields=["checked_out_at", "updated_at"])
    return visit


def repair_photos_add(*, repair_order: RepairOrder, photos: list[Photo], purpose: str,
                      by: AbstractBaseUser | None) -> list[Attachment]:
    """Store before/after/evidence photos on the ticket through ``attachment_add`` (validated, EXIF stripped)."""
    if purpose not in (Attachment.Purpose.BEFORE, Attachment.Purpose.AFTER, Attachment.Purpose.EVIDENCE):
        raise ValidationFailed(_("照片用途无效。"))
    with transaction.atomic():
        require_perm(by, "tickets.work_ticket", ticket=repair_order.ticket)
        return [attachment_add(ticket=repair_order.ticket, file=data, filename=name, by=by, purpose=purpose,
                               customer_visible=purpose != Attachment.Purpose.EVIDENCE)
                for name, data in photos]


def _check_exclusions(ticket: Ticket, exclusions: list[dict[str, Any]], codes: dict[str, str]) -> list[dict]:
    """Each exclusion needs a known code and evidence attached to this ticket (CPL art. 23)."""
    cleaned = []
    for item in exclusions:
        code = item.get("code", "")
        if code not in codes:
            raise ValidationFailed(_("未知的三包排除事由：%(code)s") % {"code": code})
        ids = [int(x) for x in item.get("evidence", []) if str(x).isdigit()]
        found = set(Attachment.objects.filter(ticket=ticket, pk__in=ids).values_list("pk", flat=True))
        if not ids or found != set(ids):
            raise EvidenceRequired(_("排除事由“%(label)s”必须附本工单的证据照片或检测报告。") % {"label": codes[code]},
                                   extra={"code": code})
        cleaned.append({"code": code, "evidence": sorted(found), "note": item.get("note", "")[:300],
                        "parts": list(item.get("parts", []))})
    return cleaned


@transaction.atomic
def repair_diagnose(
    *,
    repair_order: RepairOrder,
    fault_code: str,
    findings: str,
    by: AbstractBaseUser | None,
    cause: str = "",
    before_photos: list[Photo] | None = None,
    exclusions: list[dict[str, Any]] | None = None,
    **decision_inputs: Any,
) -> RepairOrder:
    """Record the diagnosis and take the binding 三包 verdict (diagnosing → quoting).

    The fault code must come from the category's performance-fault table; before-photos go through
    ``attachment_add`` (purpose "before"); exclusions need evidence attachments. ``decision_inputs``
    are the decision's answers (``DECISION_FIELDS``: the consumer's choice, stock, discontinued model,
    refusal of another model, bundled accessory and its price, battery capacities, intact goods,
    activation, date the goods came back). The verdict — entitlement and decision, with reasons and
    clauses — is stored on the repair order and summarised on the customer's timeline.
    Raises ValidationFailed/EvidenceRequired (nothing saved) or RepairInvalidTransition.
    """
    order = lock_repair_order(repair_order)
    ticket = order.ticket
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    if not (findings or "").strip():
        raise ValidationFailed(_("请填写检测结果。"))
    unknown = set(decision_inputs) - set(DECISION_FIELDS)
    if unknown:
        raise TypeError(f"unknown decision inputs: {sorted(unknown)}")
    model = ticket.device.product_model if ticket.device_id else ticket.product_model
    if model is None:
        raise ValidationFailed(_("工单未登记产品型号，无法判定三包。"))
    rules = device_rules(device=ticket.device, category=model.category)
    fault = rules.fault(fault_code)
    if fault is None:
        raise ValidationFailed(_("故障代码 %(code)s 不在“%(category)s”的故障表中。")
                               % {"code": fault_code, "category": model.get_category_display()},
                               extra={"field": "fault_code"})
    cleaned = _check_exclusions(ticket, exclusions or [], rules.exclusions)
    inputs = warranty_inputs_clean(rules=rules, fault_code=fault.code, inputs=decision_inputs)
    for name, value in inputs.items():
        setattr(order, name, value)
    if before_photos:
        for name, data in before_photos:
            attachment_add(ticket=ticket, file=data, filename=name, by=by, purpose=Attachment.Purpose.BEFORE)
    verdict = warranty_evaluate(ticket=ticket, repair_order=order, fault_code=fault_code, exclusions=cleaned,
                                claim_date=timezone.localtime(order.received_at).date(),
                                **order_claim_inputs(order))
    order.fault_code, order.fault_label, order.fault_listed = fault.code, fault.label, fault.listed
    order.findings, order.cause = findings.strip(), (cause or "").strip()
    order.exclusions = cleaned
    warranty_record(order=order, verdict=verdict)
    order.diagnosed_by = by if getattr(by, "pk", None) else None
    return run_transition(repair_order=order, transition="diagnose", by=by, customer_visible=True,
                          message=_("检测完成：%(fault)s。三包判定：%(summary)s") % {"fault": fault.label,
                                                                             "summary": verdict.summary},
                          payload={"fault_code": fault.code, "fault_label": fault.label, "remedies": verdict.remedies,
                                   "in_warranty": order.in_warranty,
                                   "decision": verdict.decision.as_dict() if verdict.decision else None})


@transaction.atomic
def repair_warranty_decide(*, repair_order: RepairOrder, by: AbstractBaseUser | None, **decision_inputs: Any,
                           ) -> RepairOrder:
    """Record the consumer's choice (and stock, model, accessory, return answers) and decide the remedy.

    The claim is judged as of the day the device was received, while the repair in progress counts up
    to today: its parts-wait days extend the period and fire the parts-delay exchange, and its days
    are deducted from a depreciated refund. Needs a diagnosed, unfinished repair order. Inputs not
    given keep their recorded value. Raises ValidationFailed (nothing saved).
    """
    order = lock_repair_order(repair_order)
    ticket = order.ticket
    require_perm(by, "tickets.work_ticket", ticket=ticket)
    unknown = set(decision_inputs) - set(DECISION_FIELDS)
    if unknown:
        raise TypeError(f"unknown decision inputs: {sorted(unknown)}")
    if order.status == RepairOrder.Status.DIAGNOSING or not order.fault_code:
        raise ValidationFailed(_("请先完成检测，再登记消费者的三包选择。"))
    if order.status in RepairOrder.FINAL_STATES:
        raise ValidationFailed(_("维修单已结束，不能再变更三包处理决定。"))
    model = ticket.device.product_model if ticket.device_id else ticket.product_model
    rules = device_rules(device=ticket.device, category=model.category)
    current = {name: getattr(order, name) for name in DECISION_FIELDS}
    inputs = warranty_inputs_clean(rules=rules, fault_code=order.fault_code, inputs={**current, **decision_inputs})
    for name, value in inputs.items():
        setattr(order, name, value)
    verdict = warranty_evaluate(ticket=ticket, repair_order=order, fault_code=order.fault_code,
                                exclusions=order.exclusions, claim_date=timezone.localdate(),
                                **order_claim_inputs(order))
    fields = warranty_record(order=order, verdict=verdict)
    try:
        order.save(update_fields=[*fields, *inputs, "updated_at"])
    except ConcurrentTransition:
        raise ConflictError(_("维修单已被他人更新，请刷新后重试。"))
    decision = verdict.decision
    if decision is not None and decision.remedy:
        message = _("三包处理决定：%(remedy)s（%(status)s）") % {
            "remedy": Remedy.LABELS[decision.remedy], "status": DecisionStatus.LABELS[decision.status]}
        if decision.amount is not None and decision.remedy in Remedy.REFUNDS:
            message += _("，退款 ¥%(amount)s") % {"amount": decision.amount}
    else:
        message = _("三包处理决定：待消费者选择")
    ticket_event_add(ticket=ticket, kind="warranty.decided", by=by, customer_visible=True, message=message,
                     payload={"repair_order": order.pk, "decision": decision.as_dict() if decision else None})
    return order
