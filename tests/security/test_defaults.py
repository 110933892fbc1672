"""`make run` on a shop's LAN is safe as it is: DEBUG off, a secret of its own, static files served,
the LAN reachable by configuration; behind a proxy, forwarded headers are believed only when configured."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = r"""
import json, os
import django
django.setup()
from django.conf import settings
from django.test import Client
static = Client().get("/static/css/public.css") if os.environ.get("PROBE_STATIC") else None
print(json.dumps({
    "debug": settings.DEBUG, "secret": settings.SECRET_KEY, "hosts": settings.ALLOWED_HOSTS,
    "static": static and static.status_code, "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "drf_proxies": settings.REST_FRAMEWORK.get("NUM_PROXIES", "unset"),
}))
"""


def _settings_of(module: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "BIND_HOST", "NUM_PROXIES",
                          "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "DATABASE_URL", "REDIS_URL"}}
    clean.update(env, DJANGO_SETTINGS_MODULE=module, PROBE_STATIC="1" if module.endswith("local") else "")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=clean, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_make_run_has_debug_off_and_a_generated_private_secret(tmp_path):
    key_file = tmp_path / "data" / ".secret_key"
    key_file.parent.mkdir()
    first = _settings_of("config.settings.local", SECRET_KEY_FILE=str(key_file))
    assert first["debug"] is False
    assert len(first["secret"]) >= 50
    assert key_file.read_text().strip() == first["secret"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # the key survives restarts (sessions stay valid), and DJANGO_DEBUG=1 still turns DEBUG on
    again = _settings_of("config.settings.local", SECRET_KEY_FILE=str(key_file), DJANGO_DEBUG="1")
    assert again["secret"] == first["secret"]
    assert again["debug"] is True
    # with DEBUG off, `make run` still serves the static files (no collectstatic step)
    assert first["static"] == 200
    assert first["hosts"][:3] == ["127.0.0.1", "localhost", "[::1]"]


def test_generated_secret_file_is_never_committed():
    ignored = (Path(settings.BASE_DIR) / ".gitignore").read_text().split()
    assert ".secret_key" in ignored


def test_lan_address_from_site_url_is_an_allowed_host(tmp_path):
    served = _settings_of("config.settings.local", SECRET_KEY_FILE=str(tmp_path / "k"),
                          SITE_URL="http://192.168.1.20:8000", BIND_HOST="0.0.0.0")
    assert "192.168.1.20" in served["hosts"]
    assert "localhost" in served["hosts"]
    assert "0.0.0.0" not in served["hosts"]


def test_production_trusts_forwarded_headers_only_when_proxies_are_configured():
    prod = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "service.example.com"}
    direct = _settings_of("config.settings.production", **prod)
    assert direct["proxy_header"] is None
    assert direct["drf_proxies"] == 0
    proxied = _settings_of("config.settings.production", NUM_PROXIES="1", **prod)
    assert proxied["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["drf_proxies"] == 1
