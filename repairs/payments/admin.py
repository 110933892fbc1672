"""Admin of collections and refunds: staff record cash or transfer and refund through the services;
the rows themselves are never edited by hand."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError
from tickets.models import Ticket

from .models import Payment, PaymentDeferral, PaymentNotification, Refund
from .selectors import refund_basis
from .services import payment_defer, payment_record_offline, payment_refund

FORM_TEMPLATE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<h2>{{ title }}</h2>{% if intro %}<p>{{ intro }}</p>{% endif %}
<form method="post">{% csrf_token %}<table>{{ form.as_table }}</table>
<div class="submit-row"><input type="submit" class="default" value="{% translate '提交' %}">
<a href="{{ back }}">{% translate "返回" %}</a></div></form>{% endblock %}"""


class RecordForm(forms.Form):
    ticket_number = forms.CharField(label=_("工单号"), max_length=40)
    method = forms.ChoiceField(label=_("收款方式"), choices=[(Payment.Method.CASH, Payment.Method.CASH.label),
                                                           (Payment.Method.TRANSFER, Payment.Method.TRANSFER.label)])
    amount = forms.DecimalField(label=_("金额"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(label=_("凭证号"), max_length=60, required=False,
                                help_text=_("现金收据号；银行转账须填写流水号"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class DeferForm(forms.Form):
    ticket_number = forms.CharField(label=_("工单号"), max_length=40)
    kind = forms.ChoiceField(label=_("方式"), choices=PaymentDeferral.Kind.choices)
    reason = forms.CharField(label=_("原因"), max_length=200,
                             help_text=_("例如：企业客户月结协议编号、挂账审批人；显示在工单时间线和维修报告上"))


def _run_on_ticket(request, form: forms.Form, action) -> bool:
    """Post a form that names a ticket by number: the ticket must be in the user's scope, then
    ``action(ticket, cleaned_data)`` runs the service and returns the success message. A service's
    refusal lands on the form (on its field where it names one); True once done."""
    if request.method != "POST" or not form.is_valid():
        return False
    data = form.cleaned_data
    ticket = policy.scope_queryset(request.user, Ticket.objects.all()).filter(
        number=data["ticket_number"].strip()).first()
    if ticket is None:
        form.add_error("ticket_number", gettext("未找到该工单。"))
        return False
    try:
        done = action(ticket, data)
    except DomainError as exc:
        form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, str(exc))
        return False
    messages.success(request, done)
    return True


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("退款金额"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    reason = forms.CharField(label=_("退款原因"), max_length=200)


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("out_refund_no", "amount", "basis", "reason", "status", "succeeded_at", "failure", "requested_by")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("out_trade_no", "ticket_number", "method", "status", "amount", "refunded_amount", "paid_at",
                    "recorded_by")
    list_filter = ("status", "method")
    list_select_related = ("ticket", "recorded_by")
    search_fields = ("out_trade_no", "gateway_trade_no", "ticket__number", "reference")
    date_hierarchy = "created_at"
    readonly_fields = ("ticket", "repair_order", "quote", "method", "status", "amount", "refunded_amount",
                       "out_trade_no", "gateway_trade_no", "payer", "reference", "note", "paid_at", "recorded_by",
                       "created_at", "actions_box")
    fields = readonly_fields
    inlines = [RefundInline]

    @admin.display(description=_("工单"), ordering="ticket__number")
    def ticket_number(self, obj):
        return obj.ticket.number

    @admin.display(description=_("操作"))
    def actions_box(self, obj):
        if obj.status not in (Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED):
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:payments_payment_refund", args=[obj.pk]), gettext("办理退款"))

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:object_id>/refund/", self.admin_site.admin_view(self.refund_view),
                 name="payments_payment_refund"),
            *super().get_urls(),
        ]

    def _render(self, request, *, title: str, form: forms.Form, back: str, intro: str = "") -> HttpResponse:
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "back": back,
                   "intro": intro}
        return HttpResponse(engines["django"].from_string(FORM_TEMPLATE).render(context, request))

    def add_view(self, request, form_url="", extra_context=None):
        """Record money taken at the counter or received by transfer (the only way to add a row here)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        back = reverse("admin:payments_payment_changelist")
        form = RecordForm(request.POST or None, initial={"ticket_number": request.GET.get("ticket", "")})

        def record(ticket, data):
            payment = payment_record_offline(ticket=ticket, method=data["method"], amount=data["amount"],
                                             reference=data["reference"], note=data["note"], by=request.user)
            return gettext("已登记收款 %(no)s") % {"no": payment.out_trade_no}

        if _run_on_ticket(request, form, record):
            return HttpResponseRedirect(back)
        return self._render(request, title=gettext("登记现金或转账收款"), form=form, back=back)

    def refund_view(self, request, object_id: int):
        payment = self.get_queryset(request).select_related("repair_order").filter(pk=object_id).first()
        if payment is None or not policy.can(request.user, "payments.add_refund", payment.repair_order):
            raise PermissionDenied
        back = reverse("admin:payments_payment_change", args=[payment.pk])
        basis = refund_basis(repair_order=payment.repair_order)
        intro = (gettext("三包处理决定：%(basis)s；可退金额 ¥%(left)s") % {"basis": basis, "left": payment.refundable}
                 if basis else gettext("该维修单的三包处理决定不支持退还维修费用。"))
        form = RefundForm(request.POST or None, initial={"amount": payment.refundable})
        if request.method == "POST" and form.is_valid():
            try:
                payment_refund(payment=payment, amount=form.cleaned_data["amount"],
                               reason=form.cleaned_data["reason"], by=request.user)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("退款已提交"))
                return HttpResponseRedirect(back)
        return self._render(request, title=gettext("办理退款 %(no)s") % {"no": payment.out_trade_no}, form=form,
                            back=back, intro=intro)


@admin.register(PaymentDeferral)
class PaymentDeferralAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """Paid repairs let go before their money (月结/挂账): added only through ``payment_defer``."""

    list_display = ("ticket_number", "kind", "amount", "reason", "recorded_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("ticket", "recorded_by")
    search_fields = ("ticket__number", "reason")
    readonly_fields = ("ticket", "repair_order", "quote", "kind", "amount", "reason", "recorded_by", "created_at")
    fields = readonly_fields

    @admin.display(description=_("工单"), ordering="ticket__number")
    def ticket_number(self, obj):
        return obj.ticket.number

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        back = reverse("admin:payments_paymentdeferral_changelist")
        form = DeferForm(request.POST or None, initial={"ticket_number": request.GET.get("ticket", "")})

        def defer(ticket, data):
            deferral = payment_defer(ticket=ticket, kind=data["kind"], reason=data["reason"], by=request.user)
            return gettext("已登记暂缓收款（%(kind)s），工单 %(number)s 可以交机") % {
                "kind": deferral.get_kind_display(), "number": ticket.number}

        if _run_on_ticket(request, form, defer):
            return HttpResponseRedirect(back)
        context = {**self.admin_site.each_context(request), "title": gettext("登记暂缓收款（月结/挂账）"),
                   "form": form, "back": back,
                   "intro": gettext("付费维修须收款后才能交机。企业月结或经批准挂账时，在此登记后即可交机；"
                                    "款项到账后仍须登记收款。")}
        return HttpResponse(engines["django"].from_string(FORM_TEMPLATE).render(context, request))


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(admin.ModelAdmin):
    list_display = ("gateway", "notify_id", "out_trade_no", "outcome", "received_at")
    list_filter = ("gateway", "outcome")
    search_fields = ("out_trade_no", "notify_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
