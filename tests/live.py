"""Start the real ASGI server (daphne) as a subprocess against the test database.

Used by live-server tests: the data a ``django_db(transaction=True)`` test commits is visible to
the server process because both use the same (test) database.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextlib.contextmanager
def live_server(*, port: int | None = None, env: dict[str, str] | None = None,
                timeout: float = 30.0) -> Iterator[str]:
    """Run daphne on 127.0.0.1:<port>; yields the base URL and stops the process afterwards."""
    port = port or free_port()
    child_env = {**os.environ, "DATABASE_URL": test_database_url(),
                 "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1", **(env or {})}
    daphne = str(Path(sys.executable).with_name("daphne"))
    log = open(ROOT / f".live-{port}.log", "w+b")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
                            cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"daphne exited early:\n{log.read().decode(errors='replace')[-3000:]}")
            try:
                httpx.get(f"{base}/admin/login/", timeout=1.0)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start in time") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        with contextlib.suppress(OSError):
            os.unlink(log.name)


@contextlib.contextmanager
def site_serving_media(settings_fixture) -> Iterator[str]:
    """A real server process at SITE_URL that writes its files (labels, photos) where the test reads them,
    for the gateway and carrier stubs that call us back over HTTP."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings_fixture.SITE_URL = base
    with live_server(port=port, env={"SITE_URL": base, "MEDIA_ROOT": str(settings_fixture.MEDIA_ROOT)}, timeout=180):
        yield base


def wait_for(predicate, *, seconds: float = 60) -> bool:
    """Poll until a callback from another process has landed (notifications, route pushes)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False
