"""The hot paths side by side with a bare DRF baseline, in one run, on the production serving stack.

* ticket create: ``POST /api/intake/v1/tickets/`` (API key, validation, customer and device match,
  classification, estimate, outbox row, idempotency record) vs ``POST /bench/create/`` (one INSERT
  through a ModelSerializer, no services: ``tests/bench/bare.py``);
* technician job list: ``GET /api/v1/jobs/`` (knox token, scope, filters, cursor page of full rows) vs
  ``GET /bench/jobs/`` (20 rows by the foreign key), at each table size (default 1k, 100k, 1M tickets);
* admin search by phone and by ticket number at each size (in-process, the admin's full view), and
  prefixes that match a large share of the customers (four digits of a phone, a name's first characters);
* admin words search (``~漏水``: two-character words through the bigram index) at each size;
* the SLA sweep with 500 reminders due (time and queries).

Both sides are served by the same gunicorn (``-w 2`` uvicorn workers, production settings,
``tests.bench.settings``) on the same PostgreSQL, django-q2 on Redis; rounds alternate between
them, so a noisy neighbour slows both alike, and the ratios are taken within the run: each round's
ratio is printed, with the median and the spread. No task worker runs during the measure: its work
is off the request path by design (it would compete for the two cores).

The load generator runs on the same two cores. ``wrk`` (``apt-get install wrk``; ``--generator wrk``,
the default when it is installed) costs little CPU per request; the fallback, Python threads
(``--generator threads``), costs about as much CPU per request as the bare create itself, so it caps
the bare side and flatters every ratio to it: its own CPU share is printed next to its figures. Next
to each rate, the CPU the gunicorn workers spent per request (from /proc) shows the cost of the path
independently of the rate, and the CPU of the local PostgreSQL per request (every backend, the WAL
writer) what its statements cost the shared cores. The machine is shared: absolute figures are pessimistic, ratios are the
point.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
     .venv/bin/python -m tests.bench.bench_hotpaths [--sizes 1000,100000,1000000] [--seconds 6] [--rounds 3] \\
     [--generator wrk|threads] [--create-only]
It creates and drops the database ``<db>_bench_hot``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench._pg import BenchDatabase

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _seed() -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone
    from knox.models import AuthToken

    from repairs.services import price_item_upsert
    from tests import factories
    from tests.bench.datagen import generate_sql
    from tickets.intake.services import classifier_train
    from tickets.intake.taxonomy import taxonomy_sync
    from tickets.models import FaultCategory, IntakeChannelKey, ProductModel

    call_command("migrate", verbosity=0)
    taxonomy_sync()
    classifier_train()
    center = factories.ServiceCenterFactory(code="SH1", city="上海市", latitude=Decimal("31.228"),
                                            longitude=Decimal("121.520"),
                                            service_modes=["walk_in", "on_site", "mail_in"])
    techs = [factories.TechnicianFactory(center=center, skills=["screen"], capacity=30000) for _ in range(21)]
    for tech in techs:
        tech.user.groups.add(Group.objects.get(name="维修工程师"))
    bench_tech, others = techs[0], techs[1:]
    model, _ = ProductModel.objects.get_or_create(code="BENCH-PHONE", defaults={
        "brand": "基准", "name": "Bench Phone", "category": "phone", "uses_imei": True})
    # Priced under the category the classifier gives the benchmark's report, whatever the taxonomy.
    from tickets.intake.services import classify

    prediction, _version = classify(text="屏幕碎了，触摸失灵", product_category="phone")
    price_item_upsert(product_model=model, fault_category=FaultCategory.objects.get(code=prediction.code),
                      kind="labor",
                      code="L-SCREEN", name="更换屏幕工时", unit_price=Decimal("80"),
                      valid_from=timezone.localdate() - dt.timedelta(days=30))
    generate_sql(500, technician_ids=[bench_tech.pk], assigned_share=0.4, seed=1)  # the bench tech's 200 jobs
    _key, raw = IntakeChannelKey.objects.create_key(name="基准", channel="app")
    admin = factories.UserFactory(username="bench-admin", is_staff=True, is_superuser=True)
    return {"api_key": raw, "token": AuthToken.objects.create(user=bench_tech.user)[1], "tech": bench_tech,
            "others": [t.pk for t in others], "admin": admin}


class HelpdeskPeer:
    """django-helpdesk from PyPI in its scratch virtualenv, its own database, gunicorn -w 2 (sync WSGI
    workers, as its docs deploy it); creates tickets through its REST API as an admin."""

    def __init__(self, venv: Path, port: int, database_url: str):
        import psycopg

        self.port, self.base = port, f"http://127.0.0.1:{port}"
        server, name = database_url.rsplit("/", 1)
        self.admin_url, self.name = server + "/postgres", name + "_hd"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.name}")
        here = Path(__file__).resolve().parent
        env = {**os.environ, "DATABASE_URL": f"{server}/{self.name}", "PYTHONPATH": str(here),
               "DJANGO_SETTINGS_MODULE": "helpdesk_peer.settings"}
        python = str(venv / "bin" / "python")
        subprocess.run([python, str(here / "helpdesk_peer" / "manage.py"), "migrate", "-v0"], env=env, check=True)
        out = subprocess.run([python, str(here / "helpdesk_peer" / "seed.py")], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        self.queue, self.token = int(out[-2]), out[-1]
        self.log = open(f"/tmp/shouhou-bench-helpdesk-{port}.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen([str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                      "helpdesk_peer.wsgi:application"], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def side(self) -> Side:
        """A ticket through its REST API."""
        return Side("helpdesk", self.base, "/api/tickets/", server_pid=self.proc.pid, on_bench_database=False,
                    headers={"Content-Type": "application/json", "Authorization": f"Token {self.token}"},
                    body=json.dumps({"queue": self.queue, "title": "屏幕碎了", "description": "屏幕碎了，触摸失灵",
                                     "submitter_email": f"c{N}@example.com", "priority": 3}, ensure_ascii=False))

    def wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base}/", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError("django-helpdesk did not start")

    def stop(self) -> None:
        import psycopg

        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


class Server:
    """gunicorn with two uvicorn workers on the benchmark settings."""

    def __init__(self, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.bench.settings", "PORT": str(port),
               "WEB_CONCURRENCY": "2", "SECRET_KEY": "bench-secret-" + "x" * 32,
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "MEDIA_ROOT": "/tmp/shouhou-bench-media",
               "GUNICORN_MAX_REQUESTS": "0", "PYTHONUNBUFFERED": "1"}
        self.log = open(f"/tmp/shouhou-bench-gunicorn-{port}.log", "w+b")  # noqa: SIM115
        self.proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py",
                                      "config.asgi:application"], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/admin/login/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.log.seek(0)
        raise RuntimeError(self.log.read().decode(errors="replace")[-3000:])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


#: Every request of the run gets its own number (phones, idempotency keys): a repeated key would be
#: answered as a replay, which costs less than a create.
_serial = itertools.count(1)
_serial_lock = threading.Lock()
#: In request templates, replaced by the request's number (eight digits).
N = "NNNNNNNN"


def _next(block: int = 1) -> int:
    """The next number, or the first of a block of ``block`` numbers (one ``wrk`` run)."""
    global _serial
    with _serial_lock:
        first = next(_serial)
        if block > 1:
            _serial = itertools.count(first + block)
        return first


@dataclass
class Side:
    """One endpoint under load: a request template whose ``N`` marks take each request's number."""

    name: str
    base: str
    path: str
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    server_pid: int | None = None  # the gunicorn master whose workers serve it
    on_bench_database: bool = True  # served from the benchmark's database (its sessions are counted)

    def call(self, client, n: int):
        number = f"{n % 10**8:08d}"
        return client.request(self.method, self.base + self.path, content=self.body.replace(N, number) or None,
                              headers={k: v.replace(N, number) for k, v in self.headers.items()})


@dataclass
class Measure:
    rate: float  # successful requests per second
    server_cpu_ms: float | None  # CPU of the serving workers per successful request
    generator_cpu_ms: float  # CPU of the load generator per request
    sessions: float | None = None  # PostgreSQL sessions opened per request (0 when connections are reused)
    database_cpu_ms: float | None = None  # CPU of every PostgreSQL process per request (local server only)


def process_stat(pid: int | str) -> tuple[str, int, float] | None:
    """(command, parent pid, CPU seconds spent so far: user + system) of a process, from /proc; None
    when it cannot be read (gone, or not on this machine)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, tail = f.read().rsplit(")", 1)
    except OSError:
        return None
    fields = tail.split()
    return head.split("(", 1)[1], int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes_cpu(*, parent: int | None = None, command: str | None = None) -> float:
    """CPU seconds spent so far by the processes whose parent is ``parent`` or whose command is
    ``command``."""
    total = 0.0
    for entry in os.listdir("/proc"):
        stat = process_stat(entry) if entry.isdigit() else None
        if stat is not None and (stat[1] == parent or stat[0] == command):
            total += stat[2]
    return total


def _workers_cpu(master: int | None) -> float:
    """CPU seconds spent so far by the children of ``master`` (gunicorn's workers)."""
    return 0.0 if master is None else _processes_cpu(parent=master)


def _database_cpu() -> float:
    """CPU seconds spent so far by the local PostgreSQL server: every backend, the WAL writer, the
    checkpointer. The database shares the two cores with the servers, so a path that writes more
    rows and indexes is slower than its own process's CPU says."""
    return _processes_cpu(command="postgres")


_WRK_SCRIPT = r"""
-- tid is set on each thread by setup() (a global of the thread's state: a local would hide it)
local counter, first = 0, 0
local threads = 0
local method, path, body_t = "%(method)s", "%(path)s", [==[%(body)s]==]
local headers_t = {%(headers)s}
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  first = tonumber(args[1])
end
function request()
  counter = counter + 1
  local n = string.format("%%08d", (first + tid * 1000000 + counter) %% 100000000)
  local headers = {}
  for k, v in pairs(headers_t) do headers[k] = string.gsub(v, "NNNNNNNN", n) end
  local body = string.gsub(body_t, "NNNNNNNN", n)
  return wrk.format(method, path, headers, body ~= "" and body or nil)
end
function done(summary, latency, requests)
  io.write(string.format("WRKRESULT %%d %%d %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
"""


def _sessions() -> int:
    """Sessions opened so far on the benchmark's database (PostgreSQL 14+)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _rate_wrk(side: Side, *, seconds: float, concurrency: int) -> Measure:
    """``wrk -t2``: two generator threads in C, each with its own block of request numbers."""
    import resource
    import tempfile

    headers = {"Content-Type": "application/json", **side.headers} if side.body else dict(side.headers)
    script = _WRK_SCRIPT % {"method": side.method, "path": side.path, "body": side.body,
                            "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items())}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    threads = min(2, concurrency)
    first = _next(block=(threads + 1) * 1000000)
    before, cpu0, sessions0 = resource.getrusage(resource.RUSAGE_CHILDREN), _workers_cpu(side.server_pid), _sessions()
    database0 = _database_cpu()
    try:
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds:.0f}s", "--timeout", "60s",
                              "-s", f.name, side.base + side.path, "--", str(first)],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    after, cpu1, sessions1 = resource.getrusage(resource.RUSAGE_CHILDREN), _workers_cpu(side.server_pid), _sessions()
    database1 = _database_cpu()
    line = next(x for x in out.splitlines() if x.startswith("WRKRESULT"))
    requests, duration_us, status, *socket_errors = (int(v) for v in line.split()[1:])
    ok = requests - status
    if status or sum(socket_errors):
        _failures.append(f"{side.name}: {status} non-2xx answers, {sum(socket_errors)} socket errors")
    if ok <= 0:
        raise RuntimeError(f"{side.name}: no successful request\n{out}")
    generator = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measure(rate=ok / (duration_us / 1e6),
                   server_cpu_ms=(cpu1 - cpu0) / ok * 1000 if side.server_pid else None,
                   generator_cpu_ms=generator / max(requests, 1) * 1000,
                   sessions=(sessions1 - sessions0) / requests if side.on_bench_database else None,
                   database_cpu_ms=(database1 - database0) / ok * 1000 if database1 else None)


def _rate_threads(side: Side, *, seconds: float, concurrency: int) -> Measure:
    """Requests per second over ``seconds`` with ``concurrency`` keep-alive connections (Python threads)."""
    import httpx

    done = [0] * concurrency
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                try:
                    response = side.call(client, _next())
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                if response.status_code >= 300:
                    # Counted, not fatal: the PostgreSQL server is shared, and another user's burst
                    # ("too many clients") must not throw the whole run away. Reported below.
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    continue
                done[slot] += 1

    t0, cpu0, workers0 = time.monotonic(), time.process_time(), _workers_cpu(side.server_pid)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, generator, workers = (time.monotonic() - t0, time.process_time() - cpu0,
                                   _workers_cpu(side.server_pid) - workers0)
    if errors:
        _failures.append(f"{side.name}: {len(errors)} failed, first: {errors[0]}")
        if not sum(done):
            raise RuntimeError(errors[0])
    ok = sum(done)
    return Measure(rate=ok / elapsed, server_cpu_ms=workers / ok * 1000 if side.server_pid else None,
                   generator_cpu_ms=generator / max(ok + len(errors), 1) * 1000)


_failures: list[str] = []


def _prime(side: Side, *, concurrency: int, timeout: float = 600) -> None:
    """One request per connection, waited for as long as it takes: a fresh worker fits the classifier
    on its first report, which on a loaded machine outlasts the measuring client's timeout."""
    import httpx

    def run() -> None:
        with httpx.Client(timeout=timeout) as client:
            side.call(client, _next())

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _rounds(sides: list[Side], *, rounds: int, seconds: float, concurrency: int,
            generator: str) -> dict[str, list[Measure]]:
    rate = _rate_wrk if generator == "wrk" else _rate_threads
    results: dict[str, list[Measure]] = {side.name: [] for side in sides}
    for side in sides:  # warm up every side (each worker loads the classifier, jieba …)
        _prime(side, concurrency=concurrency)
        rate(side, seconds=max(4.0, seconds / 2), concurrency=concurrency)
    for _ in range(rounds):
        for side in sides:
            results[side.name].append(rate(side, seconds=seconds, concurrency=concurrency))
    return results


def _median(measures: list[Measure]) -> float:
    return statistics.median(m.rate for m in measures)


def _ratios(top: list[Measure], bottom: list[Measure]) -> str:
    """Per-round ratios of two sides measured in the same rounds, their median and their spread."""
    values = [a.rate / b.rate for a, b in zip(top, bottom, strict=True)]
    return (f"median {statistics.median(values):.1%} (rounds {', '.join(f'{v:.1%}' for v in values)}; "
            f"spread {min(values):.1%}–{max(values):.1%})")


def _cpu(measures: list[Measure]) -> str:
    server = [m.server_cpu_ms for m in measures if m.server_cpu_ms is not None]
    generator = statistics.median(m.generator_cpu_ms for m in measures)
    shown = f"server CPU {statistics.median(server):5.2f} ms/req, " if server else ""
    sessions = [m.sessions for m in measures if m.sessions is not None]
    if sessions:
        shown += f"database sessions opened {statistics.median(sessions):.2f}/req, "
    database = [m.database_cpu_ms for m in measures if m.database_cpu_ms is not None]
    if database:
        shown += f"database CPU {statistics.median(database):5.2f} ms/req, "
    return f"{shown}generator CPU {generator:4.2f} ms/req"


def _admin_search(admin, query: str, times: int = 7) -> float:
    from django.test import Client

    client = Client()
    client.force_login(admin)
    client.get("/admin/tickets/ticket/", {"q": query})  # warm
    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        response = client.get("/admin/tickets/ticket/", {"q": query})
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
    return statistics.median(samples) * 1000


def _search_sql(query: str, times: int = 7) -> float:
    """The search alone: the admin's first page of matches and their count (ms, median)."""
    from tickets.models import Ticket
    from tickets.selectors import ticket_search

    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        found = ticket_search(qs=Ticket.objects.order_by("-pk"), term=query)
        list(found[:50])
        found.count()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def _words_search(query: str, times: int = 7) -> float:
    """A ``~words`` search as the admin runs it: the first page of 50 and the count capped at
    ``CappedCountPaginator.filtered_cap`` + 1 (ms, median)."""
    from tickets.admin_mixins import CappedCountPaginator
    from tickets.models import Ticket
    from tickets.selectors import ticket_search

    samples = []
    for _ in range(times + 1):
        t0 = time.perf_counter()
        found = ticket_search(qs=Ticket.objects.all(), term=query)
        list(found[:50])
        found.order_by()[:CappedCountPaginator.filtered_cap + 1].count()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples[1:]) * 1000


def _sla_sweep(reminders: int = 500) -> tuple[float, int, dict]:
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    # As in production: messages are delivered by workers after the commit (queued on Redis), not
    # inline in the sweep as in the test settings this process runs with.
    from django_q.conf import Conf

    from tickets.models import SlaClock, Ticket
    from tickets.sla.services import sla_sweep

    Conf.SYNC = False
    now = timezone.now()
    ids = list(Ticket.objects.filter(sla_clock__isnull=True, technician__isnull=False)
               .values_list("pk", flat=True)[:reminders])
    SlaClock.objects.bulk_create([
        SlaClock(ticket_id=pk, response_hours=Decimal("4"), resolution_hours=Decimal("48"), started_at=now,
                 running_since=now, responded_at=now, remind_at=now - dt.timedelta(minutes=5),
                 due_resolution_at=now + dt.timedelta(hours=6), next_action_at=now - dt.timedelta(minutes=5))
        for pk in ids])
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        counts = sla_sweep(now=now, limit=reminders)
        elapsed = time.perf_counter() - t0
    return elapsed, len(ctx.captured_queries), counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=8197)
    parser.add_argument("--helpdesk", default="/tmp/helpdesk-venv",
                        help="virtualenv with django-helpdesk from PyPI (skipped when missing)")
    parser.add_argument("--generator", choices=["wrk", "threads"], default="wrk" if shutil.which("wrk") else "threads")
    parser.add_argument("--create-only", action="store_true", help="measure the ticket create alone")
    parser.add_argument("--list-only", action="store_true",
                        help="skip the ticket create (the lists, searches and the sweep only)")
    args = parser.parse_args(argv)
    generator = args.generator
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    db = BenchDatabase.create("bench_hot")
    server = peer = None
    try:
        import logging

        from django.db import connection

        from tests.bench.datagen import generate_sql
        from tickets import selectors
        from tickets.models import Ticket

        # The load generator's own request log would cost the CPU it shares with the servers.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        seeded = _seed()
        print(f"bench_hotpaths: gunicorn -w 2 (uvicorn workers), PostgreSQL, django-q2 on Redis, "
              f"{args.concurrency} connections, {args.rounds} alternating rounds × {args.seconds:.0f} s")
        print(f"  start: {_load()}")
        server = Server(args.port)
        server.wait()
        key, token, tech = seeded["api_key"], seeded["token"], seeded["tech"]

        body = json.dumps({"name": "基准客户", "phone": f"137{N}", "description": "屏幕碎了，触摸失灵",
                           "product_model": "BENCH-PHONE", "city": "上海市", "address": "徐汇区漕溪北路88号"},
                          ensure_ascii=False)
        json_type = {"Content-Type": "application/json"}
        pid = server.proc.pid
        product_create = Side("product", server.base, "/api/intake/v1/tickets/", body, server_pid=pid,
                              headers={**json_type, "Authorization": f"Api-Key {key}",
                                       "Idempotency-Key": f"b{os.getpid()}-{N}"})
        bare_create = Side("bare", server.base, "/bench/create/", server_pid=pid, headers=json_type,
                           body=json.dumps({"name": "基准客户", "phone": f"136{N}"}, ensure_ascii=False))
        product_list = Side("product", server.base, "/api/v1/jobs/", method="GET", server_pid=pid,
                            headers={"Authorization": f"Token {token}"})
        bare_list = Side("bare", server.base, f"/bench/jobs/?technician={tech.pk}", method="GET", server_pid=pid)

        if not args.list_only:
            sides = [bare_create, product_create]
            if Path(args.helpdesk, "bin", "gunicorn").exists():
                peer = HelpdeskPeer(Path(args.helpdesk), args.port + 1, os.environ["DATABASE_URL"])
                peer.wait()
                sides.append(peer.side())
            print(f"  load generator: {generator}" + ("" if generator == "wrk" else
                  " (Python threads: their CPU per request is printed; `apt-get install wrk` for a lighter one)"))
            create = _rounds(sides, rounds=args.rounds, seconds=args.seconds, concurrency=args.concurrency,
                             generator=generator)
            print(f"  ticket create   product {_median(create['product']):7.1f} req/s   bare "
                  f"{_median(create['bare']):7.1f} req/s   [{_load()}]")
            print(f"                  product / bare: {_ratios(create['product'], create['bare'])} (goal ≥ 30%)")
            print(f"                  product: {_cpu(create['product'])};  bare: {_cpu(create['bare'])}")
            if "helpdesk" in create:
                print(f"                  django-helpdesk {_median(create['helpdesk']):7.1f} req/s, helpdesk / bare: "
                      f"{_ratios(create['helpdesk'], create['bare'])}; {_cpu(create['helpdesk'])} "
                      f"(sync workers)")
                print(f"                  product / helpdesk: {_ratios(create['product'], create['helpdesk'])} "
                      f"(goal ≈ 200%)")
            else:
                print(f"                  django-helpdesk: not measured (no {args.helpdesk})")
            if peer is not None:
                peer.stop()
                peer = None
        if args.create_only:
            sizes = []

        rows = []
        for size in sizes:
            have = Ticket.objects.count()
            if size > have:
                t0 = time.perf_counter()
                generate_sql(size - have, technician_ids=seeded["others"], seed=2)
                made = time.perf_counter() - t0
                print(f"  data: {size - have:,} tickets (+ customers, devices) generated in {made:.1f} s")
            # As a database in service would be: the generated rows vacuumed (visibility map set for
            # index-only scans), analysed and written out, so that neither an autovacuum of them nor the
            # checkpoint flushing a million new rows runs during the measures.
            with connection.cursor() as cur:
                cur.execute("VACUUM (ANALYZE) tickets_ticket, tickets_customer, tickets_device")
                cur.execute("CHECKPOINT")
            # The words search reads the index's statistics once per ten minutes; these are new.
            selectors._bigram_statistics.update(read_at=None)
            listed = {name: _median(measures) for name, measures in
                      _rounds([bare_list, product_list], rounds=args.rounds, seconds=args.seconds,
                              concurrency=args.concurrency, generator=generator).items()}
            number = Ticket.objects.order_by("-id").values_list("number", flat=True).first()
            phone = Ticket.objects.order_by("-id").values_list("customer__phone", flat=True).first()
            by_phone, by_number = _admin_search(seeded["admin"], phone), _admin_search(seeded["admin"], number)
            sql_phone, sql_number = _search_sql(phone), _search_sql(number)
            sql_prefix = _search_sql(phone[:7])
            # Prefixes matching a large share of the customers (every generated name starts with 基准):
            # each way of the search reads at most SEARCH_MATCH_CAP of them.
            sql_broad, sql_name = _search_sql(phone[:4]), _search_sql("基准")
            page_broad = _admin_search(seeded["admin"], phone[:4])
            # Words of the generated fault texts (datagen.FAULTS): in one ticket of ten, one of a
            # thousand, one of a hundred thousand, none; then a common four-character phrase.
            words = {q: _words_search(q) for q in ("~触摸", "~漏水", "~黑屏", "~冰箱", "~触摸失灵")}
            page_words = _admin_search(seeded["admin"], "~漏水")
            rows.append((size, listed, by_phone, by_number))
            print(f"  {size:>9,} tickets: job list product {listed['product']:7.1f} req/s   bare "
                  f"{listed['bare']:7.1f} req/s   ratio {listed['product'] / listed['bare']:.0%} (goal ≥ 50%)   "
                  f"[{_load()}]")
            print(f"             admin search page (goal < 100 ms): phone {by_phone:6.1f} ms, number "
                  f"{by_number:6.1f} ms; the search query alone (page + count): phone {sql_phone:5.1f} ms, "
                  f"number {sql_number:5.1f} ms, phone prefix {sql_prefix:5.1f} ms")
            print(f"             broad prefixes (each way capped): phone {phone[:4]} {sql_broad:5.1f} ms, name 基准 "
                  f"{sql_name:5.1f} ms; admin page {phone[:4]} {page_broad:6.1f} ms")
            print("             words (page + capped count, goal < 100 ms): "
                  + ", ".join(f"{q} {ms:5.1f} ms" for q, ms in words.items())
                  + f"; admin page ~漏水 {page_words:6.1f} ms   [{_load()}]")
        elapsed, queries, counts = _sla_sweep(500) if not args.create_only else (0.0, 0, {"reminders": 0})
        print(f"  SLA sweep: {counts['reminders']} reminders in {elapsed:.2f} s, {queries} queries "
              f"(goal < 0.5 s, queries per sweep not per clock)   [{_load()}]")
        print(f"  end: {_load()}")
        if _failures:
            print("  requests that failed (not counted in the rates): " + "; ".join(_failures[:5]))
    finally:
        if peer is not None:
            peer.stop()
        if server is not None:
            server.stop()
        db.drop()


if __name__ == "__main__":
    main()
