"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Django's ASGI app is created first so that apps are loaded before the routing imports consumers. HTTP
runs Django's middleware and views as one synchronous chain, entered once per request
(config/asgi_http.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Web requests get the short database statement timeout (config.db).
os.environ.setdefault("SHOUHOU_PROCESS", "web")
from config.asgi_http import get_http_application  # noqa: E402

django_asgi_app = get_http_application()

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
