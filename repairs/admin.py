"""Admin of the field force and workshop: repair orders worked through the services, the QC queue,
the price list (import/export), quotes, 三包 rule sets, warranty cards and repair records (read-only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import repairs.branding_admin  # noqa: F401  (report letterhead and seal)
import repairs.dispatch.admin  # noqa: F401  (dispatcher queue, owned by the dispatch feature)
import repairs.scheduling.admin  # noqa: F401  (appointments, routes, privacy numbers)
from config.proxies import client_ip
from tickets import policy
from tickets.address_forms import PlaceModelForm
from tickets.admin_mixins import PolicyAdminMixin, ReadOnlyAdminMixin, ServiceSaveAdminMixin, choices_filter
from tickets.exceptions import DomainError
from tickets.importing.admin import DataAdminMixin

from . import services
from .models import (
    DepreciationRate,
    FittedPart,
    PriceListItem,
    QCInspection,
    QCQueueOrder,
    Quote,
    QuoteLine,
    RepairOrder,
    RepairRecord,
    RepairStatusChange,
    RepairVisit,
    ServiceCenter,
    Technician,
    WarrantyCard,
    WarrantyRuleSet,
)
from .resources import (
    PriceListExporter,
    PriceListImporter,
    ServiceCenterExporter,
    ServiceCenterImporter,
    TechnicianExporter,
    TechnicianImporter,
)
from .selectors import price_items_for, quote_history
from .services.centers import coverage_codes_parse
from .skills import SKILL_LABELS, skills_text
from .warranty.card import decision_card

S = RepairOrder.Status


def _upload(form: forms.Form, name: str) -> list[tuple[str, bytes]]:
    file = form.cleaned_data.get(name)
    return [(file.name, file.read())] if file else []


# ----------------------------------------------------------------------------------------------
# Workflow forms: each action is one service call
# ----------------------------------------------------------------------------------------------

class DiagnoseForm(forms.Form):  # the decision's fields are added below (DiagnoseDecisionForm)
    fault_code = forms.ChoiceField(label=_("故障代码"))
    findings = forms.CharField(label=_("检测结果"), widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.CharField(label=_("故障原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    before_photo = forms.ImageField(label=_("维修前照片"), required=False)
    exclusion = forms.ChoiceField(label=_("三包排除事由"), required=False)
    evidence = forms.FileField(label=_("排除事由证据（照片/检测报告图片）"), required=False)

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.warranty import device_rules

        ticket = order.ticket
        model = ticket.device.product_model if ticket.device_id else ticket.product_model
        rules = device_rules(device=ticket.device, category=model.category) if model else None
        self.fields["fault_code"].choices = [
            (f.code, f"{f.label}{'' if f.listed else gettext('（非性能故障）')}")
            for f in (rules.fault_codes.values() if rules else [])]
        self.fields["exclusion"].choices = [("", "—"), *((rules.exclusions if rules else {}).items())]


class DecisionFieldsMixin(forms.Form):
    """The 三包 decision's inputs (the consumer's choice, stock, model, accessory, battery, return answers)."""

    TRI = [("", _("未确认")), ("yes", _("是")), ("no", _("否"))]

    warranty_choice = forms.ChoiceField(label=_("消费者选择"), required=False, choices=[
        ("", _("尚未选择")), ("refund", _("退货")), ("exchange", _("换货")), ("repair", _("维修"))])
    same_model_in_stock = forms.BooleanField(label=_("有同型号库存"), required=False, initial=True)
    model_discontinued = forms.BooleanField(label=_("该型号已停产"), required=False)
    consumer_refuses_other_model = forms.BooleanField(label=_("消费者不愿调换其他型号"), required=False)
    accessory_bundled = forms.BooleanField(label=_("随机附件（随整机销售）"), required=False)
    accessory_price = forms.DecimalField(label=_("附件退货当日单独售价（元）"), required=False, min_value=0,
                                         max_digits=10, decimal_places=2)
    battery_measured_mah = forms.IntegerField(label=_("电池实测容量（mAh）"), required=False, min_value=0)
    battery_rated_mah = forms.IntegerField(label=_("电池额定容量（mAh）"), required=False, min_value=1)
    goods_intact = forms.ChoiceField(label=_("商品完好（七日无理由退货）"), required=False, choices=TRI)
    activation = forms.ChoiceField(label=_("激活情况"), required=False, choices=[
        ("", _("未确认")), ("none", _("未激活")), ("inspection", _("仅为检查质量和功能而激活")),
        ("used", _("已激活使用"))])
    goods_returned_on = forms.DateField(label=_("商家收到退回商品日期"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))

    def decision_inputs(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in (
            "warranty_choice", "same_model_in_stock", "model_discontinued", "consumer_refuses_other_model",
            "accessory_bundled", "accessory_price", "battery_measured_mah", "battery_rated_mah", "activation",
            "goods_returned_on")}
        data["goods_intact"] = {"yes": True, "no": False}.get(self.cleaned_data.get("goods_intact") or "")
        return data


class WarrantyDecideForm(DecisionFieldsMixin):
    def __init__(self, *args, order: RepairOrder, **kwargs):
        initial = {name: getattr(order, name) for name in (
            "warranty_choice", "same_model_in_stock", "model_discontinued", "consumer_refuses_other_model",
            "accessory_bundled", "accessory_price", "battery_measured_mah", "battery_rated_mah", "activation",
            "goods_returned_on")}
        initial["goods_intact"] = {True: "yes", False: "no"}.get(order.goods_intact, "")
        super().__init__(*args, initial=initial, **kwargs)


class QuoteForm(forms.Form):
    items = forms.MultipleChoiceField(label=_("价目表项目"), required=False, widget=forms.CheckboxSelectMultiple)
    extra_kind = forms.ChoiceField(label=_("其他项目类型"), required=False,
                                   choices=[("", "—"), ("labor", _("工时")), ("service", _("服务项目"))])
    extra_description = forms.CharField(label=_("其他项目名称"), required=False)
    extra_price = forms.DecimalField(label=_("其他项目单价"), required=False, min_value=0, decimal_places=2)
    extra_chargeable = forms.BooleanField(label=_("该项目收费（不属三包）"), required=False)
    note = forms.CharField(label=_("备注"), required=False)

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = order.ticket
        model_id = ticket.product_model_id or (ticket.device.product_model_id if ticket.device_id else None)
        self.price_items = {str(i.pk): i for i in price_items_for(product_model_id=model_id,
                                                                  fault_category_id=ticket.fault_category_id)} \
            if model_id and ticket.fault_category_id else {}
        self.fields["items"].choices = [(k, f"{i.get_kind_display()} · {i.name} · ¥{i.unit_price}")
                                        for k, i in self.price_items.items()]


class ApproveForm(forms.Form):
    signer_name = forms.CharField(label=_("签字人"))
    signature = forms.ImageField(label=_("手写签名图片（PNG）"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class WaitPartsForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False)
    producer_parts = forms.BooleanField(label=_("因生产者未供应零配件"), required=False)


class FitPartForm(forms.Form):
    line = forms.ChoiceField(label=_("报价备件"))
    serial = forms.CharField(label=_("新件序列号"), required=False)
    serial_payload = forms.CharField(label=_("或扫码内容（序列号管理备件）"), required=False)
    old_serial = forms.CharField(label=_("旧件序列号"), required=False)

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        quote = order.quotes.filter(status=Quote.Status.APPROVED).order_by("-version").first()
        self.lines = {str(ln.pk): ln for ln in quote.lines.filter(kind="part").select_related("part")} if quote else {}
        self.fields["line"].choices = [(k, f"{ln.description} × {ln.quantity}") for k, ln in self.lines.items()]


class SubmitQCForm(forms.Form):
    work_done = forms.CharField(label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 3}))
    after_photo = forms.ImageField(label=_("维修后照片"), required=False)
    technician_signature = forms.ImageField(label=_("工程师签名图片"), required=False)


class HandBackForm(forms.Form):
    signer_name = forms.CharField(label=_("取机人"))
    signature = forms.ImageField(label=_("客户签名图片（PNG）"))


class ReplaceForm(forms.Form):
    new_serial = forms.CharField(label=_("新机序列号/IMEI"), required=False)


class QCForm(forms.Form):
    reason = forms.CharField(label=_("不通过原因"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = services.qc_checklist_for(order)
        for item in self.items:
            self.fields[f"check_{item['code']}"] = forms.BooleanField(label=item["label"], required=False)

    def checklist(self) -> dict[str, bool]:
        return {i["code"]: bool(self.cleaned_data.get(f"check_{i['code']}")) for i in self.items}


def _ip(request) -> str | None:
    return client_ip(request) or None


class DiagnoseDecisionForm(DiagnoseForm, DecisionFieldsMixin):
    """Diagnosis with the 三包 decision's inputs in the same step."""


def _do_diagnose(request, order, form):
    exclusions = []
    if form.cleaned_data.get("exclusion"):
        evidence = services.repair_photos_add(repair_order=order, photos=_upload(form, "evidence"), purpose="evidence",
                                              by=request.user) if form.cleaned_data.get("evidence") else []
        exclusions = [{"code": form.cleaned_data["exclusion"], "evidence": [a.pk for a in evidence]}]
    services.repair_diagnose(repair_order=order, fault_code=form.cleaned_data["fault_code"],
                             findings=form.cleaned_data["findings"], cause=form.cleaned_data["cause"],
                             before_photos=_upload(form, "before_photo"), exclusions=exclusions, by=request.user,
                             **form.decision_inputs())


def _do_quote(request, order, form):
    lines: list[dict[str, Any]] = [{"price_item": form.price_items[k]} for k in form.cleaned_data["items"]]
    if form.cleaned_data.get("extra_kind") and form.cleaned_data.get("extra_description"):
        lines.append({"kind": form.cleaned_data["extra_kind"], "description": form.cleaned_data["extra_description"],
                      "unit_price": form.cleaned_data.get("extra_price") or 0,
                      "chargeable": form.cleaned_data.get("extra_chargeable")})
    services.quote_create(repair_order=order, lines=lines, by=request.user, note=form.cleaned_data["note"])


def _current_quote(order):
    return order.quotes.order_by("-version").first()


def _do_fit(request, order, form):
    line = form.lines[form.cleaned_data["line"]]
    services.repair_fit_part(repair_order=order, quote_line=line, serial=form.cleaned_data["serial"],
                             serial_payload=form.cleaned_data["serial_payload"],
                             old_serial=form.cleaned_data["old_serial"], by=request.user)


def _do_submit(request, order, form):
    signature = form.cleaned_data.get("technician_signature")
    services.repair_submit_qc(repair_order=order, work_done=form.cleaned_data["work_done"],
                              after_photos=_upload(form, "after_photo"),
                              technician_signature_png=signature.read() if signature else None, by=request.user)


def _do_qc(request, order, form):
    if request.POST.get("_fail"):
        services.qc_fail(repair_order=order, reason=form.cleaned_data["reason"], checklist=form.checklist(),
                         by=request.user)
    else:
        services.qc_pass(repair_order=order, checklist=form.checklist(), by=request.user)


def _qc_evidence(order: RepairOrder) -> dict[str, Any]:
    from tickets.files import attachment_staff_url
    from tickets.models import Attachment

    photos = [(attachment_staff_url(a), a.get_purpose_display()) for a in order.ticket.attachments.filter(
        purpose__in=[Attachment.Purpose.BEFORE, Attachment.Purpose.AFTER]).order_by("purpose", "created_at")]
    return {"qc_photos": photos, "qc_parts": order.fitted_parts.select_related("part").order_by("created_at"),
            "qc_log": order.status_changes.select_related("actor").order_by("created_at")}


# action -> (label, states, form class, handler)
ACTIONS: dict[str, tuple[Any, tuple, Any, Any]] = {
    "diagnose": (_("检测与三包判定"), (S.DIAGNOSING,), DiagnoseDecisionForm, _do_diagnose),
    "warranty_decide": (_("登记消费者选择（三包处理决定）"),
                        (S.QUOTING, S.AWAITING_APPROVAL, S.APPROVED, S.REPAIRING, S.AWAITING_PARTS, S.QC, S.REWORK,
                         S.UNREPAIRABLE), WarrantyDecideForm,
                        lambda r, o, f: services.repair_warranty_decide(repair_order=o, by=r.user,
                                                                        **f.decision_inputs())),
    "quote": (_("新建报价版本"), (S.QUOTING, S.APPROVED, S.REPAIRING), QuoteForm, _do_quote),
    "send": (_("发送报价请客户确认"), (S.QUOTING, S.APPROVED, S.REPAIRING), None,
             lambda r, o, f: services.quote_send(quote=_current_quote(o), by=r.user)),
    "approve": (_("登记客户确认（签名）"), (S.AWAITING_APPROVAL,), ApproveForm,
                lambda r, o, f: services.quote_approve(
                    quote=_current_quote(o), signature_png=f.cleaned_data["signature"].read(),
                    signer_name=f.cleaned_data["signer_name"], ip=_ip(r),
                    user_agent=r.headers.get("user-agent", ""), by=r.user)),
    "decline": (_("客户拒绝报价"), (S.AWAITING_APPROVAL,), ReasonForm,
                lambda r, o, f: services.quote_decline(quote=_current_quote(o), reason=f.cleaned_data["reason"],
                                                       by=r.user)),
    "start": (_("开始维修"), (S.APPROVED,), None, lambda r, o, f: services.repair_start(repair_order=o, by=r.user)),
    "wait_parts": (_("等待备件"), (S.REPAIRING,), WaitPartsForm,
                   lambda r, o, f: services.repair_wait_parts(repair_order=o, by=r.user, note=f.cleaned_data["note"],
                                                              producer_parts=f.cleaned_data["producer_parts"])),
    "parts_arrived": (_("备件已到"), (S.AWAITING_PARTS,), None,
                      lambda r, o, f: services.repair_parts_arrived(repair_order=o, by=r.user)),
    "fit_part": (_("安装备件"), (S.REPAIRING,), FitPartForm, _do_fit),
    "submit_qc": (_("提交质检"), (S.REPAIRING,), SubmitQCForm, _do_submit),
    "qc": (_("质检"), (S.QC,), QCForm, _do_qc),
    "hand_back": (_("交机（客户签收）"), (S.PASSED, S.DECLINED), HandBackForm,
                  lambda r, o, f: services.repair_hand_back(repair_order=o, signer_name=f.cleaned_data["signer_name"],
                                                            signature_png=f.cleaned_data["signature"].read(),
                                                            by=r.user)),
    "unrepairable": (_("无法修复"), (S.DIAGNOSING, S.QUOTING, S.REPAIRING, S.AWAITING_PARTS), ReasonForm,
                     lambda r, o, f: services.repair_mark_unrepairable(repair_order=o, reason=f.cleaned_data["reason"],
                                                                       by=r.user)),
    "replace": (_("三包换货"), (S.UNREPAIRABLE,), ReplaceForm,
                lambda r, o, f: services.repair_replace(repair_order=o, new_serial=f.cleaned_data["new_serial"],
                                                        by=r.user)),
    "refund": (_("三包退货"), (S.UNREPAIRABLE,), None, lambda r, o, f: services.repair_refund(repair_order=o, by=r.user)),
}

FORM_TEMPLATE = """{% extends "admin/base_site.html" %}{% load i18n %}
{% block content %}<h2>{{ title }}</h2><p>{{ order }} · {{ order.ticket.number }} · {{ order.get_status_display }}</p>
{% if order.warranty_decision.summary %}<p><b>{% translate "三包判定" %}：</b>{{ order.warranty_decision.summary }}</p>{% endif %}
{% if action == "qc" %}<div class="bo-qc">{% include "admin/repairs/qc_evidence.html" %}{% endif %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}<table>{{ form.as_table }}</table>
<div class="submit-row">{% if action == "qc" %}<input type="submit" class="default" name="_pass" value="{% translate '通过' %}">
<input type="submit" name="_fail" value="{% translate '返工' %}">{% else %}<input type="submit" class="default" value="{% translate '提交' %}">{% endif %}
<a href="{{ back }}">{% translate "返回" %}</a></div></form>{% if action == "qc" %}</div>{% endif %}{% endblock %}"""


def _render_decision(decision: dict) -> str:
    """The 三包 decision card (entitlement, then the decision), readable rather than JSON."""
    card = decision_card(decision)
    if card is None:
        return gettext("尚未判定（检测后生成）")
    head = format_html(
        "<p><b>{}</b></p><p>{}：{} → {}{}</p>", card["summary"], gettext("有效期"), card["period_start"] or "—",
        card["period_end"] or "—",
        format_html("（{}：{}）", gettext("顺延"), "、".join(card["extensions"])) if card["extensions"] else "")
    options = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                               ((o["label"] + (f"（{o['note']}）" if o["note"] else ""), o["value"], o["payer"],
                                 o["clause"]) for o in card["options"]))
    decided = card["decision"]
    if decided:
        decision_html = format_html(
            "<p><b>{}（{}）</b>：{} {} → {} · {} · {}：{} · {}：{}{}</p><ul>{}</ul>", gettext("处理决定"),
            decided["status_label"], gettext("消费者选择"), decided["choice"] or "—", decided["remedy"] or "—",
            decided["value"] or "—", gettext("费用承担"), decided["payer"] or "—", gettext("条款"), decided["clause"] or "—",
            format_html(" · {}：{}", gettext("退款期限"), decided["deadline"]) if decided["deadline"] else "",
            format_html_join("", "<li>{}</li>", ((r["text"],) for r in decided["reasons"])))
    else:
        decision_html = format_html("<p><b>{}</b>：{}</p>", gettext("处理决定"), gettext("待消费者选择退货、换货或维修"))
    new_parts = format_html("<p><b>{}</b></p>", gettext("本次三包维修须使用新的零部件。")) \
        if card["new_parts_required"] else ""
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                            ((r["rule"], r["text"], r["clause"]) for r in card["reasons"]))
    warnings = format_html_join("", "<li style='color:#b45309'>{}</li>", ((w,) for w in card["warnings"]))
    return format_html(
        "{}<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>{}{}"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><ul>{}</ul>", head,
        gettext("可选方式"), gettext("金额"), gettext("费用承担"), gettext("条款"), options, decision_html, new_parts,
        gettext("依据"), gettext("理由"), gettext("条款"), rows, warnings)


def _render_quotes(order: RepairOrder) -> str:
    parts = []
    for quote in quote_history(repair_order=order):
        lines = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>¥{}</td><td>{}</td></tr>",
                                 ((ln.get_kind_display(), ln.description, ln.quantity, ln.amount,
                                   ln.free_reason if ln.is_free else "") for ln in quote.lines.all()))
        signed = format_html("{} {} · IP {} · {}", quote.signer_name,
                             quote.approved_at.strftime("%Y-%m-%d %H:%M") if quote.approved_at else "",
                             quote.signer_ip or "—", quote.signer_user_agent[:60]) if quote.approved_at else ""
        parts.append(format_html(
            "<h4>v{} · {} · {} ¥{}</h4><p>{}</p><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "{}</table>", quote.version, quote.get_status_display(), gettext("应付"), quote.total, signed,
            gettext("类型"), gettext("项目"), gettext("数量"), gettext("金额"), gettext("免费原因"), lines))
    return format_html_join("", "{}", ((p,) for p in parts)) or gettext("暂无报价")


# ----------------------------------------------------------------------------------------------
# Repair orders
# ----------------------------------------------------------------------------------------------

class ReadOnlyInline(PolicyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FittedPartInline(ReadOnlyInline):
    model = FittedPart
    fields = ("part", "serial", "old_serial", "quote_line", "fitted_by", "created_at")
    readonly_fields = fields


class QCInspectionInline(ReadOnlyInline):
    model = QCInspection
    fields = ("result", "inspector", "reason", "checklist", "created_at")
    readonly_fields = fields


class StatusChangeInline(ReadOnlyInline):
    model = RepairStatusChange
    fields = ("from_state", "to_state", "actor", "note", "created_at")
    readonly_fields = fields


@admin.register(RepairOrder)
class RepairOrderAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "ticket_number", "status", "technician", "center", "in_warranty", "rework_count",
                    "updated_at")
    list_filter = ("status", "in_warranty", "center")
    list_select_related = ("ticket", "technician", "center")
    search_fields = ("ticket__number", "fault_code", "ticket__device__serial_number")
    readonly_fields = ("ticket", "status", "technician", "center", "received_at", "returned_at", "fault_code",
                       "fault_label", "findings", "cause", "work_done", "rework_count", "parts_wait_days",
                       "consumer_wait_days", "warranty_box", "quote_box", "workflow_box")
    fieldsets = (
        (None, {"fields": ("workflow_box", "ticket", "status", "technician", "center", "received_at",
                           "returned_at")}),
        (_("检测"), {"fields": ("fault_code", "fault_label", "findings", "cause", "work_done", "rework_count",
                              "parts_wait_days", "consumer_wait_days")}),
        (_("三包判定"), {"fields": ("warranty_box",)}),
        (_("报价历史"), {"fields": ("quote_box",)}),
    )
    inlines = [FittedPartInline, QCInspectionInline, StatusChangeInline]

    @admin.display(description=_("工单"), ordering="ticket__number")
    def ticket_number(self, obj):
        return obj.ticket.number

    @admin.display(description=_("三包判定与理由"))
    def warranty_box(self, obj):
        return _render_decision(obj.warranty_decision)

    @admin.display(description=_("报价版本"))
    def quote_box(self, obj):
        return _render_quotes(obj)

    @admin.display(description=_("操作"))
    def workflow_box(self, obj):
        links = [(reverse("admin:repairs_repairorder_workflow", args=[obj.pk, name]), label)
                 for name, (label, states, _f, _h) in ACTIONS.items() if obj.status in states]
        links.append((reverse("admin:repairs_repairorder_report", args=[obj.pk]), gettext("下载维修服务报告 PDF")))
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:object_id>/workflow/<str:action>/", self.admin_site.admin_view(self.workflow_view),
                 name="repairs_repairorder_workflow"),
            path("<int:object_id>/report.pdf", self.admin_site.admin_view(self.report_view),
                 name="repairs_repairorder_report"),
            *super().get_urls(),
        ]

    def _order(self, request, object_id) -> RepairOrder:
        rows = RepairOrder.objects.select_related("ticket", "ticket__device", "ticket__product_model")
        order = policy.scope_queryset(request.user, rows).filter(pk=object_id).first()
        if order is None or not self.has_view_permission(request, order):
            raise PermissionDenied
        return order

    def workflow_view(self, request, object_id: int, action: str):
        """One workshop step: a form on GET, the matching service on POST (domain errors become messages)."""
        order = self._order(request, object_id)
        if action not in ACTIONS:
            raise PermissionDenied
        label, states, form_class, handler = ACTIONS[action]
        back = reverse("admin:repairs_repairorder_change", args=[order.pk])
        kwargs = {"order": order} if form_class in (DiagnoseDecisionForm, WarrantyDecideForm, QuoteForm, FitPartForm,
                                                    QCForm) else {}
        if request.method == "POST":
            form = form_class(request.POST, request.FILES, **kwargs) if form_class else None
            if form is None or form.is_valid():
                try:
                    handler(request, order, form)
                except DomainError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, gettext("已完成：%(action)s") % {"action": label})
                    return HttpResponseRedirect(back)
        else:
            form = form_class(**kwargs) if form_class else None
        if form is None:
            form = forms.Form()
        template = engines["django"].from_string(FORM_TEMPLATE)
        context = {**self.admin_site.each_context(request), "title": label, "order": order, "form": form,
                   "back": back, "action": action}
        if action == "qc":  # the inspector checks the work against its evidence, side by side
            context.update(_qc_evidence(order))
        return HttpResponse(template.render(context, request))

    def report_view(self, request, object_id: int):
        from .reports import service_report_pdf

        order = self._order(request, object_id)
        response = HttpResponse(service_report_pdf(repair_order=order), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="service-report-{order.ticket.number}.pdf"'
        return response


@admin.register(QCQueueOrder)
class QCQueueAdmin(RepairOrderAdmin):
    """The QC role's queue: only orders in QC, oldest first; the change page links to the QC form."""

    list_display = ("__str__", "ticket_number", "technician", "center", "rework_count", "updated_at", "qc_link")
    list_filter = ("center",)
    ordering = ("updated_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=S.QC)

    @admin.display(description=_("质检"))
    def qc_link(self, obj):
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:repairs_repairorder_workflow", args=[obj.pk, "qc"]), gettext("开始质检"))

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)


# ----------------------------------------------------------------------------------------------
# Price list with import/export
# ----------------------------------------------------------------------------------------------

@admin.register(PriceListItem)
class PriceListItemAdmin(ServiceSaveAdminMixin, DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = PriceListImporter
    exporter_class = PriceListExporter
    list_display = ("product_model", "fault_category", "kind", "code", "name", "unit_price", "optional", "valid_from",
                    "valid_to")
    list_filter = ("kind", "fault_category")
    list_select_related = ("product_model", "fault_category")
    search_fields = ("code", "name", "product_model__code", "product_model__name")
    autocomplete_fields = ()
    raw_id_fields = ("product_model", "fault_category", "part")
    # A price version is identified by model × fault × code × valid from; a new price is a new
    # version (add one with a later "valid from"), so those stay fixed once saved.
    version_key_fields = ("product_model", "fault_category", "code", "valid_from")

    def get_readonly_fields(self, request, obj=None):
        return self.version_key_fields if obj is not None else ()

    def save_model(self, request, obj, form, change):
        # Through the price-list service: validation, and the previous open version is closed.
        saved = self.save_via_service(
            request, services.price_item_upsert, product_model=obj.product_model,
            fault_category=obj.fault_category, kind=obj.kind, code=obj.code, name=obj.name,
            unit_price=obj.unit_price, valid_from=obj.valid_from, valid_to=obj.valid_to, part=obj.part,
            optional=bool(obj.optional), by=request.user)
        if saved is not None:
            obj.pk = saved.pk


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ("kind", "description", "part", "quantity", "unit_price", "amount", "is_free", "free_reason",
              "reservation")
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "repair_order", "version", "status", "total", "under_warranty", "approved_at",
                    "signer_name")
    list_filter = ("status", "under_warranty")
    list_select_related = ("repair_order",)
    inlines = [QuoteLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Quote._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ----------------------------------------------------------------------------------------------
# 三包 data and records
# ----------------------------------------------------------------------------------------------

class DepreciationRateForm(forms.ModelForm):
    verified = forms.BooleanField(label=_("我已核对来源，确认此折旧率"), required=False,
                                  help_text=_("勾选后记录您为核实人；修改折旧率或来源而不勾选会清除原核实。"))

    class Meta:
        model = DepreciationRate
        fields = ("category", "rate_per_day", "effective_from", "source", "note")

    def clean(self):
        from .services.warranty import depreciation_rate_check

        cleaned = super().clean()
        candidate = DepreciationRate(rate_per_day=cleaned.get("rate_per_day"), source=cleaned.get("source") or "")
        try:
            depreciation_rate_check(rate=candidate, verified=cleaned.get("verified", False))
        except DomainError as exc:
            raise forms.ValidationError(str(exc))
        return cleaned


@admin.register(DepreciationRate)
class DepreciationRateAdmin(PolicyAdminMixin, admin.ModelAdmin):
    """The white-goods (and any category's) depreciation rates: only verified rows are used by the engine."""

    form = DepreciationRateForm
    list_display = ("category", "rate_per_day", "effective_from", "source", "verified_by", "verified_at")
    list_filter = ("category",)
    readonly_fields = ("verified_by", "verified_at")
    fields = ("category", "rate_per_day", "effective_from", "source", "note", "verified", "verified_by",
              "verified_at")

    def save_model(self, request, obj, form, change):
        services.depreciation_rate_save(rate=obj, verified=form.cleaned_data.get("verified", False), by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WarrantyRuleSet)
class WarrantyRuleSetAdmin(PolicyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "category", "effective_from", "is_active")
    list_filter = ("category", "is_active")


class RecordInline(ReadOnlyInline):
    model = RepairRecord
    fields = ("received_on", "returned_on", "fault_reported", "cause", "handling", "is_refund_or_exchange_certificate",
              "occupied_days", "parts_wait_days", "technician")
    readonly_fields = fields


class WriteOnceAdmin(PolicyAdminMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WarrantyCard)
class WarrantyCardAdmin(WriteOnceAdmin):
    list_display = ("number", "device", "consumer_name", "sale_date", "issued_at", "replaces")
    list_select_related = ("device", "device__product_model", "replaces")
    search_fields = ("number", "serial_number", "consumer_phone")
    inlines = [RecordInline]


@admin.register(RepairRecord)
class RepairRecordAdmin(WriteOnceAdmin):
    list_display = ("card", "received_on", "returned_on", "fault_code", "under_warranty",
                    "is_refund_or_exchange_certificate", "technician")
    list_select_related = ("card", "technician")
    search_fields = ("card__number", "fault_code")


class ServiceCenterForm(PlaceModelForm):
    coverage = forms.CharField(
        label=_("服务区域"), required=False, widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("省、市或区县的名称或行政区划代码，以空格或逗号分隔，如“上海 昆山 320506”；为空表示网点所在城市。"
                    "服务半径内的地点也在服务范围内。"))

    class Meta:
        model = ServiceCenter
        exclude = ("coverage_codes",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.coverage_codes:
            self.initial.setdefault("coverage", " ".join(self.instance.coverage_codes))

    def clean_coverage(self) -> list[str]:
        try:
            return coverage_codes_parse(self.cleaned_data.get("coverage") or "")
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message))


@admin.register(ServiceCenter)
class ServiceCenterAdmin(DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = ServiceCenterImporter
    exporter_class = ServiceCenterExporter
    form = ServiceCenterForm
    list_display = ("code", "name", "region", "province", "city", "coverage_label", "service_radius_km", "is_active")
    list_filter = ("region", "is_active")
    search_fields = ("code", "name", "city")
    filter_horizontal = ("managers",)
    readonly_fields = ("province_code", "city_code", "district_code", "coverage_label")

    @admin.display(description=_("服务区域"))
    def coverage_label(self, obj: ServiceCenter) -> str:
        from tickets.address import place_from_code

        codes = obj.coverage_codes or []
        if not codes:
            return gettext("所在城市")
        return "、".join((place.label if (place := place_from_code(c)) else c) for c in codes)

    def save_model(self, request, obj, form, change):
        services.service_center_save(center=obj, by=request.user, division_code=form.picked_code(),
                                     coverage=form.cleaned_data.get("coverage") or [])


class TechnicianForm(forms.ModelForm):
    """Skills are ticked by name; a company's own codes (loaded by import) stay ticked and editable."""

    skills = forms.MultipleChoiceField(label=_("技能"), required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Technician
        fields = ("user", "center", "employee_no", "name", "phone", "skills", "product_categories", "level",
                  "capacity", "on_duty", "is_qc_inspector")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = [c for c in (self.instance.skills or []) if c not in SKILL_LABELS]
        self.fields["skills"].choices = [*((c, label) for c, label in SKILL_LABELS.items()), *((c, c) for c in own)]


@admin.register(Technician)
class TechnicianAdmin(ServiceSaveAdminMixin, DataAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    importer_class = TechnicianImporter
    exporter_class = TechnicianExporter
    form = TechnicianForm
    list_display = ("employee_no", "name", "center", "level", "skill_names", "load_column", "on_duty", "app_login",
                    "is_qc_inspector")
    list_filter = ("on_duty", "level", "center")
    list_select_related = ("center",)
    search_fields = ("employee_no", "name")
    raw_id_fields = ("user",)
    # reported by the app and computed from surveys, not typed in
    readonly_fields = ("last_latitude", "last_longitude", "last_seen_at", "rating")

    def get_queryset(self, request):
        # load (the dispatch's own measure: active assignments) and app sign-in come with the list's
        # one query, not one query per row
        from django.db.models import Exists, OuterRef

        from .dispatch.selectors import live_app_tokens, open_load_subquery

        signed_in = live_app_tokens().filter(user_id=OuterRef("user_id"))
        return super().get_queryset(request).annotate(open_jobs=open_load_subquery(), signed_in=Exists(signed_in))

    @admin.display(description=_("技能"))
    def skill_names(self, obj: Technician) -> str:
        return skills_text(obj.skills, limit=5) or "—"

    @admin.display(description=_("在办/上限"), ordering="open_jobs")
    def load_column(self, obj: Technician):
        from .admin_home import load_badge

        return load_badge(getattr(obj, "open_jobs", 0), obj.capacity)

    @admin.display(description=_("App 登录"), boolean=True, ordering="signed_in")
    def app_login(self, obj: Technician) -> bool:
        return bool(getattr(obj, "signed_in", False))

    def save_model(self, request, obj, form, change):
        # Going off duty re-dispatches the technician's waiting tickets: that is the duty service's
        # job, so the flag itself is changed only there.
        if not change or "on_duty" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        on_duty = obj.on_duty
        obj.on_duty = form.initial.get("on_duty", not on_duty)
        super().save_model(request, obj, form, change)
        from .dispatch.services import technician_set_duty

        if self.save_via_service(request, technician_set_duty, technician=obj, on_duty=on_duty,
                                 by=request.user) is not None:
            obj.on_duty = on_duty


class ReadOnlyLogAdmin(ReadOnlyAdminMixin, PolicyAdminMixin, admin.ModelAdmin):
    """Append-only workshop records: visible to staff, written only by the services."""


@admin.register(QuoteLine)
class QuoteLineAdmin(ReadOnlyLogAdmin):
    list_display = ("quote", "position", "kind", "description", "quantity", "unit_price", "amount", "is_free")
    list_filter = ("kind", "is_free")
    search_fields = ("=quote__repair_order__ticket__number", "description")
    list_select_related = ("quote",)


@admin.register(RepairStatusChange)
class RepairStatusChangeAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "repair_order", "from_state", "to_state", "actor", "note")
    list_filter = (choices_filter("to_state", _("新状态"), lambda: RepairOrder.Status.choices),)
    search_fields = ("=repair_order__ticket__number",)
    list_select_related = ("repair_order", "actor")


@admin.register(RepairVisit)
class RepairVisitAdmin(ReadOnlyLogAdmin):
    list_display = ("ticket", "technician", "departed_at", "checked_in_at", "distance_m", "is_far")
    list_filter = ("is_far",)
    search_fields = ("=ticket__number", "technician__name")
    list_select_related = ("ticket", "technician")


@admin.register(FittedPart)
class FittedPartAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "repair_order", "part", "quantity", "serial", "old_serial", "fitted_by")
    search_fields = ("=serial", "=old_serial", "=repair_order__ticket__number", "part__sku")
    list_select_related = ("repair_order", "part", "fitted_by")


@admin.register(QCInspection)
class QCInspectionAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "repair_order", "inspector", "result", "reason")
    list_filter = ("result",)
    search_fields = ("=repair_order__ticket__number",)
    list_select_related = ("repair_order", "inspector")
