"""Collects every app's websocket_urlpatterns."""

from __future__ import annotations

from repairs.api.routing import websocket_urlpatterns as _jobs_ws
from tickets.routing import websocket_urlpatterns as _tickets_ws

websocket_urlpatterns = [*_tickets_ws, *_jobs_ws]
