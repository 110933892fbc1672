from __future__ import annotations

from django.urls import path

from .reports import service_report_download

app_name = "repairs"

urlpatterns: list = [
    path("service-report/<str:token>/<int:pk>.pdf", service_report_download, name="service_report"),
]
