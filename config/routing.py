"""Collects every app's websocket_urlpatterns."""

from __future__ import annotations

websocket_urlpatterns: list = []

try:  # the customer progress page's consumer (tickets.routing) is optional until it exists
    from tickets.routing import websocket_urlpatterns as _tickets_ws
except ImportError:  # pragma: no cover
    _tickets_ws = []

websocket_urlpatterns += _tickets_ws
