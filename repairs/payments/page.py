"""The payment panel of the customer's progress page (one context function, one include template:
``payments/_progress.html``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _

from .keys import online_methods
from .models import Payment, Refund
from .selectors import payment_due_memo

if TYPE_CHECKING:
    from tickets.models import Ticket


def payment_panel(*, ticket: Ticket, memo: dict | None = None) -> dict[str, Any] | None:
    """What the customer owes for the repair and where it stands, or None when nothing is charged."""
    due = payment_due_memo(ticket=ticket, memo=memo)
    if due is None:
        return None
    panel: dict[str, Any] = {"amount": f"¥{due.amount:.2f}", "state": "not_yet", "label": _("待维修完成后支付"),
                             "pay_url": "", "method": "", "paid_at": None, "refunds": []}
    settled = due.settled
    if settled is not None:
        panel.update(state=settled.status, label=settled.get_status_display(), method=settled.get_method_display(),
                     paid_at=settled.paid_at)
        panel["refunds"] = [{"amount": f"¥{r.amount:.2f}", "status": r.get_status_display(), "at": r.succeeded_at}
                            for r in Refund.objects.filter(payment=settled).order_by("created_at")]
        if settled.refunded_amount:
            panel["refunded"] = f"¥{settled.refunded_amount:.2f}"
    elif due.deferral is not None:
        # a corporate account settles monthly: the customer is told, and may still pay here
        panel["deferred"] = _("本次费用按%(kind)s处理，可稍后结算") % {"kind": due.deferral.get_kind_display()}
    if settled is None and due.payable_now and online_methods():
        panel.update(state=Payment.Status.PENDING, label=_("待支付"),
                     pay_url=reverse("payments:pay", kwargs={"token": ticket.tracking_token}))
    return panel
