from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

LOW_STOCK_ZH = "以下备件已低于补货点：\n{% for line in lines %}- {{ line }}\n{% endfor %}请及时补货或安排调拨。"
LOW_STOCK_EN = ("These parts are at or below their reorder point:\n{% for line in lines_en %}- {{ line }}\n"
                "{% endfor %}Please reorder or arrange a transfer.")


class PartsConfig(AppConfig):
    name = "parts"
    verbose_name = _("备件")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.apps import import_receivers

        import_receivers(self.name)
        from .events import register_kinds

        register_kinds()
        self._register_templates()

    @staticmethod
    def _register_templates() -> None:
        from tickets.outbox.templates import register_default

        for channel in ("email", "sms"):
            register_default("parts.low_stock", channel=channel,
                             zh_subject="【缺货预警】{{ count }} 项备件低于补货点", zh_body=LOW_STOCK_ZH,
                             en_subject="[Low stock] {{ count }} part(s) below reorder point", en_body=LOW_STOCK_EN)
