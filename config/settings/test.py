"""Test settings: fast hasher, locmem e-mail, in-memory layer unless REDIS_URL, django-q2 sync."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import Q_CLUSTER, REST_FRAMEWORK, env

DEBUG = False
DEMO_MODE = True
SECRET_KEY = "test-secret-key-not-for-production-7d2a91c5e3b8"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
LANGUAGE_CODE = "zh-hans"
AXES_ENABLED = env.bool("AXES_ENABLED", default=False)
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "10000/min", "anon": "10000/min", "login": "10/min", "track": "10/min",
                                "submit": "10000/min"},
}
MEDIA_ROOT = env("MEDIA_ROOT", default="/tmp/shouhou-test-media")

# SQLite: a file (not the shared in-memory cache) so that tests with parallel connections see real
# SQLite locking: WAL, IMMEDIATE transactions and a busy timeout, as in production-like runs.
import os  # noqa: E402
import tempfile  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"shouhou-test-{os.getpid()}.sqlite3"),
    }

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Under pytest-xdist every worker gets its own Redis database (cache, channel layer, django-q2),
# so one worker's cache.clear() (FLUSHDB) never wipes another's keys or channel groups.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _base = int((_parts.path or "/0").lstrip("/") or 0)
    _db = (_base + 1 + int(_worker[2:])) % 16
    REDIS_URL = urlunsplit(_parts._replace(path=f"/{_db}"))
    CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = REDIS_URL  # noqa: F405
    Q_CLUSTER["redis"] = REDIS_URL
