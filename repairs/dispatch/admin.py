"""The dispatcher queue: tickets waiting for a technician, most urgent SLA first, with actions to
auto-dispatch and a dispatch screen per ticket (every technician in scope with skills, distance, load,
today's appointments, duty, app sign-in and the score's reasons; one-click assignment, or a typed
reason off the list), and the assignment log (imported by repairs/admin.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from repairs.models import Technician
from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin
from tickets.exceptions import DomainError
from tickets.models import DispatchQueueTicket, Ticket, TicketAssignment
from tickets.sla.admin import COLOURS, warn_missing_calendar
from tickets.sla.selectors import urgency_colour

from .board import dispatch_board
from .selectors import assignment_explain, dispatch_queue
from .services import ASSIGNABLE_STATES, dispatch_auto, dispatch_to

DISPATCH_PERM = "tickets.assign_ticket"

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
        """The dispatch screen: every technician in the dispatcher's scope for this ticket, ranked by
        the auto-dispatch's score; one click assigns a candidate, anyone else takes a typed reason."""
        if not request.user.has_perm(DISPATCH_PERM):
            raise PermissionDenied
        ticket = get_object_or_404(policy.scope_queryset(request.user, Ticket.objects.select_related(
            "customer", "fault_category", "product_model", "service_center")), pk=ticket_id)
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            next_url = reverse("admin:tickets_dispatchqueueticket_changelist")
        posted_technician, posted_reason, status = None, "", 200
        if request.method == "POST":
            technician = get_object_or_404(policy.scope_queryset(request.user, Technician.objects.all()),
                                           pk=_int(request.POST.get("technician")))
            posted_technician, posted_reason = technician.pk, request.POST.get("reason", "")
            try:
                dispatch_to(ticket=ticket, technician=technician, by=request.user, reason=posted_reason)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                status = 400
            else:
                self.message_user(request, gettext("已派给 %(name)s。") % {"name": technician.name}, messages.SUCCESS)
                return HttpResponseRedirect(next_url)
            ticket.refresh_from_db()
        board = dispatch_board(ticket=ticket, technicians=policy.scope_queryset(request.user, Technician.objects.all()))
        sections = [
            {"key": "candidates", "title": gettext("候选工程师（按自动派工得分排序）"), "rows": board.candidates,
             "help": gettext("与自动派工同一评分：距离 35、负载 25、等级 15、满意度 15、客户等级 10。点击即派。"),
             "empty": gettext("没有符合条件的工程师。可在下表中填写原因后名单外派工。")},
            {"key": "others", "title": gettext("名单外的工程师（您权限范围内）"), "rows": board.others,
             "help": gettext("未入选的原因按检查顺序只列第一条。派给他们须填写原因，原因记入工单时间线和派工记录。"),
             "empty": gettext("没有其他工程师。")},
        ]
        context = {**self.admin_site.each_context(request), "title": gettext("派工：%(n)s") % {"n": ticket.number},
                   "ticket": ticket, "board": board, "sections": sections, "next": next_url,
                   "assignable": ticket.status in ASSIGNABLE_STATES,
                   "customer_name": policy.contact_for(request.user, ticket.customer.name, "name"),
                   "place_label": " ".join(v for v in (ticket.province, ticket.city, ticket.district) if v),
                   "posted_technician": posted_technician, "posted_reason": posted_reason, "opts": self.opts}
        return TemplateResponse(request, "admin/dispatch/board.html", context, status=status)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
