from __future__ import annotations

from django.urls import path

from .reports import service_report_download
from .scheduling.views import appointment_page

app_name = "repairs"

urlpatterns: list = [
    path("service-report/<str:token>/<int:pk>.pdf", service_report_download, name="service_report"),
    path("t/<str:token>/appointment/", appointment_page, name="appointment"),
]
