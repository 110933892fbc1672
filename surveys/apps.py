from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# One SMS segment; the link stands alone at the end so a phone's link detector takes nothing along.
REMINDER_ZH = "【售后服务】提醒：请评价本次服务（{{ expires_at|date:'n月j日' }}截止） {{ survey_url }}"
REMINDER_EN = "[After-sales] Reminder: please rate our service (until {{ expires_at|date:'M j' }}) {{ survey_url }}"


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("满意度调查")
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

        for channel in ("sms", "wechat", "email"):
            register_default("survey.reminder", channel=channel,
                             zh_subject="提醒：请评价工单 {{ ticket.number }} 的服务", zh_body=REMINDER_ZH,
                             en_subject="Reminder: rate ticket {{ ticket.number }}", en_body=REMINDER_EN)
        for channel in ("sms", "email"):
            register_default(
                "survey.follow_up", channel=channel,
                zh_subject="待回访：工单 {{ ticket.number }}（{{ reason }}）",
                zh_body="【回访】工单 {{ ticket.number }} 的客户评价为{{ reason }}：{{ comment }}。"
                        "请在 {{ due|date:'m-d H:i' }} 前完成回访并记录结果。",
                en_subject="Follow-up needed: ticket {{ ticket.number }} ({{ reason }})",
                en_body="[Follow-up] The customer of ticket {{ ticket.number }} was dissatisfied ({{ reason }}): "
                        "{{ comment }}. Call back before {{ due|date:'M d H:i' }} and record the outcome.",
            )
            register_default(
                "survey.training_alert", channel=channel,
                zh_subject="培训预警：{{ technician }}",
                zh_body="【培训预警】工程师 {{ technician }} 近 {{ days }} 天收到 {{ count }} 次投诉，请安排培训。",
                en_subject="Training alert: {{ technician }}",
                en_body="[Training] Technician {{ technician }} received {{ count }} complaints in {{ days }} days; "
                        "please arrange training.",
            )
