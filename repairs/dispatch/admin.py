"""The dispatcher queue: tickets waiting for a technician, most urgent SLA first, with actions to
auto-dispatch and a page per ticket to pick a candidate (seeing each one's score breakdown), and the
assignment log (imported by repairs/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from repairs.models import Technician
from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin
from tickets.exceptions import DomainError
from tickets.models import DispatchQueueTicket, Ticket, TicketAssignment
from tickets.sla.admin import COLOURS, warn_missing_calendar
from tickets.sla.selectors import urgency_colour

from .selectors import assignment_explain, dispatch_candidates, dispatch_eliminations, dispatch_queue
from .services import dispatch_auto, dispatch_to

DISPATCH_PERM = "tickets.assign_ticket"

PICK_TEMPLATE = engines["django"].from_string("""{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main">
<h2>{{ ticket.number }} · {{ ticket.title }}</h2>
<p>{% translate "客户" %}：{{ ticket.customer }}（{{ ticket.customer.get_tier_display }}）
 · {% translate "故障" %}：{{ ticket.fault_category|default:"-" }}
 · {% translate "地区" %}：{{ place_label|default:"-" }}
 · {% translate "服务网点" %}：{{ ticket.service_center|default:"-" }}
 · {% translate "解决截止" %}：{{ ticket.due_resolution_at|default:"-" }}</p>
{% if candidates %}
<table><thead><tr><th>{% translate "工程师" %}</th><th>{% translate "总分" %}</th><th>{% translate "距离" %}</th>
<th>{% translate "负载" %}</th><th>{% translate "等级" %}</th><th>{% translate "评分" %}</th>
<th>{% translate "客户等级" %}</th><th></th></tr></thead><tbody>
{% for c in candidates %}<tr><td>{{ c.name }}</td><td><b>{{ c.score }}</b></td>
<td>{% if c.breakdown.distance.km is not None %}{{ c.breakdown.distance.km }} km{% else %}{% translate "距离未知" %}{% endif %}（{{ c.breakdown.distance.points }}）</td>
<td>{{ c.breakdown.load.open }}/{{ c.breakdown.load.capacity }}（{{ c.breakdown.load.points }}）</td>
<td>{{ c.breakdown.skill.level }}（{{ c.breakdown.skill.points }}）</td>
<td>{{ c.breakdown.rating.rating }}（{{ c.breakdown.rating.points }}）</td>
<td>{{ c.breakdown.tier.points }}</td>
<td><form method="post">{% csrf_token %}<input type="hidden" name="technician" value="{{ c.technician_id }}">
<input type="submit" class="default" value="{% translate '派给 TA' %}"></form></td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{% translate "没有符合条件的工程师。" %}</p>{% endif %}
{% if eliminations %}<h3>{% translate "未入选的工程师及原因" %}</h3>
<table><thead><tr><th>{% translate "原因" %}</th><th>{% translate "人数" %}</th><th>{% translate "工程师" %}</th></tr></thead><tbody>
{% for e in eliminations %}<tr class="elimination-{{ e.criterion }}"><td>{{ e.label }}</td><td>{{ e.count }}</td>
<td>{{ e.names|join:"、" }}{% if e.more %}{% blocktranslate count n=e.more %} 等另 {{ n }} 人{% plural %} 等另 {{ n }} 人{% endblocktranslate %}{% endif %}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<p><a href="{{ back }}">{% translate "返回派工队列" %}</a></p>
</div>{% endblock %}""")


@admin.register(DispatchQueueTicket)
class DispatchQueueAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "customer_tier", "fault_category", "product_model", "city", "sla",
                    "status", "created_at", "pick")
    list_filter = ("status", "fault_category", "priority")
    search_fields = ("=number", "customer__name", "=customer__phone")
    list_per_page = 50
    show_full_result_count = False
    actions = ["auto_dispatch"]

    def get_queryset(self, request):
        return policy.scope_queryset(request.user, dispatch_queue())

    def get_ordering(self, request):
        return ()  # the selector's SLA-urgency order

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(DISPATCH_PERM)

    def has_module_permission(self, request):
        return request.user.has_perm(DISPATCH_PERM)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("客户等级"), ordering="vip_rank")
    def customer_tier(self, obj: Ticket) -> str:
        label = obj.customer.get_tier_display()
        return format_html("<b>{}</b>", label) if obj.customer.is_vip else label

    @admin.display(description=_("SLA 剩余"), ordering="due_resolution_at")
    def sla(self, obj: Ticket) -> str:
        if obj.due_resolution_at is None:
            return "-"
        hours = (obj.due_resolution_at - timezone.now()).total_seconds() / 3600
        text = gettext("超时 %(h).1f 小时") % {"h": -hours} if hours < 0 else gettext("%(h).1f 小时") % {"h": hours}
        return format_html('<b style="color:{}">{}</b>', COLOURS[urgency_colour(obj.due_resolution_at)], text)

    @admin.display(description=_("派工"))
    def pick(self, obj: Ticket) -> str:
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:tickets_dispatchqueueticket_pick", args=[obj.pk]), gettext("选择工程师"))

    @admin.action(description=_("自动派工（得分最高者）"))
    def auto_dispatch(self, request, queryset):
        done = failed = 0
        for ticket in queryset:
            try:
                assignment = dispatch_auto(ticket=ticket, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{ticket.number}: {exc}", messages.ERROR)
                failed += 1
                continue
            if assignment is None:
                failed += 1
                self.message_user(request, gettext("%(n)s：没有可派工程师，已通知网点经理。") % {"n": ticket.number},
                                  messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("已派工 %(n)d 张工单。") % {"n": done}, messages.SUCCESS)

    def get_urls(self):
        return [path("<int:ticket_id>/pick/", self.admin_site.admin_view(self.pick_view),
                     name="tickets_dispatchqueueticket_pick"), *super().get_urls()]

    def pick_view(self, request, ticket_id: int):
        if not request.user.has_perm(DISPATCH_PERM):
            raise PermissionDenied
        ticket = get_object_or_404(policy.scope_queryset(request.user, Ticket.objects.select_related(
            "customer", "fault_category", "product_model", "service_center")), pk=ticket_id)
        back = reverse("admin:tickets_dispatchqueueticket_changelist")
        if request.method == "POST":
            technician = get_object_or_404(policy.scope_queryset(request.user, Technician.objects.all()),
                                           pk=request.POST.get("technician"))
            try:
                dispatch_to(ticket=ticket, technician=technician, by=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, gettext("已派给 %(name)s。") % {"name": technician.name}, messages.SUCCESS)
                return HttpResponseRedirect(back)
        candidates = dispatch_candidates(ticket=ticket, limit=20)
        context = {**self.admin_site.each_context(request), "title": gettext("选择工程师"), "ticket": ticket,
                   "candidates": candidates, "eliminations": dispatch_eliminations(ticket=ticket),
                   "place_label": " ".join(v for v in (ticket.province, ticket.city, ticket.district) if v),
                   "back": back, "opts": self.opts}
        return TemplateResponse(request, PICK_TEMPLATE, context)


@admin.register(TicketAssignment)
class TicketAssignmentAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """The assignment log: who was offered which ticket, the outcome, and why they were chosen."""

    list_display = ("created_at", "ticket", "technician", "role", "status", "score", "why", "auto", "reason")
    list_filter = ("status", "role", "auto")
    list_select_related = ("ticket", "technician")
    search_fields = ("=ticket__number", "technician__name", "=technician__employee_no")
    show_full_result_count = False
    readonly_fields = ("ticket", "technician", "role", "status", "score", "breakdown", "why", "auto", "reason",
                       "created_by", "created_at", "decided_at", "ended_at")
    fields = readonly_fields

    @admin.display(description=_("派工理由"))
    def why(self, obj: TicketAssignment) -> str:
        return assignment_explain(obj.breakdown) if obj.breakdown and "total" in obj.breakdown else gettext("人工派工")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tickets.view_ticket") or request.user.has_perm("tickets.view_ticketassignment")

    def has_module_permission(self, request):
        return self.has_view_permission(request)
