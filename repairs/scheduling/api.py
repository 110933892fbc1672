"""The technician's day and the way to the customer in the technicians' API (mounted under /api/v1/):
``GET me/route/?date=`` (the planned route), ``POST jobs/<id>/location/`` (a throttled position
ping while on the way)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.throttling import SimpleRateThrottle

from ..api.base import ApiView, IsTechnician, JobMixin, error_responses, technician_of
from .planning import route_for
from .tracking import location_ping


class RouteStopOut(serializers.Serializer):
    appointment = serializers.IntegerField()
    ticket = serializers.IntegerField(help_text="The job id (as in /jobs/<id>/).")
    number = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    arrival = serializers.DateTimeField(help_text="Planned arrival.")
    travel_minutes = serializers.IntegerField(help_text="From the previous place.")
    km = serializers.FloatField()
    late = serializers.BooleanField(help_text="The planned arrival is after the customer's window.")


class RouteOut(serializers.Serializer):
    date = serializers.DateField()
    stops = RouteStopOut(many=True)
    travel_minutes = serializers.IntegerField()
    distance_km = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False)
    feasible = serializers.BooleanField(help_text="Every visit is reached inside its window.")
    provider = serializers.CharField(help_text="The map provider whose travel times were used.")
    planned_at = serializers.DateTimeField(allow_null=True)


class MeRouteApi(ApiView):
    """My visits of a day in the order to drive them, with planned arrivals inside each window."""

    permission_classes = [IsTechnician]

    class RouteFilter(serializers.Serializer):
        date = serializers.DateField(required=False, help_text="YYYY-MM-DD; today by default.")

    @extend_schema(operation_id="me_route", tags=["route"], parameters=[RouteFilter],
                   responses={200: RouteOut, **error_responses("400", "401", "403")})
    def get(self, request: Request) -> Response:
        params = self.RouteFilter(data=request.query_params)
        params.is_valid(raise_exception=True)
        day = params.validated_data.get("date") or timezone.localdate()
        plan = route_for(technician=technician_of(request.user), day=day)
        return Response(RouteOut(plan).data)


class LocationThrottle(SimpleRateThrottle):
    """One position every ten seconds per technician is plenty for an arrival time."""

    scope = "location"
    rate = "6/min"

    def get_cache_key(self, request: Request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class JobLocationApi(JobMixin, ApiView):
    """Where I am on the way to this job: updates the customer's arrival time; inside the arrival
    radius the visit is checked in. Accepted only while on the way (after ``depart``)."""

    permission_classes = [IsTechnician]
    throttle_classes = [LocationThrottle]

    class LocationIn(serializers.Serializer):
        latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90)
        longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180)

    class LocationOut(serializers.Serializer):
        state = serializers.ChoiceField(choices=["en_route", "arrived"])
        eta = serializers.DateTimeField(allow_null=True)
        distance_m = serializers.IntegerField(allow_null=True, help_text="To the customer's address.")

    @extend_schema(operation_id="jobs_location", tags=["work"], request=LocationIn,
                   responses={200: LocationOut, **error_responses("400", "401", "403", "404", "429")})
    def post(self, request: Request, job_id: int) -> Response:
        data = self.LocationIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = location_ping(ticket=self.get_job(), technician=technician_of(request.user), by=request.user,
                               latitude=data.validated_data["latitude"],
                               longitude=data.validated_data["longitude"])
        return Response(self.LocationOut(result).data)
