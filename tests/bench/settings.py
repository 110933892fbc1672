"""Settings of the servers the benchmarks start: production settings (DEBUG off, no debug toolbar of
any kind) plus the benchmark URLs. Secrets and hosts come from the benchmark's environment."""

from __future__ import annotations

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
