"""The code lists a technician picks from on a job: the device category's fault table, the 三包
exclusion reasons and the price list of the model × fault (labour, service and part lines with their
default prices). The phone caches them with the job, so a diagnosis and a quote can be written offline.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from repairs.models import LineKind
from repairs.selectors import price_items_for
from repairs.services.warranty import device_rules
from tickets.models import Ticket

from .base import ApiView, IsTechnician, JobMixin, error_responses


class FaultCodeOut(serializers.Serializer):
    code = serializers.CharField(help_text=_("故障代码，诊断时作为 fault_code 提交。"))
    label = serializers.CharField(help_text=_("故障名称。"))
    component = serializers.CharField(help_text=_("所属部件。"))
    listed = serializers.BooleanField(help_text=_("是否属于三包性能故障表所列故障。"))


class ExclusionOut(serializers.Serializer):
    code = serializers.CharField(help_text=_("排除事由代码，诊断时放入 exclusions[].code。"))
    label = serializers.CharField(help_text=_("排除事由（须附本工单的证据照片）。"))


class PriceItemOut(serializers.Serializer):
    code = serializers.CharField(help_text=_("价目编码，报价行可只提交 price_item_code。"))
    kind = serializers.ChoiceField(choices=LineKind.choices)
    name = serializers.CharField()
    part_id = serializers.IntegerField(allow_null=True)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, help_text=_("价目表默认单价（元）。"))
    optional = serializers.BooleanField(help_text=_("视检测结果而定的可选项。"))


class JobCodesOut(serializers.Serializer):
    category = serializers.CharField(allow_blank=True, help_text=_("产品品类（决定故障表与排除事由）。"))
    fault_codes = FaultCodeOut(many=True)
    exclusions = ExclusionOut(many=True)
    price_items = PriceItemOut(many=True, help_text=_("该型号 × 故障分类今日有效的价目（工时、服务、备件）。"))


def job_codes(ticket: Ticket) -> dict:
    """The lists for one job; empty lists when the ticket names no product model."""
    model = ticket.device.product_model if ticket.device_id else ticket.product_model
    if model is None:
        return {"category": "", "fault_codes": [], "exclusions": [], "price_items": []}
    rules = device_rules(device=ticket.device if ticket.device_id else None, category=model.category)
    items = []
    if ticket.fault_category_id:
        items = price_items_for(product_model_id=model.pk, fault_category_id=ticket.fault_category_id)
    return {
        "category": model.category,
        "fault_codes": sorted(rules.fault_codes.values(), key=lambda f: (not f.listed, f.code)),
        "exclusions": [{"code": code, "label": label} for code, label in rules.exclusions.items()],
        "price_items": items,
    }


class JobCodesApi(JobMixin, ApiView):
    """The fault codes, exclusion reasons and price list of my job."""

    permission_classes = [IsTechnician]

    @extend_schema(
        operation_id="jobs_codes", tags=["repair"],
        description=_("诊断（repair/diagnose/）只接受这里列出的 fault_code 与排除事由代码；报价行可用 "
                      "price_item_code 引用价目，名称与单价取价目表默认值。离线时手机使用缓存的这一份。"),
        responses={200: JobCodesOut, **error_responses("401", "403", "404")},
    )
    def get(self, request: Request, job_id: int) -> Response:
        return Response(JobCodesOut(job_codes(self.get_job())).data)
