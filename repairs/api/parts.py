"""My van stock: the parts in the technician's own van location."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.pagination import IdCursorPagination
from parts.models import StockLevel

from .base import ApiView, IsTechnician, error_responses, technician_of


class StockOut(serializers.Serializer):
    id = serializers.IntegerField()
    part_id = serializers.IntegerField()
    sku = serializers.CharField(source="part.sku")
    name = serializers.CharField(source="part.name")
    category = serializers.CharField(source="part.category")
    is_serialized = serializers.BooleanField(source="part.is_serialized")
    location_id = serializers.IntegerField()
    location = serializers.CharField(source="location.name")
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField()


class VanStockApi(ApiView):
    """Stock levels of my van (parts location of kind ``van`` that belongs to me)."""

    permission_classes = [IsTechnician]
    pagination_class = IdCursorPagination

    class VanStockPage(serializers.Serializer):
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        results = StockOut(many=True)

    @extend_schema(operation_id="van_stock", tags=["parts"], responses={200: VanStockPage, **error_responses("401", "403")})
    def get(self, request: Request) -> Response:
        tech = technician_of(request.user)
        qs = StockLevel.objects.filter(location__technician=tech, location__kind="van").select_related(
            "part", "location")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(StockOut(page, many=True).data)
