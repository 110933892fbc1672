"""Back office of surveys: templates, invitations, answers with the CSAT/NPS report, follow-ups (回访)
handled by center managers, and technician training alerts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError, ValidationFailed

from . import selectors, services
from .models import FollowUp, Invitation, Response, Survey, TechnicianAlert


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["name", "questions", "is_active", "is_default", "product_categories", "low_score_threshold",
                  "low_nps_threshold"]

    def clean_questions(self):
        try:
            return services.survey_questions_validate(self.cleaned_data["questions"])
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message))


@admin.register(Survey)
class SurveyAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = SurveyForm
    list_display = ["name", "is_active", "is_default", "low_score_threshold", "low_nps_threshold", "updated_at"]
    list_filter = ["is_active"]


@admin.register(Invitation)
class InvitationAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "survey", "status", "sent_at", "reminded_at", "expires_at", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "survey"]
    search_fields = ["ticket__number"]
    readonly_fields = ["ticket", "survey", "status", "expires_at", "sent_at", "reminded_at", "answered_at",
                       "created_at"]
    exclude = ["token"]
    actions = ["send_selected"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("发送待发送的邀请"), permissions=["change"])
    def send_selected(self, request, queryset):
        sent = 0
        for invitation in queryset.filter(status=Invitation.Status.PENDING):
            services.invitation_send(invitation=invitation)
            sent += 1
        self.message_user(request, _("已发送 %(count)s 份邀请。") % {"count": sent}, messages.SUCCESS)


@admin.register(Response)
class ResponseAdmin(PolicyAdminMixin, admin.ModelAdmin):
    change_list_template = "surveys/admin/response_change_list.html"
    list_display = ["created_at", "ticket", "technician", "center", "speed", "attitude", "result", "nps",
                    "is_low_score", "is_complaint", "comment_short"]
    list_filter = ["is_complaint", "is_low_score", "center", "created_at"]
    list_select_related = ["ticket", "technician", "center"]
    search_fields = ["ticket__number", "comment"]
    readonly_fields = ["invitation", "ticket", "technician", "center", "fault_category", "product_model", "speed",
                       "attitude", "result", "nps", "comment", "answers", "is_complaint", "is_low_score",
                       "complaint_terms", "created_at"]

    @admin.display(description=gettext_lazy("意见"))
    def comment_short(self, obj):
        return (obj.comment[:40] + "…") if len(obj.comment) > 40 else obj.comment

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("report/", self.admin_site.admin_view(self.report_view), name="surveys_response_report"),
                *super().get_urls()]

    def report_view(self, request):
        """CSAT and NPS per technician and per center, month by month (one query per table)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            months = max(1, min(int(request.GET.get("months", 6)), 24))
        except ValueError:
            months = 6
        group = request.GET.get("group", "technician")
        if group not in selectors.GROUPS:
            group = "technician"
        columns, rows = selectors.score_report(group=group, months=months,
                                               center_ids=policy.visible_centre_ids(request.user))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("满意度报表"),
            "columns": columns, "rows": [(row, [row.months.get(m) for m in columns]) for row in rows],
            "group": group, "months": months, "month_choices": [3, 6, 12],
        }
        return render(request, "surveys/admin/report.html", context)


class FollowUpForm(forms.ModelForm):
    ACTIONS = [("", "—"), ("contact", gettext_lazy("已联系客户")), ("close", gettext_lazy("记录结果并完成"))]
    action = forms.ChoiceField(label=gettext_lazy("操作"), choices=ACTIONS, required=False)

    class Meta:
        model = FollowUp
        fields = ["outcome", "note"]


@admin.register(FollowUp)
class FollowUpAdmin(PolicyAdminMixin, admin.ModelAdmin):
    form = FollowUpForm
    list_display = ["ticket", "reason", "status", "center", "technician", "due_at", "sla", "outcome", "handled_by"]
    list_filter = ["status", "reason", "outcome", "center"]
    list_select_related = ["ticket", "center", "technician", "handled_by"]
    search_fields = ["ticket__number"]
    readonly_fields = ["ticket", "response_link", "reason", "status", "center", "technician", "due_at",
                       "contacted_at", "closed_at", "handled_by"]
    fields = ["ticket", "response_link", "reason", "status", "center", "technician", "due_at", "contacted_at",
              "closed_at", "handled_by", "action", "outcome", "note"]

    @admin.display(description=gettext_lazy("时效"))
    def sla(self, obj):
        if obj.status == FollowUp.Status.CLOSED:
            late = obj.closed_at and obj.closed_at > obj.due_at
            return format_html('<span style="color:{}">{}</span>', "#e34d59" if late else "#00a870",
                               _("超时完成") if late else _("按时完成"))
        if obj.due_at < timezone.now():
            return format_html('<strong style="color:#e34d59">{}</strong>', _("已超时"))
        return _("进行中")

    @admin.display(description=gettext_lazy("调查回答"))
    def response_link(self, obj):
        r = obj.response
        if r is None:
            return "-"
        url = reverse("admin:surveys_response_change", args=[r.pk])
        return format_html('<a href="{}">{}</a> {} / {} / {} · NPS {} · {}', url, _("查看"), r.speed, r.attitude,
                           r.result, r.nps, r.comment)

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return selectors.follow_up_queue(center_ids=policy.visible_centre_ids(request.user))

    def save_model(self, request, obj, form, change):
        action = form.cleaned_data.get("action")
        outcome, note = form.cleaned_data.get("outcome", ""), form.cleaned_data.get("note", "")
        try:
            if action == "contact":
                services.follow_up_contact(follow_up=obj, by=request.user, note=note)
            elif action == "close":
                services.follow_up_close(follow_up=obj, by=request.user, outcome=outcome, note=note)
            elif note != FollowUp.objects.values_list("note", flat=True).get(pk=obj.pk):
                services.follow_up_contact(follow_up=obj, by=request.user, note=note)
        except DomainError as exc:
            request._follow_up_refused = True
            self.message_user(request, exc.message, messages.ERROR)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        # After a refused action, the default "changed successfully" message would mislead.
        if level == messages.SUCCESS and getattr(request, "_follow_up_refused", False):
            return
        super().message_user(request, message, level, *args, **kwargs)


@admin.register(TechnicianAlert)
class TechnicianAlertAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ["technician", "center", "complaint_count", "window_days", "status", "created_at",
                    "acknowledged_by"]
    list_filter = ["status"]
    list_select_related = ["technician", "technician__center", "acknowledged_by"]
    readonly_fields = ["technician", "complaint_count", "window_days", "status", "acknowledged_by",
                       "acknowledged_at", "note", "created_at"]
    actions = ["acknowledge_selected"]

    @admin.display(description=gettext_lazy("网点"))
    def center(self, obj):
        return obj.technician.center

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("已安排培训"), permissions=["change"])
    def acknowledge_selected(self, request, queryset):
        done = 0
        for alert in queryset.filter(status=TechnicianAlert.Status.OPEN):
            try:
                services.technician_alert_acknowledge(alert=alert, by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
        if done:
            self.message_user(request, _("已处理 %(count)s 条预警。") % {"count": done}, messages.SUCCESS)
