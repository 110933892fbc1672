from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DELAY_WARNING_ZH = "{{ message }}\n工单 {{ ticket.number }}，维修单 RO-{{ repair_order_id }}，依据：{{ clause }}"
DELAY_WARNING_EN = ("{{ message }}\nTicket {{ ticket.number }}, repair order RO-{{ repair_order_id }}, "
                    "rule: {{ clause }}")


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = _("维修")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.apps import import_receivers

        import_receivers(self.name)
        from .events import register_kinds

        register_kinds()
        from tickets.intake.estimate import estimator_register

        from .services.pricing import ticket_estimate

        estimator_register(ticket_estimate)
        from tickets.reference import reference_watch

        from .models import PriceListItem, WarrantyRuleSet

        # Every intake prices its report and previews 三包: the process keeps both for a short while.
        reference_watch(PriceListItem, "price_range")
        reference_watch(WarrantyRuleSet, "warranty_rules")
        self._register_templates()
        self._register_centers_finder()
        from tickets.guards import guard_register

        from .guards import job_parts_guard, open_repair_order_guard

        guard_register("repairs.open_repair_order", open_repair_order_guard)
        guard_register("repairs.job_parts_reconciled", job_parts_guard)

    @staticmethod
    def _register_centers_finder() -> None:
        from repairs.dispatch.selectors import centers_for_place
        from tickets.coverage import register_centers_finder

        register_centers_finder(centers_for_place)

    @staticmethod
    def _register_templates() -> None:
        from tickets.outbox.templates import register_default

        for channel in ("email", "sms"):
            register_default("repair.delay_warning", channel=channel,
                             zh_subject="【三包预警】工单 {{ ticket.number }}：{{ label }}", zh_body=DELAY_WARNING_ZH,
                             en_subject="[Warranty alert] ticket {{ ticket.number }}: {{ label }}",
                             en_body=DELAY_WARNING_EN)
