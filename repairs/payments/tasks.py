"""django-q2 tasks of payments (ids in, services do the work)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Payment, Refund
from .services import payment_refund


def refund_duplicate(payment_id: int) -> None:
    """Refund a second charge of an already paid repair in full, by the original route."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.DUPLICATE).first()
    if payment is None or payment.refundable <= 0:
        return
    payment_refund(payment=payment, amount=payment.refundable, reason=_("重复支付退款"), by=None,
                   basis=Refund.Basis.DUPLICATE)
