"""Admin of mail-in shipments: the centre scans a waybill to receive a parcel (with condition photos),
books the return by courier and prints labels; the rows themselves are written only by services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.exceptions import DomainError

from .models import Shipment, TrackingEvent
from .services import shipment_book_return, shipment_receive

FORM_TEMPLATE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<h2>{{ title }}</h2>
<form method="post" enctype="multipart/form-data">{% csrf_token %}<table>{{ form.as_table }}</table>
<div class="submit-row"><input type="submit" class="default" value="{% translate '提交' %}">
<a href="{{ back }}">{% translate "返回" %}</a></div></form>{% endblock %}"""


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class ReceiveForm(forms.Form):
    waybill_no = forms.CharField(label=_("运单号"), max_length=40,
                                 widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
                                 help_text=_("扫描包裹面单上的条码"))
    photos = MultipleFileField(label=_("到件外观照片"), required=False)
    condition_note = forms.CharField(label=_("外观说明"), max_length=300, required=False)


class TrackingInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "op_code", "description", "location")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("waybill_no", "ticket_number", "direction", "status", "freight_payer", "pickup_start",
                    "received_at")
    list_filter = ("direction", "status", "freight_payer")
    list_select_related = ("ticket",)
    search_fields = ("waybill_no", "order_id", "ticket__number")
    readonly_fields = ("ticket", "direction", "status", "carrier", "order_id", "waybill_no", "pickup_start",
                       "pickup_end", "sender", "recipient", "freight_payer", "freight_basis", "return_choice",
                       "received_at", "received_by", "condition_note", "actions_box")
    fields = readonly_fields
    inlines = [TrackingInline]

    @admin.display(description=_("工单"), ordering="ticket__number")
    def ticket_number(self, obj):
        return obj.ticket.number

    @admin.display(description=_("操作"))
    def actions_box(self, obj):
        links = [(reverse("admin:logistics_shipment_label", args=[obj.pk]), gettext("打印面单"))]
        if obj.direction == Shipment.Direction.INBOUND and obj.status == Shipment.Status.RECEIVED \
                and obj.return_choice == Shipment.ReturnChoice.COURIER:
            links.append((reverse("admin:logistics_shipment_return", args=[obj.pk]), gettext("安排寄回")))
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": format_html(
            '{} <a class="button" href="{}">{}</a>', gettext("寄修运单"),
            reverse("admin:logistics_shipment_receive"), gettext("扫码签收到件"))}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path("receive/", self.admin_site.admin_view(self.receive_view), name="logistics_shipment_receive"),
            path("<int:object_id>/label.pdf", self.admin_site.admin_view(self.label_view),
                 name="logistics_shipment_label"),
            path("<int:object_id>/return/", self.admin_site.admin_view(self.return_view),
                 name="logistics_shipment_return"),
            *super().get_urls(),
        ]

    def _shipment(self, request, object_id) -> Shipment:
        shipment = self.get_queryset(request).select_related("ticket").filter(pk=object_id).first()
        if shipment is None:
            raise PermissionDenied
        return shipment

    def receive_view(self, request):
        """Scan the waybill of an arrived parcel, photograph the device, receive it."""
        if not policy.can(request.user, "logistics.change_shipment"):
            raise PermissionDenied
        back = reverse("admin:logistics_shipment_changelist")
        form = ReceiveForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            photos = [(f.name, f.read()) for f in request.FILES.getlist("photos")]
            try:
                shipment = shipment_receive(waybill_no=form.cleaned_data["waybill_no"], by=request.user,
                                            photos=photos, condition_note=form.cleaned_data["condition_note"])
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("已签收 %(waybill)s（工单 %(number)s）") % {
                    "waybill": shipment.waybill_no, "number": shipment.ticket.number})
                return HttpResponseRedirect(reverse("admin:logistics_shipment_receive"))
        context = {**self.admin_site.each_context(request), "title": gettext("扫码签收到件"), "form": form,
                   "back": back}
        return HttpResponse(engines["django"].from_string(FORM_TEMPLATE).render(context, request))

    def label_view(self, request, object_id: int):
        shipment = self._shipment(request, object_id)
        if not shipment.label_pdf:
            raise PermissionDenied
        return FileResponse(shipment.label_pdf.open("rb"), content_type="application/pdf",
                            filename=f"{shipment.waybill_no}.pdf")

    def return_view(self, request, object_id: int):
        shipment = self._shipment(request, object_id)
        back = reverse("admin:logistics_shipment_change", args=[shipment.pk])
        if request.method != "POST":
            context = {**self.admin_site.each_context(request), "title": gettext("安排寄回"), "form": forms.Form(),
                       "back": back}
            return HttpResponse(engines["django"].from_string(FORM_TEMPLATE).render(context, request))
        try:
            back_shipment = shipment_book_return(ticket=shipment.ticket, by=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(back)
        messages.success(request, gettext("已下单寄回，运单号 %(waybill)s") % {"waybill": back_shipment.waybill_no})
        return HttpResponseRedirect(reverse("admin:logistics_shipment_change", args=[back_shipment.pk]))
