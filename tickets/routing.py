"""WebSocket routes of the hub, collected by ``config/routing.py``."""

from __future__ import annotations

from django.urls import re_path

from .consumers import TicketProgressConsumer

websocket_urlpatterns = [
    re_path(r"^ws/t/(?P<token>[A-Za-z0-9_\-]{16,64})/$", TicketProgressConsumer.as_asgi()),
]
