from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "repairs.payments"
    label = "payments"
    verbose_name = _("收款与退款")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.guards import guard_register
        from tickets.progress.services import invoice_gate_register

        from .events import register_kinds
        from .guards import handback_payment_guard
        from .selectors import invoice_refusal

        register_kinds()
        # an e-invoice states money received: the hub asks us whether it was
        invoice_gate_register("payments.received", invoice_refusal)
        # a paid repair is handed back (the ticket resolved) only once its money is in or deferred
        guard_register("payments.handback", handback_payment_guard)
