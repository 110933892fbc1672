"""gunicorn settings for production: uvicorn workers serve HTTP and the WebSockets of one ASGI app.

``gunicorn -c config/gunicorn.py config.asgi:application`` (Procfile.prod, docs/deploy.md). One kind of
process serves both protocols: Channels' consumers run in the uvicorn worker like the Django views,
and the Redis channel layer joins the workers, so the reverse proxy sends every path to one upstream.
gunicorn supervises the workers (restarts a crashed one, ``max_requests`` recycling) and turns
SIGTERM into a graceful stop: open requests finish within ``graceful_timeout``.
Settings: https://docs.gunicorn.org/en/stable/settings.html
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# One worker per core is the rule for async workers: each runs its own event loop.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "uvicorn_worker.UvicornWorker"
# Recycle workers now and then, jittered so that they never restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# The proxy in front terminates TLS; the client address and scheme come from its headers, which only
# the proxy's own address may set (Django's NUM_PROXIES applies the same rule to X-Forwarded-For).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
