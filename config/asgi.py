"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Django's ASGI app is created first so that apps are loaded before the routing imports consumers.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Web requests get the short database statement timeout (config.db).
os.environ.setdefault("SHOUHOU_PROCESS", "web")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.body_limit import BodyLimitMiddleware, install_daphne_body_limit  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

install_daphne_body_limit()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
