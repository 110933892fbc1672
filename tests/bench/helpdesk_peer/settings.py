"""django-helpdesk as the peer of the hot-path benchmark: its own minimal project, run only from the
scratch virtualenv that holds django-helpdesk from PyPI (``tests/bench/bench_hotpaths.py --helpdesk``).
It imports nothing of ours."""

import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["DATABASE_URL"])
SECRET_KEY = "helpdesk-peer-bench-" + "x" * 32
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "helpdesk_peer.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                 "django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": _db.path.lstrip("/"),
                         "USER": _db.username or "postgres", "PASSWORD": _db.password or "",
                         "HOST": _db.hostname or "127.0.0.1", "PORT": _db.port or 5432, "CONN_MAX_AGE": 60}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
STATIC_URL = "/static/"
USE_TZ = True
HELPDESK_TEAMS_MODE_ENABLED = False
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
# Mail to the submitter and the queue is part of helpdesk's create; the dummy backend drops it.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
