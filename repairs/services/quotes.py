"""Versioned quotes: itemised lines (free under 三包 with the reason), sending, the customer's signed
approval or refusal, and reserving the quoted parts through the parts services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.attachments import attachment_add
from tickets.exceptions import ValidationFailed
from tickets.models import Attachment, OneTimeCode
from tickets.otp import otp_consume
from tickets.services import ticket_event_add

from ..exceptions import QuoteLocked
from ..models import LineKind, PriceListItem, Quote, QuoteLine, RepairOrder
from ..selectors import price_items_for
from ..warranty import Remedy
from .common import lock_repair_order, require_perm, run_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

QUOTABLE = (RepairOrder.Status.QUOTING, RepairOrder.Status.APPROVED, RepairOrder.Status.REPAIRING)
CENT = Decimal("0.01")


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("金额格式不正确。"), extra={"field": field})
    if amount < 0:
        raise ValidationFailed(_("金额不能为负数。"), extra={"field": field})
    return amount


def warranty_free_reason(order: RepairOrder) -> str:
    """Why the lines are free (empty when the 三包 decision does not make this repair free)."""
    decision = order.warranty_decision or {}
    remedies = decision.get("remedies", [])
    if not order.in_warranty or Remedy.FREE_REPAIR not in remedies and Remedy.EXCHANGE not in remedies:
        return ""
    granting = ("§1b", "§3.2", "§2.4", "C6", "A8", "C8")
    reasons = decision.get("reasons", [])
    clause = next((r.get("clause") for r in reversed(reasons) if r.get("rule") in granting and r.get("clause")),
                  next((r.get("clause") for r in reasons if r.get("clause")), ""))
    period = (decision.get("period") or {}).get("end")
    text = _("三包免费维修（%(scope)s有效期至 %(end)s）") % {"scope": (decision.get("period") or {}).get("label", ""),
                                                  "end": period or "-"}
    if decision.get("new_parts_required"):
        text += _("，须使用新的零部件")
    return f"{text}；{clause}" if clause else text


def _priced_from_list(order: RepairOrder, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines without a price start from the price list (the same items the customer's estimate
    summed): a part line takes the list's item for that part, another line the list's item of its
    kind. A line with its own unit price or price item is left as it is."""
    if all(raw.get("unit_price") is not None or raw.get("price_item") for raw in lines):
        return lines
    ticket = order.ticket
    model_id = ticket.device.product_model_id if ticket.device_id else ticket.product_model_id
    items = (price_items_for(product_model_id=model_id, fault_category_id=ticket.fault_category_id)
             if model_id and ticket.fault_category_id else [])
    out = []
    for raw in lines:
        if raw.get("unit_price") is None and not raw.get("price_item"):
            kind, part = raw.get("kind"), raw.get("part")
            match = next((i for i in items if i.kind == kind and (part is None or i.part_id == part.pk)), None)
            if match is not None:
                raw = {**raw, "price_item": match}
        out.append(raw)
    return out


def _build_lines(order: RepairOrder, lines: list[dict[str, Any]], free_reason: str) -> list[QuoteLine]:
    built = []
    for position, raw in enumerate(lines, start=1):
        item: PriceListItem | None = raw.get("price_item")
        kind = raw.get("kind") or (item.kind if item else "")
        if kind not in LineKind.values:
            raise ValidationFailed(_("第 %(n)s 行的类型无效。") % {"n": position})
        part = raw.get("part") or (item.part if item else None)
        if kind == LineKind.PART and part is None:
            raise ValidationFailed(_("第 %(n)s 行是备件，请选择备件。") % {"n": position})
        description = (raw.get("description") or (item.name if item else "") or (part.name if part else "")).strip()
        if not description:
            raise ValidationFailed(_("第 %(n)s 行缺少项目名称。") % {"n": position})
        try:
            quantity = int(raw.get("quantity", 1))
        except (TypeError, ValueError):
            quantity = 0
        if quantity < 1:
            raise ValidationFailed(_("第 %(n)s 行数量至少为 1。") % {"n": position})
        unit = raw.get("unit_price")
        if unit is None:
            unit = item.unit_price if item else (part.retail_price if part else None)
        if unit is None:
            raise ValidationFailed(_("第 %(n)s 行缺少单价。") % {"n": position})
        unit_price = _money(unit, "unit_price")
        chargeable = bool(raw.get("chargeable", False))
        is_free = bool(free_reason) and not chargeable
        built.append(QuoteLine(kind=kind, description=description[:160], part=part, price_item=item,
                               quantity=quantity, unit_price=unit_price, amount=(unit_price * quantity).quantize(CENT),
                               is_free=is_free, free_reason=free_reason[:300] if is_free else "",
                               reservation=raw.get("reservation"), position=position))
    return built


@transaction.atomic
def quote_create(*, repair_order: RepairOrder, lines: list[dict[str, Any]], by: AbstractBaseUser | None,
                 note: str = "", carry_over: bool = True) -> Quote:
    """Write a new quote version with itemised lines.

    Under 三包 the lines are free with the reason shown, unless a line is marked ``chargeable``
    (e.g. a service the customer asked for). After an approval, the new version starts from the
    approved lines (``carry_over``) plus the new ones, and needs its own approval; the approved
    version is never changed. An open (draft/sent) older version is superseded. Raises
    ValidationFailed (nothing saved) or RepairInvalidTransition.
    """
    order = lock_repair_order(repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if order.status not in QUOTABLE:
        raise ValidationFailed(_("维修单当前为“%(state)s”，不能报价。") % {"state": order.get_status_display()})
    if not lines:
        raise ValidationFailed(_("报价至少需要一行。"))
    free_reason = warranty_free_reason(order)
    approved = order.quotes.filter(status=Quote.Status.APPROVED).order_by("-version").first()
    previous: list[dict[str, Any]] = []
    if carry_over and approved is not None:
        previous = [{"kind": ln.kind, "description": ln.description, "part": ln.part, "price_item": ln.price_item,
                     "quantity": ln.quantity, "unit_price": ln.unit_price, "chargeable": not ln.is_free,
                     "reservation": ln.reservation} for ln in approved.lines.all()]
    built = _build_lines(order, [*previous, *_priced_from_list(order, lines)], free_reason)
    order.quotes.filter(status__in=[Quote.Status.DRAFT, Quote.Status.SENT]).update(
        status=Quote.Status.SUPERSEDED, updated_at=timezone.now())
    version = (order.quotes.aggregate(v=Max("version"))["v"] or 0) + 1
    total = sum((ln.amount for ln in built if not ln.is_free), Decimal("0.00"))
    quote = Quote.objects.create(repair_order=order, version=version, under_warranty=bool(free_reason),
                                 warranty_reason=free_reason[:300], total=total, note=note,
                                 created_by=by if getattr(by, "pk", None) else None)
    for line in built:
        line.quote = quote
    QuoteLine.objects.bulk_create(built)
    ticket_event_add(ticket=order.ticket, kind="quote.created", by=by,
                     message=_("报价 v%(v)s：应付 ¥%(total)s") % {"v": version, "total": total},
                     payload={"quote": quote.pk, "version": version, "total": str(total)})
    return quote


def _lock_quote(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("repair_order").get(pk=quote.pk)


@transaction.atomic
def quote_send(*, quote: Quote, by: AbstractBaseUser | None) -> Quote:
    """Ask the customer to approve this version (repair order → awaiting approval, ticket → waiting customer)."""
    quote = _lock_quote(quote)
    order = lock_repair_order(quote.repair_order)
    require_perm(by, "tickets.work_ticket", ticket=order.ticket)
    if quote.status != Quote.Status.DRAFT:
        raise QuoteLocked(_("只有草稿报价可以发送。"))
    if order.quotes.filter(version__gt=quote.version).exists():
        raise QuoteLocked(_("已有更新的报价版本。"))
    quote.status, quote.sent_at = Quote.Status.SENT, timezone.now()
    quote.save(update_fields=["status", "sent_at", "updated_at"])
    order.awaiting_customer_since = timezone.now()
    run_transition(repair_order=order, transition="request_approval", by=by, customer_visible=True,
                   message=_("请确认维修报价：应付 ¥%(total)s") % {"total": quote.total},
                   payload={"quote": quote.pk, "version": quote.version, "total": str(quote.total)})
    return quote


def _close_customer_wait(order: RepairOrder) -> None:
    if order.awaiting_customer_since:
        order.consumer_wait_days += max((timezone.now() - order.awaiting_customer_since).days, 0)
        order.awaiting_customer_since = None


def _reserve_parts(order: RepairOrder, quote: Quote, by: AbstractBaseUser | None) -> list[str]:
    """Reserve the approved part lines at the center's stock; shortages are reported, not fatal."""
    from parts.exceptions import InsufficientStock
    from parts.models import Location
    from parts.services import reservation_create

    location = Location.objects.filter(center_id=order.center_id).order_by("pk").first() if order.center_id else None
    short = []
    for line in quote.lines.select_related("part", "reservation"):
        if line.kind != LineKind.PART or line.part is None:
            continue
        if line.reservation is not None and line.reservation.status == "active":
            continue
        if location is None:
            short.append(line.description)
            continue
        try:
            reservation = reservation_create(part=line.part, location=location, quantity=line.quantity, by=by,
                                             ticket=order.ticket, reference=f"RO-{order.pk}-v{quote.version}")
        except InsufficientStock:
            short.append(line.description)
            continue
        QuoteLine.objects.filter(pk=line.pk).update(reservation=reservation)
    return short


def _check_seen_version(quote: Quote, order: RepairOrder, seen_version: int | None) -> None:
    """The customer answers the version they were shown, and only the newest one: lines added after
    that (a supplement, a re-quote) make a new version that needs its own answer."""
    newer = order.quotes.filter(version__gt=quote.version).exclude(status=Quote.Status.DRAFT).exists()
    if newer or (seen_version is not None and seen_version != quote.version):
        raise QuoteLocked(_("报价已更新，请查看最新报价后再确认。"), code="quote_stale",
                          extra={"version": quote.version})


@transaction.atomic
def quote_approve(*, quote: Quote, signature_png: bytes, signer_name: str, ip: str | None, user_agent: str,
                  by: AbstractBaseUser | None = None, otp_code: str | None = None,
                  seen_version: int | None = None) -> Quote:
    """The customer approves this version with a handwritten signature.

    Stores who (signer name, acting user), when, from where (IP, user agent) and the signature image
    (through ``attachment_add`` kind "signature"); the version is locked from then on. Moves the
    repair order to approved and the ticket back to in-progress, then reserves the quoted parts
    (``parts.services.reservation_create``; a shortage is written to the timeline). Raises
    ValidationFailed for a missing name or an invalid signature image, QuoteLocked if not awaiting
    or if the customer saw another version (``seen_version``) or a newer version exists.

    A customer acting alone (``by=None``, through the tracking link) must prove they hold the
    ticket's phone before money is committed: a paid quote needs a verified one-time SMS code
    (``tickets.otp``), which is used up in this transaction. Staff and technicians (the customer
    signing on the technician's phone) act under their own accounts.
    """
    quote = _lock_quote(quote)
    order = lock_repair_order(quote.repair_order)
    _check_seen_version(quote, order, seen_version)
    if quote.status != Quote.Status.SENT or order.status != RepairOrder.Status.AWAITING_APPROVAL:
        raise QuoteLocked(_("该报价不在待确认状态。"))
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationFailed(_("请填写签字人姓名。"), extra={"field": "signer_name"})
    if not signature_png:
        raise ValidationFailed(_("请手写签名。"), extra={"field": "signature"})
    if by is None and quote.total > 0:
        otp_consume(ticket=order.ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE, code=otp_code)
    signature = attachment_add(ticket=order.ticket, file=signature_png, filename=f"signature-q{quote.pk}.png", by=by,
                               purpose=Attachment.Purpose.OTHER, kind=Attachment.Kind.SIGNATURE,
                               customer_visible=False)
    quote.status, quote.approved_at = Quote.Status.APPROVED, timezone.now()
    quote.approved_by = by if getattr(by, "pk", None) else None
    quote.signer_name, quote.signer_ip = signer_name[:80], ip or None
    quote.signer_user_agent, quote.signature = (user_agent or "")[:300], signature
    quote.save()
    _close_customer_wait(order)
    run_transition(repair_order=order, transition="approve", by=by, customer_visible=True,
                   message=_("客户 %(name)s 已确认报价 v%(v)s（¥%(total)s）")
                   % {"name": signer_name, "v": quote.version, "total": quote.total},
                   payload={"quote": quote.pk, "ip": ip or ""})
    short = _reserve_parts(order, quote, by)
    if short:
        ticket_event_add(ticket=order.ticket, kind="quote.parts_short", by=by,
                         message=_("以下备件库存不足，需调拨或等待到货：%(parts)s") % {"parts": "、".join(short)},
                         payload={"quote": quote.pk, "parts": short})
    return quote


@transaction.atomic
def quote_decline(*, quote: Quote, reason: str, by: AbstractBaseUser | None = None,
                  otp_code: str | None = None, seen_version: int | None = None) -> Quote:
    """The customer refuses the quote: the repair order ends as declined, the ticket resumes for hand-back.

    Like an approval, a paid quote declined by the customer acting alone (``by=None``) needs the
    verified one-time SMS code: refusing ends the repair and sends the device back unrepaired, a
    decision the tracking link alone does not prove the customer made."""
    quote = _lock_quote(quote)
    order = lock_repair_order(quote.repair_order)
    _check_seen_version(quote, order, seen_version)
    if quote.status != Quote.Status.SENT:
        raise QuoteLocked(_("该报价不在待确认状态。"))
    if by is None and quote.total > 0:
        otp_consume(ticket=order.ticket, purpose=OneTimeCode.Purpose.QUOTE_APPROVE, code=otp_code)
    quote.status, quote.declined_at = Quote.Status.DECLINED, timezone.now()
    quote.decline_reason = (reason or "").strip()[:300]
    quote.save(update_fields=["status", "declined_at", "decline_reason", "updated_at"])
    _close_customer_wait(order)
    if order.status == RepairOrder.Status.AWAITING_APPROVAL and order.quotes.filter(
            status=Quote.Status.APPROVED).exists():
        # a supplement was refused: the earlier approved work goes on
        return _supplement_refused(order, quote, by)
    run_transition(repair_order=order, transition="decline", by=by, customer_visible=True,
                   message=_("客户未接受报价，设备将原样返还") + (f"（{quote.decline_reason}）" if quote.decline_reason else ""),
                   payload={"quote": quote.pk})
    return quote


def _supplement_refused(order: RepairOrder, quote: Quote, by: AbstractBaseUser | None) -> Quote:
    run_transition(repair_order=order, transition="approve", by=by, customer_visible=True,
                   message=_("客户未接受追加报价 v%(v)s，按已确认报价继续维修") % {"v": quote.version},
                   payload={"quote": quote.pk, "supplement_refused": True})
    return quote
