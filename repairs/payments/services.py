"""Writes of payments: start an online payment, settle it from the gateway's verified
notification, record cash or transfer, and refund.

Every write locks the repair order's row first, so two starts, two notifications or a notification
and a counter payment are serialised per repair; the partial unique index on settled payments is
the last word that a repair is never charged twice. Gateway calls run outside the database
transaction: a slow gateway never holds a lock, and a failed call leaves a row that says so.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.models import RepairOrder
from tickets import policy
from tickets.exceptions import InvalidTransition, ValidationFailed
from tickets.lifecycle import after_commit
from tickets.links import site_base, site_url
from tickets.masking import mask_email, mask_phone
from tickets.services import ticket_event_add

from .exceptions import AlreadyPaid, GatewayError, NothingToPay
from .gateways import Notice, RefundNotice, RefundResult, gateway_for
from .keys import online_methods
from .models import Payment, PaymentDeferral, PaymentNotification, Refund
from .selectors import Due, payment_due, refund_basis

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from tickets.models import Ticket

logger = logging.getLogger(__name__)

METHOD_GATEWAY = {Payment.Method.WECHAT_NATIVE: "wechat", Payment.Method.WECHAT_JSAPI: "wechat",
                  Payment.Method.ALIPAY: "alipay"}


def _trade_no(prefix: str) -> str:
    return f"{prefix}{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def _money(amount: Decimal) -> str:
    return f"¥{amount:.2f}"


def _lock_due(*, ticket: Ticket) -> Due:
    order = (RepairOrder.objects.select_for_update().filter(ticket_id=ticket.pk)
             .order_by("-created_at", "-pk").first())
    due = payment_due(ticket=ticket, repair_order=order) if order is not None else None
    if due is None:
        raise NothingToPay()
    if due.settled is not None:
        raise AlreadyPaid()
    return due


def _description(ticket: Ticket) -> str:
    return _("维修费用 %(number)s") % {"number": ticket.number}


@transaction.atomic
def _payment_open(*, ticket: Ticket, method: str) -> Payment:
    due = _lock_due(ticket=ticket)
    if not due.payable_now:
        raise InvalidTransition(_("维修完成并通过质检后才能付款。"))
    # a reloaded page or a second tap reuses the open attempt rather than ordering again
    reuse = (Payment.objects.filter(repair_order=due.repair_order, method=method, status=Payment.Status.PENDING,
                                    quote=due.quote, amount=due.amount).exclude(checkout_url="")
             .order_by("-created_at").first())
    if reuse is not None:
        return reuse
    return Payment.objects.create(ticket=ticket, repair_order=due.repair_order, quote=due.quote, method=method,
                                  amount=due.amount, out_trade_no=_trade_no("RP"))


def payment_start(*, ticket: Ticket, method: str, return_url: str = "", openid: str = "") -> Payment:
    """Open an online payment of the ticket's approved quote and order it at the gateway.

    Guarantees: the amount is the approved quote's total; a repair already paid is refused
    (AlreadyPaid); an open attempt with the same method and amount is reused, not ordered twice.
    Returns the payment with ``checkout_url`` (WeChat's code_url, or Alipay's cashier address); for
    JSAPI the signed bridge parameters are in ``payment.jsapi`` (not stored). Raises NothingToPay,
    InvalidTransition, ValidationFailed or GatewayError (the attempt is then closed).
    """
    if method not in METHOD_GATEWAY:
        raise ValidationFailed(_("请选择微信支付或支付宝。"))
    if METHOD_GATEWAY[method] not in online_methods():
        raise ValidationFailed(_("本网点未开通该在线支付方式，请在取机时现场付款。"))
    if method == Payment.Method.WECHAT_JSAPI and not openid:
        raise ValidationFailed(_("请在微信中打开本页面后付款。"))
    payment = _payment_open(ticket=ticket, method=method)
    if payment.checkout_url and method != Payment.Method.WECHAT_JSAPI:
        return payment
    base = site_base()
    gateway = gateway_for(method, base_url=base)
    notify_url = base + reverse(f"payments:notify_{METHOD_GATEWAY[method]}")
    try:
        if method == Payment.Method.WECHAT_NATIVE:
            checkout = gateway.create_native(out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
                                             description=_description(ticket), notify_url=notify_url)
        elif method == Payment.Method.WECHAT_JSAPI:
            payment.jsapi = gateway.create_jsapi(out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
                                                 description=_description(ticket), notify_url=notify_url,
                                                 openid=openid)
            checkout = payment.jsapi["package"]
        else:
            checkout = gateway.create_wap(out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
                                          subject=_description(ticket), notify_url=notify_url,
                                          return_url=return_url or site_url(ticket.get_tracking_url()))
    except GatewayError:
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.PENDING).update(
            status=Payment.Status.CLOSED, note=_("下单失败"), updated_at=timezone.now())
        raise
    Payment.objects.filter(pk=payment.pk).update(checkout_url=checkout[:2000], updated_at=timezone.now())
    payment.checkout_url = checkout[:2000]
    return payment


@transaction.atomic
def payment_notify(*, notice: Notice) -> str:
    """Apply a verified gateway notification; returns what happened (for the log and the answer).

    Guarantees: the same notification twice changes nothing (``duplicate_notification``); a
    notification whose amount differs from the order's is recorded for staff and settles nothing
    (``amount_mismatch``); a success on a repair that is already paid marks this charge
    ``duplicate`` and schedules its full refund after commit. A settled payment writes a
    customer-visible event, pushed to the live page after commit.
    """
    try:
        with transaction.atomic():
            record = PaymentNotification.objects.create(gateway=notice.gateway, notify_id=notice.notify_id,
                                                        out_trade_no=notice.out_trade_no, outcome="received",
                                                        payload=notice.raw)
    except IntegrityError:
        return "duplicate_notification"
    outcome = _apply(notice)
    record.outcome = outcome
    record.save(update_fields=["outcome"])
    return outcome


@transaction.atomic
def refund_notify(*, notice: RefundNotice) -> str:
    """Apply a verified notification of a refund's outcome (a refund the gateway first answered
    ``PROCESSING``). The same notification twice changes nothing; a refund already settled stays as
    it is; an amount other than the refund's settles nothing."""
    try:
        with transaction.atomic():
            record = PaymentNotification.objects.create(gateway=notice.gateway, notify_id=notice.notify_id,
                                                        out_trade_no=notice.raw.get("out_trade_no", "")[:32],
                                                        outcome="received", payload=notice.raw)
    except IntegrityError:
        return "duplicate_notification"
    refund = Refund.objects.filter(out_refund_no=notice.out_refund_no).select_related("payment").first()
    if refund is None:
        outcome = "unknown_refund"
    elif refund.status != Refund.Status.PENDING:
        outcome = "already_settled"
    elif notice.refund_fen != int(refund.amount * 100):
        outcome = "amount_mismatch"
    else:
        _refund_settle(refund=refund, result=RefundResult(
            succeeded=notice.succeeded, pending=False, gateway_refund_no=notice.gateway_refund_no,
            failure="" if notice.succeeded else notice.status))
        outcome = "refund_succeeded" if notice.succeeded else "refund_failed"
    record.outcome = outcome
    record.save(update_fields=["outcome"])
    return outcome


def _apply(notice: Notice) -> str:
    payment = Payment.objects.filter(out_trade_no=notice.out_trade_no).only("repair_order_id").first()
    if payment is None:
        return "unknown_order"
    RepairOrder.objects.select_for_update().filter(pk=payment.repair_order_id).first()
    payment = Payment.objects.select_related("ticket").get(pk=payment.pk)
    if METHOD_GATEWAY.get(payment.method) != notice.gateway:
        return "unknown_order"
    if not notice.paid:
        return "not_paid"
    if payment.status in (*Payment.SETTLED, Payment.Status.DUPLICATE):
        return "already_settled"
    if notice.amount_fen != payment.amount_fen:
        ticket_event_add(ticket=payment.ticket, kind="payment.mismatch",
                         message=_("支付通知金额 %(got)s 与订单金额 %(want)s 不符，未入账") % {
                             "got": _money(Decimal(notice.amount_fen) / 100), "want": _money(payment.amount)},
                         payload={"payment_id": payment.pk, "notified_fen": notice.amount_fen})
        return "amount_mismatch"
    payment.gateway_trade_no = notice.trade_no[:64]
    payment.payer = _mask_payer(notice.payer)
    payment.paid_at = timezone.now()
    other = (Payment.objects.filter(repair_order_id=payment.repair_order_id, status__in=Payment.SETTLED)
             .exclude(pk=payment.pk).exists())
    if other:
        payment.status = Payment.Status.DUPLICATE
        payment.save(update_fields=["status", "gateway_trade_no", "payer", "paid_at", "updated_at"])
        ticket_event_add(ticket=payment.ticket, kind="payment.duplicate",
                         message=_("%(method)s 重复支付 %(amount)s，将原路全额退款") % {
                             "method": payment.get_method_display(), "amount": _money(payment.amount)},
                         payload={"payment_id": payment.pk})
        after_commit(_schedule_duplicate_refund, payment.pk)
        return "duplicate_charge"
    payment.status = Payment.Status.PAID
    payment.save(update_fields=["status", "gateway_trade_no", "payer", "paid_at", "updated_at"])
    _received_event(payment, by=None)
    return "paid"


def _mask_payer(value: str) -> str:
    if not value:
        return ""
    if "@" in value:
        return mask_email(value)
    if value.isdigit():
        return mask_phone(value)
    return value[:4] + "***" + value[-4:] if len(value) > 10 else value


def _received_event(payment: Payment, *, by: AbstractBaseUser | None) -> None:
    ticket_event_add(ticket=payment.ticket, kind="payment.received", by=by,
                     message=_("已收到维修费用 %(amount)s（%(method)s）") % {
                         "amount": _money(payment.amount), "method": payment.get_method_display()},
                     payload={"payment_id": payment.pk, "method": payment.method, "amount": str(payment.amount)})


def _schedule_duplicate_refund(payment_id: int) -> None:
    from django_q.tasks import async_task

    async_task("repairs.payments.tasks.refund_duplicate", payment_id)


@transaction.atomic
def payment_record_offline(*, ticket: Ticket, method: str, amount: Decimal, reference: str,
                           by: AbstractBaseUser, note: str = "") -> Payment:
    """Staff record money taken at the counter (cash) or received by bank transfer.

    Guarantees: only staff with ``payments.add_payment`` in the repair's centre; the amount equals
    the approved quote's total; a repair already paid is refused. Writes the customer-visible
    ``payment.received`` event. Raises PermissionDeniedError, ValidationFailed, NothingToPay or
    AlreadyPaid; nothing changes then.
    """
    if method not in (Payment.Method.CASH, Payment.Method.TRANSFER):
        raise ValidationFailed(_("请选择现金或银行转账。"))
    due = _lock_due(ticket=ticket)
    policy.require(by, "payments.add_payment", due.repair_order,
                   message=_("您没有登记收款的权限。"))
    if amount is None or Decimal(amount) != due.amount:
        raise ValidationFailed(_("收款金额须与已确认报价 %(total)s 一致。") % {"total": _money(due.amount)},
                               extra={"field": "amount"})
    reference = (reference or "").strip()
    if method == Payment.Method.TRANSFER and not reference:
        raise ValidationFailed(_("请填写转账流水号。"), extra={"field": "reference"})
    payment = Payment.objects.create(ticket=ticket, repair_order=due.repair_order, quote=due.quote, method=method,
                                     amount=due.amount, out_trade_no=_trade_no("RC"), status=Payment.Status.PAID,
                                     paid_at=timezone.now(), reference=reference[:60], note=(note or "")[:200],
                                     recorded_by=by)
    _received_event(payment, by=by)
    return payment


@transaction.atomic
def payment_defer(*, ticket: Ticket, kind: str, reason: str, by: AbstractBaseUser) -> PaymentDeferral:
    """A staff member lets a paid repair be handed back before its money: a corporate account
    settled monthly (月结) or a charge put on account (挂账).

    Guarantees: only staff with ``payments.add_paymentdeferral`` in the repair's centre; a reason is
    required; a repair already paid needs no deferral (AlreadyPaid); deferring the same quote again
    returns the first deferral and writes nothing. Writes a staff ``payment.deferred`` event on the
    ticket's timeline; the payment is still recorded when the money comes. Raises
    PermissionDeniedError, ValidationFailed, NothingToPay or AlreadyPaid; nothing changes then.
    """
    if kind not in PaymentDeferral.Kind.values:
        raise ValidationFailed(_("请选择月结或挂账。"), extra={"field": "kind"})
    due = _lock_due(ticket=ticket)
    policy.require(by, "payments.add_paymentdeferral", due.repair_order,
                   message=_("您没有登记暂缓收款（月结/挂账）的权限。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写暂缓收款的原因（如月结协议编号）。"), extra={"field": "reason"})
    existing = PaymentDeferral.objects.filter(repair_order=due.repair_order, quote=due.quote).first()
    if existing is not None:
        return existing
    deferral = PaymentDeferral.objects.create(ticket=ticket, repair_order=due.repair_order, quote=due.quote,
                                              kind=kind, amount=due.amount, reason=reason[:200], recorded_by=by)
    ticket_event_add(ticket=ticket, kind="payment.deferred", by=by,
                     message=_("维修费用 %(amount)s 暂缓收款（%(kind)s）：%(reason)s") % {
                         "amount": _money(due.amount), "kind": deferral.get_kind_display(),
                         "reason": deferral.reason},
                     payload={"deferral_id": deferral.pk, "kind": kind, "amount": str(due.amount)})
    return deferral


@transaction.atomic
def _refund_open(*, payment: Payment, amount: Decimal, reason: str, basis: str,
                 by: AbstractBaseUser | None) -> Refund:
    RepairOrder.objects.select_for_update().filter(pk=payment.repair_order_id).first()
    locked = Payment.objects.select_related("repair_order", "ticket").get(pk=payment.pk)
    policy.require(by, "payments.add_refund", locked.repair_order, message=_("您没有办理退款的权限。"))
    if basis == Refund.Basis.DUPLICATE:
        if locked.status != Payment.Status.DUPLICATE:
            raise InvalidTransition(_("只有重复支付的款项可按重复支付退款。"))
    else:
        if locked.status not in (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED):
            raise InvalidTransition(_("该笔收款当前不能退款（%(state)s）。") % {"state": locked.get_status_display()})
        if refund_basis(repair_order=locked.repair_order) is None:
            raise InvalidTransition(_("退款须依据三包处理决定（退货、换货、免费维修或费用不由消费者承担）。"))
    if locked.refunds.filter(status=Refund.Status.PENDING).exists():
        raise InvalidTransition(_("该笔收款有进行中的退款，请稍后再试。"))
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationFailed(_("请输入有效的退款金额。"), extra={"field": "amount"})
    if amount <= 0 or amount > locked.refundable:
        raise ValidationFailed(_("退款金额须大于 0 且不超过可退金额 %(left)s。") % {"left": _money(locked.refundable)},
                               extra={"field": "amount"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写退款原因。"), extra={"field": "reason"})
    return Refund.objects.create(payment=locked, amount=amount, basis=basis, reason=reason[:200],
                                 out_refund_no=_trade_no("RF"), requested_by=by)


def payment_refund(*, payment: Payment, amount: Decimal, reason: str, by: AbstractBaseUser | None,
                   basis: str = Refund.Basis.WARRANTY) -> Refund:
    """Return money on a settled payment, as the 三包 decision of its repair order owes it (or a
    duplicate charge in full).

    Guarantees: ``payments.add_refund`` in the repair's centre (``by=None`` is the system, for
    duplicates); a warranty refund needs a decision that puts the cost off the consumer; the total
    refunded never exceeds the payment; one refund at a time per payment. Online payments are
    refunded through their gateway by the original route; cash and transfer refunds are paid out
    by staff and recorded as done. Raises PermissionDeniedError, InvalidTransition, ValidationFailed
    or GatewayError (the refund is then marked failed).
    """
    refund = _refund_open(payment=payment, amount=amount, reason=reason, basis=basis, by=by)
    payment = refund.payment
    if not payment.is_online:
        return _refund_settle(refund=refund, result=RefundResult(succeeded=True, pending=False))
    gateway = gateway_for(payment.method, base_url=site_base())
    try:
        result = gateway.refund(out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no,
                                refund_fen=int(refund.amount * 100), total_fen=payment.amount_fen,
                                reason=refund.reason, notify_url=site_base() + reverse("payments:notify_wechat"))
    except GatewayError as exc:
        _refund_settle(refund=refund, result=RefundResult(succeeded=False, pending=False, failure=str(exc)))
        raise
    return _refund_settle(refund=refund, result=result)


@transaction.atomic
def _refund_settle(*, refund: Refund, result: RefundResult) -> Refund:
    refund = Refund.objects.select_for_update().select_related("payment__ticket").get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    refund.gateway_refund_no = result.gateway_refund_no[:64]
    if result.pending:
        refund.save(update_fields=["gateway_refund_no", "updated_at"])
        return refund
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    if not result.succeeded:
        refund.status, refund.failure = Refund.Status.FAILED, result.failure[:300]
        refund.save(update_fields=["status", "failure", "gateway_refund_no", "updated_at"])
        ticket_event_add(ticket=refund.payment.ticket, kind="payment.refund_failed",
                         message=_("退款 %(amount)s 失败：%(why)s") % {"amount": _money(refund.amount),
                                                                      "why": refund.failure or "-"},
                         payload={"refund_id": refund.pk})
        return refund
    refund.status, refund.succeeded_at = Refund.Status.SUCCEEDED, timezone.now()
    refund.save(update_fields=["status", "succeeded_at", "gateway_refund_no", "updated_at"])
    payment.refunded_amount += refund.amount
    if payment.status != Payment.Status.DUPLICATE:
        payment.status = (Payment.Status.REFUNDED if payment.refunded_amount >= payment.amount
                          else Payment.Status.PARTIALLY_REFUNDED)
    payment.save(update_fields=["refunded_amount", "status", "updated_at"])
    ticket_event_add(ticket=refund.payment.ticket, kind="payment.refunded",
                     message=_("已退款 %(amount)s，将原路退回（%(method)s）") % {
                         "amount": _money(refund.amount), "method": payment.get_method_display()},
                     payload={"refund_id": refund.pk, "basis": refund.basis})
    return refund
