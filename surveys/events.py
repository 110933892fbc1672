"""Event kinds written by satisfaction surveys on a ticket's timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.events import register


def register_kinds() -> None:
    # The invitation is a customer milestone: the open progress page shows it at once.
    register("survey.sent", _("已发送满意度调查邀请"), customer_visible=True)
    register("survey.answered", _("客户已提交满意度评价"), customer_visible=False)
    register("survey.follow_up_opened", _("已安排回访"), customer_visible=False)
    register("survey.follow_up_closed", _("回访完成"), customer_visible=False)
