"""The production serving recipe, run for real in subprocesses: gunicorn with uvicorn workers answers
HTTP and WebSockets, the task worker of both Procfiles stops on SIGTERM, and nothing is left behind.

The processes use the test database (committed rows: ``transactional_db``) and, without REDIS_URL,
django-q2's ORM broker on it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories

ROOT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _env(marker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=_database_url(),
               REDIS_URL=os.environ.get("REDIS_URL", ""), SECRET_KEY="serving-test-" + "x" * 32,
               PYTHONUNBUFFERED="1", SERVING_TEST_MARK=marker, **extra)
    return env


def _marked(marker: str) -> list[int]:
    """Every live process started by this test (they all inherit the marker in their environment)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"SERVING_TEST_MARK={marker}".encode() in environ and state != "Z":
            pids.append(int(entry.name))
    return pids


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop_and_check(proc: subprocess.Popen, marker: str, log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        pass
    try:
        _wait_for(lambda: not _marked(marker), 30, "every process to exit")
    finally:
        for pid in _marked(marker):  # never leave them running, even when the test fails
            os.kill(pid, signal.SIGKILL)
    assert proc.returncode is not None, log.read_text()[-3000:]


def _procfile_line(procfile: str, name: str) -> str:
    for line in (ROOT / procfile).read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} line in {procfile}")


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.prod"])
def test_the_task_worker_stops_on_sigterm_from_honcho(procfile, transactional_db, tmp_path):
    """honcho signals the whole process group of each line; the worker must still stop cleanly."""
    marker = uuid.uuid4().hex
    (tmp_path / "Procfile").write_text(f"worker: {_procfile_line(procfile, 'worker')}\n")
    log = tmp_path / "honcho.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "honcho"), "-d", str(ROOT), "-f", str(tmp_path / "Procfile"),
                                 "start"], env=_env(marker, PORT="8190"), stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: re.search(r"\] (正在运行|running)", log.read_text(errors="replace")), 120,
                  "the cluster to run")
    except AssertionError:
        _stop_and_check(proc, marker, log)
        raise
    assert len(_marked(marker)) >= 5  # honcho, the launcher, the cluster, its sentinel and its workers
    _stop_and_check(proc, marker, log)
    text = log.read_text(errors="replace")
    assert re.search(r"(已停止|has stopped)", text), text[-3000:]


def test_gunicorn_with_uvicorn_workers_serves_http_and_websockets(transactional_db, tmp_path):
    ticket = factories.TicketFactory()
    marker, port = uuid.uuid4().hex, _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.asgi:application"], cwd=ROOT,
            env=_env(marker, PORT=str(port), WEB_CONCURRENCY="2", BIND_HOST="127.0.0.1"),
            stdout=out, stderr=subprocess.STDOUT)
    try:
        import httpx

        def up() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/admin/login/", timeout=5).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(up, 120, "gunicorn to answer")
        workers = [pid for pid in _marked(marker) if pid != proc.pid]
        assert len(workers) == 2, log.read_text()[-3000:]

        async def hello() -> dict:
            import websockets

            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/t/{ticket.tracking_token}/",
                                          origin=f"http://127.0.0.1:{port}", open_timeout=20) as ws:
                return json.loads(await asyncio.wait_for(ws.recv(), 20))

        assert asyncio.run(hello()) == {"type": "hello", "ticket_id": ticket.pk}
    finally:
        _stop_and_check(proc, marker, log)
    assert proc.returncode == 0, log.read_text()[-3000:]


def _database_settings(role: str, **extra_env: str) -> dict:
    """DATABASES["default"] as a process of ``role`` loads it (a fresh interpreter: settings are read once)."""
    code = ("import json, django; from django.conf import settings; django.setup(); "
            "d = settings.DATABASES['default']; "
            "print(json.dumps({'age': d['CONN_MAX_AGE'], 'pool': d.get('OPTIONS', {}).get('pool')}))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "SECRET_KEY": "x" * 50,
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", **extra_env}
    env.pop("SHOUHOU_PROCESS", None)
    if role == "web":
        env["SHOUHOU_PROCESS"] = "web"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_web_processes_share_a_connection_pool_and_workers_keep_persistent_connections():
    # Under ASGI each request runs in a thread of its own: a persistent connection would be opened per
    # request and left open; the pool is shared by the threads of the process.
    web = _database_settings("web")
    assert web["age"] == 0
    assert web["pool"]["max_size"] >= web["pool"]["min_size"] >= 1
    worker = _database_settings("worker")
    assert worker["age"] > 0
    assert worker["pool"] is None


def test_web_processes_without_the_pool_keep_no_persistent_connection():
    # DB_POOL=0 (pgbouncer in front): each request's thread would otherwise leave its session open
    web = _database_settings("web", DB_POOL="0")
    assert web["age"] == 0
    assert web["pool"] is None
