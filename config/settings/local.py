"""`make run` defaults: runs with nothing configured (SQLite, in-memory layer, ORM broker), and is safe
on a shop's LAN as it is: DEBUG off unless asked for, a secret key of its own, no public uploads.

- DEBUG: ``DJANGO_DEBUG=1`` turns it on for development (tracebacks, the URL list on 404).
- SECRET_KEY: from the environment, else generated on first run into ``.secret_key`` (mode 0600,
  gitignored; ``SECRET_KEY_FILE`` moves it, e.g. to a data directory).
- ALLOWED_HOSTS: the loopback names, plus the host of SITE_URL and a specific BIND_HOST. To serve the
  LAN, start with ``BIND_HOST=0.0.0.0 SITE_URL=http://192.168.1.20:8000 make run`` (the address the
  counter PCs and the customers' SMS links use), or list names in ``ALLOWED_HOSTS``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from config.secret import local_secret_key

from .base import *  # noqa: F403
from .base import BASE_DIR, BIND_HOST, SITE_URL, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="") or local_secret_key(
    Path(env("SECRET_KEY_FILE", default=str(BASE_DIR / ".secret_key")))
)


def _served_hosts() -> list[str]:
    hosts = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    site_host = urlsplit(SITE_URL).hostname if SITE_URL else None
    if site_host:
        hosts.append(f"[{site_host}]" if ":" in site_host else site_host)
    if BIND_HOST not in ("", "0.0.0.0", "::", "[::]", *hosts):
        hosts.append(BIND_HOST)
    return hosts


ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=_served_hosts())
DEMO_MODE = True
# One log line per e-mail (Django's console backend prints whole messages; the outbox keeps them).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="config.mail.LogEmailBackend")

# Serve static files straight from the finders, with DEBUG off too: `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
