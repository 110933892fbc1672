"""Home panel of surveys: call-backs due to dissatisfied customers (agents and the centre managers)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_home import ROWS, Panel, capped_count, change_link, changelist, panel
from tickets.roles import AGENT, MANAGER

from .models import FollowUp


@panel(AGENT, MANAGER)
def callbacks_due(request) -> Panel | None:
    if not policy.can(request.user, "surveys.view_followup"):
        return None
    qs = policy.scope_queryset(request.user, FollowUp.objects.exclude(status=FollowUp.Status.CLOSED))
    now = timezone.now()
    rows = []
    for f in qs.select_related("ticket", "center").order_by("due_at")[:ROWS]:
        due = timezone.localtime(f.due_at).strftime("%m-%d %H:%M")
        rows.append([change_link(f.ticket, f.ticket.number), f.get_reason_display(), f.get_status_display(),
                     str(f.center or "—"), format_html('<span class="{}">{}</span>',
                                                       "bo-bad" if f.due_at < now else "bo-ok", due)])
    return Panel(title=_("待回访（投诉与低分）"), url=changelist("surveys.followup"), count=capped_count(qs),
                 headers=[_("工单"), _("原因"), _("状态"), _("网点"), _("回访截止")], rows=rows, empty=_("没有待回访"))
