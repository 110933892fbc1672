"""The bare DRF baseline: a model create and a list with plain ModelSerializers, none of the product's
services, permissions beyond a token, throttles or lifecycle. Mounted only by the benchmarks
(``tests.bench.urls``), never by ``config``."""

from __future__ import annotations

from django.urls import path
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.models import Customer, Ticket


class BareCustomerIn(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["name", "phone"]
        extra_kwargs = {"phone": {"validators": []}}


class BareCreate(APIView):
    """One INSERT: what any create endpoint costs at the least."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        ser = BareCustomerIn(data=request.data)
        ser.is_valid(raise_exception=True)
        row = Customer.objects.create(**ser.validated_data)
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)


class BareJobRow(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "number", "status"]


class BareJobList(APIView):
    """The technician's 20 newest tickets by the foreign key alone."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        rows = Ticket.objects.filter(technician_id=int(request.query_params["technician"])).order_by("-id")[:20]
        return Response(BareJobRow(rows, many=True).data)


urlpatterns = [
    path("create/", BareCreate.as_view()),
    path("jobs/", BareJobList.as_view()),
]

__all__ = ["urlpatterns", "TokenAuthentication"]
