"""/track/ and /t/<token>/ customer progress pages."""

from __future__ import annotations

from django.urls import path

from . import progress as views

app_name = "progress"

urlpatterns = [
    path("track/", views.track, name="track"),
    path("t/<str:token>/", views.progress_page, name="page"),
    path("t/<str:token>/state.json", views.progress_state, name="state"),
    path("t/<str:token>/invoice/", views.invoice, name="invoice"),
    path("t/<str:token>/report.pdf", views.service_report, name="report"),
    path("t/<str:token>/quote/<int:quote_id>/", views.quote_review, name="quote"),
    path("t/<str:token>/files/<uuid:uuid>/", views.attachment_file, name="file"),
]
