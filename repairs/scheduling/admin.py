"""Scheduling in the back office: window capacity per centre and skill, the appointments with a
page where a dispatcher books for a customer on the phone, the technicians' planned days (with a
re-plan action) and the privacy-number bindings (imported by repairs/admin.py)."""

from __future__ import annotations

import datetime as dt

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

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin, ServiceSaveAdminMixin
from tickets.exceptions import DomainError
from tickets.models import Ticket

from . import selectors
from .models import Appointment, AppointmentSlot, PrivacyBinding, RoutePlan, WindowCapacity
from .planning import route_replan
from .services import appointment_book, appointment_cancel, window_capacity_save

BOOK_TEMPLATE = engines["django"].from_string("""{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main">
<h2>{% translate "代客预约上门时间" %} · {{ ticket.number }}</h2>
<p>{% translate "客户" %}：{{ ticket.customer }} · {% translate "服务网点" %}：{{ ticket.service_center|default:"-" }}
 · {% translate "当前预约" %}：{{ current|default:"-" }}</p>
{% if windows %}<form method="post" id="book-form">{% csrf_token %}
<table><thead><tr><th></th><th>{% translate "时段" %}</th><th>{% translate "剩余" %}</th></tr></thead><tbody>
{% for w in windows %}<tr><td><input type="radio" name="start" value="{{ w.value }}" id="w{{ forloop.counter }}"{% if not w.left %} disabled{% endif %}></td>
<td><label for="w{{ forloop.counter }}">{{ w.label }}</label></td><td>{{ w.left }}/{{ w.capacity }}</td></tr>{% endfor %}
</tbody></table>
<input type="submit" class="default" value="{% translate '预约' %}"></form>
{% else %}<p>{% translate "该网点近期没有可预约的时段（或工单尚未确定网点）。" %}</p>{% endif %}
<p><a href="{{ back }}">{% translate "返回工单" %}</a></p>
</div>{% endblock %}""")

LOOKUP_TEMPLATE = engines["django"].from_string("""{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<div id="content-main"><form method="get">
<label for="number">{% translate "工单号" %}</label> <input id="number" name="number" required>
<input type="submit" class="default" value="{% translate '查找' %}"></form></div>{% endblock %}""")

ROUTE_TEMPLATE = engines["django"].from_string("""{% load i18n %}<table class="route-stops"><thead><tr>
<th>#</th><th>{% translate "工单" %}</th><th>{% translate "地址" %}</th><th>{% translate "预约时段" %}</th>
<th>{% translate "计划到达" %}</th><th>{% translate "路上（分钟）" %}</th><th>{% translate "里程（公里）" %}</th></tr></thead><tbody>
{% for s in stops %}<tr{% if s.late %} style="color:#ba2121"{% endif %}><td>{{ forloop.counter }}</td><td>{{ s.number }}</td>
<td>{{ s.address }}</td><td>{{ s.window }}</td><td>{{ s.arrival }}{% if s.late %} ⚠ {% translate "晚于时段" %}{% endif %}</td>
<td>{{ s.travel_minutes }}</td><td>{{ s.km }}</td></tr>{% endfor %}</tbody></table>""")


@admin.register(WindowCapacity)
class WindowCapacityAdmin(ServiceSaveAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("center", "skill", "capacity")
    list_select_related = ("center",)
    list_filter = ("center",)

    def save_model(self, request, obj, form, change):
        self.save_via_service(request, window_capacity_save, center=obj.center, skill=obj.skill,
                              capacity=obj.capacity, by=request.user)


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """How full each visit window is: places change only by booking, moving or cancelling an appointment."""

    list_display = ("center", "skill", "start", "end", "booked", "capacity")
    list_select_related = ("center",)
    list_filter = ("center",)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "window", "status", "source", "technician", "route_position", "planned_arrival")
    list_select_related = ("ticket", "ticket__technician")
    list_filter = ("status", "source")
    search_fields = ("ticket__number",)
    actions = ["cancel_appointments"]

    @admin.display(description=_("预约时段"), ordering="start")
    def window(self, obj: Appointment) -> str:
        return selectors.window_label(obj.start, obj.end)

    @admin.display(description=_("工程师"))
    def technician(self, obj: Appointment) -> str:
        return obj.ticket.technician.name if obj.ticket.technician_id else "-"

    def has_add_permission(self, request, obj=None):
        return policy.can(request.user, "tickets.assign_ticket")

    def add_view(self, request, form_url="", extra_context=None):
        """"Add" asks for the ticket number of the customer on the phone, then shows its windows."""
        number = (request.GET.get("number") or request.POST.get("number") or "").strip()
        if number:
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None and policy.in_scope(request.user, ticket):
                return HttpResponseRedirect(reverse("admin:repairs_appointment_book", args=[ticket.pk]))
            messages.error(request, gettext("找不到工单 %(number)s。") % {"number": number})
        context = {**self.admin_site.each_context(request), "title": gettext("代客预约")}
        return TemplateResponse(request, LOOKUP_TEMPLATE, context)

    @admin.action(description=_("取消所选预约"))
    def cancel_appointments(self, request, queryset):
        done = 0
        for appointment in queryset.filter(status=Appointment.Status.BOOKED).select_related("ticket"):
            try:
                appointment_cancel(ticket=appointment.ticket, by=request.user, reason=gettext("调度取消"))
                done += 1
            except DomainError as exc:
                messages.error(request, f"{appointment.ticket.number}：{exc}")
        if done:
            messages.success(request, gettext("已取消 %(n)d 个预约。") % {"n": done})

    def get_urls(self):
        return [path("book/<int:ticket_id>/", self.admin_site.admin_view(self.book_view),
                     name="repairs_appointment_book"), *super().get_urls()]

    def book_view(self, request, ticket_id: int):
        """A dispatcher books (or moves) the visit for a customer on the phone."""
        ticket = get_object_or_404(Ticket.objects.select_related("customer", "service_center", "fault_category"),
                                   pk=ticket_id)
        if not policy.can(request.user, "tickets.assign_ticket", ticket):
            raise PermissionDenied
        back = reverse("admin:tickets_ticket_change", args=[ticket.pk])
        if request.method == "POST":
            start = selectors.parse_window_start(request.POST.get("start", ""))
            try:
                if start is None:
                    raise DomainError(gettext("请选择一个时段。"))
                appointment = appointment_book(ticket=ticket, start=start, by=request.user,
                                               source=Appointment.Source.DISPATCHER)
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, gettext("已为客户预约 %(window)s。") % {
                    "window": selectors.window_label(appointment.start, appointment.end)})
                return HttpResponseRedirect(back)
        current = selectors.ticket_appointment(ticket)
        windows = (selectors.center_windows(center=ticket.service_center, skill=selectors.ticket_skill(ticket))
                   if ticket.service_center_id else [])
        context = {**self.admin_site.each_context(request), "title": gettext("代客预约"), "ticket": ticket,
                   "windows": windows, "back": back,
                   "current": selectors.window_label(current.start, current.end) if current else ""}
        return TemplateResponse(request, BOOK_TEMPLATE, context)


@admin.register(RoutePlan)
class RoutePlanAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("technician", "date", "visits", "travel_minutes", "distance_km", "feasible", "provider",
                    "planned_at")
    list_select_related = ("technician",)
    list_filter = ("date", "feasible")
    fields = ("technician", "date", "route", "travel_minutes", "distance_km", "feasible", "provider", "planned_at")
    readonly_fields = fields
    actions = ["replan"]

    @admin.display(description=_("上门数"))
    def visits(self, obj: RoutePlan) -> int:
        return len(obj.stops or [])

    @admin.display(description=_("路线"))
    def route(self, obj: RoutePlan) -> str:
        stops = []
        for s in obj.stops or []:
            a = timezone.localtime(dt.datetime.fromisoformat(s["window_start"]))
            b = timezone.localtime(dt.datetime.fromisoformat(s["window_end"]))
            arrival = timezone.localtime(dt.datetime.fromisoformat(s["arrival"]))
            stops.append({**s, "window": f"{a:%H:%M}-{b:%H:%M}", "arrival": f"{arrival:%H:%M}"})
        return format_html("{}", ROUTE_TEMPLATE.render({"stops": stops}))

    @admin.action(description=_("重新规划路线"))
    def replan(self, request, queryset):
        for plan in queryset.select_related("technician"):
            route_replan(technician=plan.technician, day=plan.date)
        messages.success(request, gettext("已重新规划 %(n)d 条路线。") % {"n": queryset.count()})


@admin.register(PrivacyBinding)
class PrivacyBindingAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("ticket", "technician", "number_x", "provider", "status", "created_at", "released_at")
    list_select_related = ("ticket", "technician")
    list_filter = ("status",)
    search_fields = ("ticket__number", "number_x")
