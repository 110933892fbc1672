"""Admin of the SLA feature: the business calendar (with the missing-year warning and a form to enter
a year), SLA policies, and each ticket's SLA clock with its ledger (imported by tickets/admin.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin
from tickets.calendar import years_without_calendar
from tickets.exceptions import DomainError
from tickets.importing.admin import DataAdminMixin
from tickets.models import CalendarDay, SlaClock, SlaLedgerEntry, SlaPolicy
from tickets.resources import CalendarDayExporter, CalendarDayImporter, SlaPolicyExporter, SlaPolicyImporter

from .selectors import sla_ledger, urgency_colour
from .services import calendar_days_enter, calendar_load_library

COLOURS = {"green": "#00b42a", "orange": "#ff7d00", "red": "#f53f3f", "grey": "#86909c"}

# Role groups are granted the hub's own permissions; these admins accept them as fallbacks so the
# roles work without a grant of their own: operations staff manage the calendar and policies (they
# manage the fault taxonomy), everybody who may view tickets may read clocks and ledgers.
MANAGE_FALLBACK = "tickets.change_faultcategory"
VIEW_FALLBACK = "tickets.view_ticket"


def warn_missing_calendar(request) -> None:
    """Admin message when this or the coming year has no calendar yet (the library covers years only
    up to its release; next year's holidays are announced each winter). Only staff who may enter the
    calendar see it: a dispatcher or an agent can do nothing about it, and a daily warning they cannot
    act on teaches them to skip the admin's messages."""
    user = request.user
    if not (user.has_perm("tickets.change_calendarday") or user.has_perm(MANAGE_FALLBACK)):
        return
    missing = years_without_calendar()
    if not missing:
        return
    url = reverse("admin:tickets_calendarday_enter")
    messages.warning(request, format_html(
        gettext("{} 年的节假日日历尚未录入，SLA 将只按周末计算。请<a href=\"{}\">录入节假日与调休安排</a>。"),
        "、".join(str(y) for y in missing), url))


class OwnOrFallbackPermissions:
    manage_fallback = MANAGE_FALLBACK

    def _perm(self, request, action: str) -> bool:
        opts = self.opts
        own = f"{opts.app_label}.{action}_{opts.model_name}"
        fallback = VIEW_FALLBACK if action == "view" else self.manage_fallback
        return request.user.has_perm(own) or request.user.has_perm(fallback)

    def has_view_permission(self, request, obj=None):
        return self._perm(request, "view") or self._perm(request, "change")

    def has_change_permission(self, request, obj=None):
        return self._perm(request, "change")

    def has_add_permission(self, request):
        return self._perm(request, "add")

    def has_delete_permission(self, request, obj=None):
        return self._perm(request, "delete")

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class CalendarEntryForm(forms.Form):
    text = forms.CharField(
        label=_("节假日与调休"), widget=forms.Textarea(attrs={"rows": 14, "cols": 70}),
        help_text=_("每行一段：日期或日期范围、休/班、名称。例如：<br>2027-01-01 休 元旦<br>"
                    "2027-02-06~2027-02-13 休 春节<br>2027-02-14 班 春节调休"),
    )


ENTRY_TEMPLATE = engines["django"].from_string("""{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main">
<p>{% translate "国务院办公厅每年年底公布次年放假安排；日历库只覆盖其发布时已公布的年份。" %}</p>
<p>{% translate "缺少日历的年份：" %}{{ missing|join:"、"|default:"—" }}</p>
<form method="post">{% csrf_token %}{{ form.as_p }}
<input type="submit" class="default" value="{% translate '保存' %}"></form>
<form method="post" action="{{ load_url }}" style="margin-top:1em">{% csrf_token %}
<input type="submit" value="{% translate '从日历库加载已知年份' %}"></form>
</div>{% endblock %}""")


@admin.register(CalendarDay)
class CalendarDayAdmin(OwnOrFallbackPermissions, DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = CalendarDayImporter
    exporter_class = CalendarDayExporter
    list_display = ("date", "weekday", "is_rest_day", "name", "source")
    list_filter = ("is_rest_day", "source")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("-date",)
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("enter/", self.admin_site.admin_view(self.enter_view), name="tickets_calendarday_enter"),
            path("load-library/", self.admin_site.admin_view(self.load_view), name="tickets_calendarday_load"),
            *super().get_urls(),
        ]

    def enter_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CalendarEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = calendar_days_enter(text=form.cleaned_data["text"], by=request.user)
            except DomainError as exc:
                form.add_error("text", str(exc))
            else:
                self.message_user(request, gettext("已录入 %(n)d 天。") % {"n": count}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:tickets_calendarday_changelist"))
        context = {**self.admin_site.each_context(request), "title": gettext("录入节假日日历"), "form": form,
                   "missing": years_without_calendar(), "opts": self.opts,
                   "load_url": reverse("admin:tickets_calendarday_load")}
        return TemplateResponse(request, ENTRY_TEMPLATE, context)

    def load_view(self, request):
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        result = calendar_load_library()
        self.message_user(request, gettext("已从日历库新增 %(n)d 天。") % {"n": result["created"]}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:tickets_calendarday_changelist"))


@admin.register(SlaPolicy)
class SlaPolicyAdmin(OwnOrFallbackPermissions, DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = SlaPolicyImporter
    exporter_class = SlaPolicyExporter
    list_display = ("name", "fault_category", "priority", "customer_tier", "response_hours", "resolution_hours",
                    "is_active")
    list_filter = ("is_active", "priority", "customer_tier")
    list_select_related = ("fault_category", "fault_category__parent")
    list_editable = ("response_hours", "resolution_hours", "is_active")
    search_fields = ("name", "fault_category__name", "fault_category__code")
    autocomplete_fields = ()

    def changelist_view(self, request, extra_context=None):
        warn_missing_calendar(request)
        return super().changelist_view(request, extra_context)


@admin.register(SlaLedgerEntry)
class SlaLedgerEntryAdmin(ReadOnlyAdminMixin, OwnOrFallbackPermissions, PolicyAdminMixin, admin.ModelAdmin):
    """Every ledger line of every ticket (read-only): why a deadline is what it is."""

    list_display = ("at", "ticket", "kind", "reason", "due_resolution_at")
    list_filter = ("kind", "at")
    list_select_related = ("ticket",)
    search_fields = ("=ticket__number",)
    show_full_result_count = False
    fields = ("ticket", "kind", "at", "reason", "policy", "consumed_seconds", "due_response_at",
              "due_resolution_at", "data")
    readonly_fields = fields


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdminMixin, OwnOrFallbackPermissions, PolicyAdminMixin, admin.ModelAdmin):
    """Each ticket's SLA: targets, state, deadlines with the time left in colour, and the ledger."""

    list_display = ("ticket", "state", "policy", "center", "time_left", "due_response_at", "due_resolution_at",
                    "reminded_at", "breached_at")
    list_filter = ("state", ("breached_at", admin.EmptyFieldListFilter), ("reminded_at", admin.EmptyFieldListFilter))
    list_select_related = ("ticket", "policy", "center")
    search_fields = ("=ticket__number",)
    ordering = ("due_resolution_at",)
    show_full_result_count = False
    fields = ("ticket", "state", "policy", "center", "response_hours", "resolution_hours", "started_at",
              "running_since", "consumed_seconds", "due_response_at", "due_resolution_at", "remind_at",
              "responded_at", "reminded_at", "response_breached_at", "breached_at", "escalated_at",
              "next_action_at", "ledger")
    readonly_fields = fields

    @admin.display(description=_("SLA 记录（为什么截止时间是这样）"))
    def ledger(self, obj: SlaClock) -> str:
        rows = [
            format_html("<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td>{}</td></tr>",
                        timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"), e.get_kind_display(), e.reason,
                        e.consumed_seconds / 3600,
                        timezone.localtime(e.due_response_at).strftime("%m-%d %H:%M") if e.due_response_at else "-",
                        timezone.localtime(e.due_resolution_at).strftime("%m-%d %H:%M") if e.due_resolution_at else "-")
            for e in sla_ledger(ticket_id=obj.ticket_id)
        ]
        head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                           gettext("时间"), gettext("类型"), gettext("原因"), gettext("已用工作小时"),
                           gettext("响应截止"), gettext("解决截止"))
        return format_html("<table>{}{}</table>", head, mark_safe("".join(rows)))  # noqa: S308 (escaped rows)

    def _ticket_view_ok(self, request):
        return request.user.has_perm(VIEW_FALLBACK) or request.user.has_perm("tickets.view_slaclock")

    def has_view_permission(self, request, obj=None):
        return self._ticket_view_ok(request)

    @admin.display(description=_("剩余时间"), ordering="due_resolution_at")
    def time_left(self, obj: SlaClock) -> str:
        if obj.state == SlaClock.State.PAUSED:
            return format_html('<span style="color:{}">{}</span>', COLOURS["grey"], gettext("已暂停"))
        if obj.state == SlaClock.State.STOPPED or obj.due_resolution_at is None:
            return "-"
        colour = urgency_colour(obj.due_resolution_at)
        hours = (obj.due_resolution_at - timezone.now()).total_seconds() / 3600
        text = gettext("超时 %(h).1f 小时") % {"h": -hours} if hours < 0 else gettext("%(h).1f 小时") % {"h": hours}
        return format_html('<b style="color:{}">{}</b>', COLOURS[colour], text)

    def get_urls(self):
        return [path("ticket/<int:ticket_id>/", self.admin_site.admin_view(self.by_ticket),
                     name="tickets_slaclock_by_ticket"), *super().get_urls()]

    def by_ticket(self, request, ticket_id: int):
        """Stable link from anywhere (e.g. the ticket page): /admin/tickets/slaclock/ticket/<id>/."""
        clock = SlaClock.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True).first()
        if clock is None:
            self.message_user(request, gettext("该工单还没有 SLA 计时。"), messages.WARNING)
            return HttpResponseRedirect(reverse("admin:tickets_slaclock_changelist"))
        return HttpResponseRedirect(reverse("admin:tickets_slaclock_change", args=[clock]))


# The admin index shows the calendar warning too (it is where staff land after logging in).
_index = admin.site.index


def _index_with_calendar_notice(request, extra_context=None):
    if request.user.is_active and request.user.is_staff:
        warn_missing_calendar(request)
    return _index(request, extra_context)


admin.site.index = _index_with_calendar_notice
