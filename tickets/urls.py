"""URL map of the hub's HTML pages. Each feature keeps its own module in ``tickets/views/``."""

from __future__ import annotations

from django.urls import include, path

from .views.files import AttachmentFileView
from .views.shortlinks import short_link

urlpatterns = [
    path("l/<str:code>", short_link, name="short_link"),
    path("", include("tickets.views.intake_urls")),
    path("", include("tickets.views.progress_urls")),
    path("files/<uuid:uuid>/", AttachmentFileView.as_view(), name="attachment_file"),
]
