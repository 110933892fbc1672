"""Django's HTTP side under ASGI with the middleware run as one synchronous chain.

Django's ``ASGIHandler`` builds its middleware chain in async mode. Every one of our middleware and
every view is synchronous, so in that mode each ``MiddlewareMixin`` runs its ``process_request`` and
``process_response`` through ``sync_to_async``, a sync-only middleware (WhiteNoise, the body limit)
switches the chain back with ``async_to_sync``, and the view gets its own ``sync_to_async``: about
fifteen handovers between the event loop and the worker thread per request. Measured under gunicorn
with two uvicorn workers, that cost the bare one-INSERT endpoint 3.7 ms of CPU per request against
2.2 ms with one handover, and every page and API call paid it.

Here the chain is built in sync mode, as under WSGI, and the whole of it (middleware, URL resolution,
the view) runs in one ``sync_to_async`` call: one handover per request, into the request's own thread
(Django's ``ThreadSensitiveContext``) that ran the views before, so database connections, thread
locals and transactions behave as they did. Reading the body, the request signals, streaming the
response and noticing a client that went away stay with Django's ``ASGIHandler``.
"""

from __future__ import annotations

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    """``ASGIHandler`` whose middleware chain is synchronous and entered once per request."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)
        # thread_sensitive: the request's own thread, which its other synchronous parts (the request
        # signals, closing the response) share, so the request's database connection stays in it.
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


def get_http_application() -> SyncChainASGIHandler:
    """What ``django.core.asgi.get_asgi_application`` does, with the one-handover handler."""
    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
