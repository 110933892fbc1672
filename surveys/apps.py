from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

INVITATION_ZH = ("【售后服务】{{ customer.name }}您好，工单 {{ ticket.number }} 已完成，请花 1 分钟评价本次服务："
                 "{{ survey_url }}（{{ days }} 天内有效）")
INVITATION_EN = ("[After-sales] Dear {{ customer.name }}, ticket {{ ticket.number }} is complete. Please rate our "
                 "service in one minute: {{ survey_url }} (valid for {{ days }} days)")
REMINDER_ZH = ("【售后服务】提醒：您还未评价工单 {{ ticket.number }} 的服务，您的意见对我们很重要："
               "{{ survey_url }}（{{ expires_at|date:'m月d日' }} 截止）")
REMINDER_EN = ("[After-sales] Reminder: please rate the service of ticket {{ ticket.number }}: {{ survey_url }} "
               "(until {{ expires_at|date:'M d' }})")


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("满意度调查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.apps import import_receivers

        import_receivers(self.name)
        self._register_templates()

    @staticmethod
    def _register_templates() -> None:
        from tickets.outbox.templates import register_default

        for channel in ("sms", "wechat", "email"):
            register_default("survey.invitation", channel=channel,
                             zh_subject="请评价工单 {{ ticket.number }} 的服务", zh_body=INVITATION_ZH,
                             en_subject="How did we do on ticket {{ ticket.number }}?", en_body=INVITATION_EN)
            register_default("survey.reminder", channel=channel,
                             zh_subject="提醒：请评价工单 {{ ticket.number }} 的服务", zh_body=REMINDER_ZH,
                             en_subject="Reminder: rate ticket {{ ticket.number }}", en_body=REMINDER_EN)
