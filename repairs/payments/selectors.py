"""Reads of payments: what a ticket owes, what was received, and whether a refund is backed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from repairs.models import Quote, RepairOrder
from repairs.warranty.types import CostBearer, Remedy

from .models import Payment, PaymentDeferral

if TYPE_CHECKING:
    from tickets.models import Ticket


@dataclass(frozen=True)
class Due:
    """The money a ticket's latest repair order asks for, and where its collection stands."""

    repair_order: RepairOrder
    quote: Quote
    amount: Decimal
    settled: Payment | None
    payable_now: bool  # the repair is done and handed back: the customer may pay
    deferral: PaymentDeferral | None = None  # staff let the device go before the money (月结/挂账)

    @property
    def received(self) -> bool:
        return self.settled is not None

    @property
    def releases_device(self) -> bool:
        """The money is in, or a staff member deferred it: the device may be handed back."""
        return self.settled is not None or self.deferral is not None


def _latest_order(ticket_id: int) -> RepairOrder | None:
    return (RepairOrder.objects.filter(ticket_id=ticket_id).select_related("ticket", "center")
            .order_by("-created_at", "-pk").first())


def payment_due(*, ticket: Ticket, repair_order: RepairOrder | None = None) -> Due | None:
    """The approved quote of the ticket's latest repair order when it asks for money, else None.

    A repair is paid at hand-back: the customer may pay once the repair has passed quality check;
    a declined quote, a 三包 replacement or refund, or a free repair asks for nothing.
    """
    order = repair_order or _latest_order(ticket.pk)
    if order is None or order.status in (RepairOrder.Status.DECLINED, RepairOrder.Status.REPLACED,
                                         RepairOrder.Status.REFUNDED):
        return None
    quote = (Quote.objects.filter(repair_order_id=order.pk, status=Quote.Status.APPROVED)
             .order_by("-version").first())
    if quote is None or quote.total <= 0:
        return None
    settled = (Payment.objects.filter(repair_order_id=order.pk, status__in=Payment.SETTLED)
               .select_related("quote").first())
    deferral = None
    if settled is None:
        deferral = (PaymentDeferral.objects.filter(repair_order_id=order.pk, quote_id=quote.pk)
                    .select_related("recorded_by").first())
    return Due(repair_order=order, quote=quote, amount=quote.total, settled=settled,
               payable_now=order.status == RepairOrder.Status.PASSED, deferral=deferral)


def payment_due_memo(*, ticket: Ticket, memo: dict | None) -> Due | None:
    """``payment_due`` read once per page render (``memo`` is that render's dict)."""
    if memo is None:
        return payment_due(ticket=ticket)
    key = f"payments.due:{ticket.pk}"
    if key not in memo:
        memo[key] = payment_due(ticket=ticket)
    return memo[key]


def payment_list_for_ticket(*, ticket: Ticket) -> list[Payment]:
    return list(Payment.objects.filter(ticket_id=ticket.pk).prefetch_related("refunds").order_by("-created_at"))


def invoice_refusal(ticket: Ticket, memo: dict | None = None) -> str | None:
    """The hub's invoice gate: an e-invoice states money received, so a repair that asks for money
    can be invoiced only once it is paid (and not once it is refunded in full)."""
    due = payment_due_memo(ticket=ticket, memo=memo)
    if due is None:
        return None
    if due.settled is None:
        return _("维修费用付款后才能申请发票。")
    if due.settled.status == Payment.Status.REFUNDED:
        return _("维修费用已全额退款，无需开具发票。")
    return None


def handback_refusal(*, ticket: Ticket, memo: dict | None = None) -> str | None:
    """Why the device may not be handed back (the ticket resolved) yet, or None.

    A repair that asks for money is handed back once the money is received (online, cash or
    transfer) or a staff member deferred it (月结/挂账); a free repair, a declined quote and a 三包
    replacement or refund ask for nothing.
    """
    due = payment_due_memo(ticket=ticket, memo=memo)
    if due is None or due.releases_device:
        return None
    return _("维修费用 %(amount)s 尚未收款，不能交机或解决工单：请客户在进度页在线支付，或登记现金、转账收款；"
             "企业月结或挂账须由网点经理登记暂缓收款。") % {"amount": f"¥{due.amount:.2f}"}


def refund_basis(*, repair_order: RepairOrder) -> str | None:
    """Why the 三包 decision owes the customer the repair fee back, or None when it does not.

    The fee is returned when the decision puts the cost on someone other than the consumer (a free
    三包 repair after all) or settles the claim by refund or exchange, where no repair is charged.
    """
    if repair_order.decision_status not in ("decided", "substituted"):
        return None
    remedy, payer = repair_order.decided_remedy, repair_order.decided_payer
    if remedy in (*Remedy.REFUNDS, Remedy.EXCHANGE, Remedy.FREE_REPAIR):
        return str(Remedy.LABELS[remedy])
    if payer and payer != CostBearer.CONSUMER:
        return _("费用由%(payer)s承担") % {"payer": CostBearer.LABELS.get(payer, payer)}
    return None
