"""WebSocket routes of the technicians' API, collected by ``config/routing.py``."""

from __future__ import annotations

from django.urls import re_path

from .consumers import JobLiveConsumer

websocket_urlpatterns = [
    re_path(r"^ws/jobs/(?P<job_id>\d{1,18})/$", JobLiveConsumer.as_asgi()),
]
