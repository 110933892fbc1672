"""The hot paths side by side with a bare DRF baseline, in one run, on the production serving stack.

* ticket create: ``POST /api/intake/v1/tickets/`` (API key, validation, customer and device match,
  classification, estimate, outbox row, idempotency record) vs ``POST /bench/create/`` (one INSERT
  through a ModelSerializer, no services: ``tests/bench/bare.py``);
* technician job list: ``GET /api/v1/jobs/`` (knox token, scope, filters, cursor page of full rows) vs
  ``GET /bench/jobs/`` (20 rows by the foreign key), at each table size (default 1k, 100k, 1M tickets);
* admin search by phone and by ticket number at each size (in-process, the admin's full view);
* the SLA sweep with 500 reminders due (time and queries).

Both sides are served by the same gunicorn (``-w 2`` uvicorn workers, production settings,
``tests.bench.settings``) on the same PostgreSQL, django-q2 on Redis; rounds alternate between
them, so a noisy neighbour slows both alike, and the ratios are taken within the run. No task worker
runs during the measure: its work is off the request path by design (it would compete for the two
cores). The load generator (Python threads, ``--concurrency`` connections, like ``wrk -c``) runs on
the same machine, and the machine is shared: absolute figures are pessimistic, ratios are the point.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
     .venv/bin/python -m tests.bench.bench_hotpaths [--sizes 1000,100000,1000000] [--seconds 6] [--rounds 3]
It creates and drops the database ``<db>_bench_hot``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
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

    def create(self, client, n):
        return client.post(f"{self.base}/api/tickets/", headers={"Authorization": f"Token {self.token}"},
                           json={"queue": self.queue, "title": "屏幕碎了", "description": "屏幕碎了，触摸失灵",
                                 "submitter_email": f"c{n}@example.com", "priority": 3})

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


def _next() -> int:
    with _serial_lock:
        return next(_serial)


def _rate(base: str, *, seconds: float, concurrency: int, request) -> float:
    """Requests per second over ``seconds`` with ``concurrency`` keep-alive connections."""
    import httpx

    done = [0] * concurrency
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def run(slot: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.monotonic() < stop:
                try:
                    response = request(client, _next())
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))
                    continue
                if response.status_code >= 300:
                    # Counted, not fatal: the PostgreSQL server is shared, and another user's burst
                    # ("too many clients") must not throw the whole run away. Reported below.
                    errors.append(f"{response.status_code} {response.text[:200]}")
                    continue
                done[slot] += 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        _failures.append(f"{len(errors)} failed, first: {errors[0]}")
        if not sum(done):
            raise RuntimeError(errors[0])
    return sum(done) / (time.monotonic() - t0)


_failures: list[str] = []


def _prime(base: str, request, *, concurrency: int, timeout: float = 600) -> None:
    """One request per connection, waited for as long as it takes: a fresh worker fits the classifier
    on its first report, which on a loaded machine outlasts the measuring client's timeout."""
    import httpx

    def run() -> None:
        with httpx.Client(base_url=base, timeout=timeout) as client:
            request(client, _next())

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _rounds(base: str, pair: dict, *, rounds: int, seconds: float, concurrency: int) -> dict[str, float]:
    results: dict[str, list[float]] = {name: [] for name in pair}
    for name, request in pair.items():  # warm up both sides (each worker loads the classifier, jieba …)
        _prime(base, request, concurrency=concurrency)
        _rate(base, seconds=max(4.0, seconds / 2), concurrency=concurrency, request=request)
    for _ in range(rounds):
        for name, request in pair.items():
            results[name].append(_rate(base, seconds=seconds, concurrency=concurrency, request=request))
    return {name: statistics.median(values) for name, values in results.items()}


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
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    db = BenchDatabase.create("bench_hot")
    server = peer = None
    try:
        import logging

        from django.db import connection

        from tests.bench.datagen import generate_sql
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

        def product_create(client, n):
            return client.post("/api/intake/v1/tickets/", headers={"Authorization": f"Api-Key {key}",
                                                                   "Idempotency-Key": f"b{os.getpid()}-{n}"},
                               json={"name": "基准客户", "phone": f"137{n:08d}",
                                     "description": "屏幕碎了，触摸失灵", "product_model": "BENCH-PHONE",
                                     "city": "上海市", "address": "徐汇区漕溪北路88号"})

        def bare_create(client, n):
            return client.post("/bench/create/", json={"name": "基准客户", "phone": f"136{n % 10**8:08d}"})

        def product_list(client, n):
            return client.get("/api/v1/jobs/", headers={"Authorization": f"Token {token}"})

        def bare_list(client, n):
            return client.get("/bench/jobs/", params={"technician": tech.pk})

        sides = {"bare": bare_create, "product": product_create}
        if Path(args.helpdesk, "bin", "gunicorn").exists():
            peer = HelpdeskPeer(Path(args.helpdesk), args.port + 1, os.environ["DATABASE_URL"])
            peer.wait()
            sides["helpdesk"] = peer.create
        create = _rounds(server.base, sides, rounds=args.rounds, seconds=args.seconds,
                         concurrency=args.concurrency)
        print(f"  ticket create   product {create['product']:7.1f} req/s   bare {create['bare']:7.1f} req/s   "
              f"ratio {create['product'] / create['bare']:.1%} (goal ≥ 30%)   [{_load()}]")
        if "helpdesk" in create:
            print(f"                  django-helpdesk {create['helpdesk']:7.1f} req/s   ratio to bare "
                  f"{create['helpdesk'] / create['bare']:.1%}   product / helpdesk "
                  f"{create['product'] / create['helpdesk']:.2f}×")
        else:
            print(f"                  django-helpdesk: not measured (no {args.helpdesk})")
        if peer is not None:
            peer.stop()
            peer = None

        rows = []
        for size in sizes:
            have = Ticket.objects.count()
            if size > have:
                t0 = time.perf_counter()
                generate_sql(size - have, technician_ids=seeded["others"], seed=2)
                made = time.perf_counter() - t0
                print(f"  data: {size - have:,} tickets (+ customers, devices) generated in {made:.1f} s")
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE tickets_ticket")
            listed = _rounds(server.base, {"bare": bare_list, "product": product_list}, rounds=args.rounds,
                             seconds=args.seconds, concurrency=args.concurrency)
            number = Ticket.objects.order_by("-id").values_list("number", flat=True).first()
            phone = Ticket.objects.order_by("-id").values_list("customer__phone", flat=True).first()
            by_phone, by_number = _admin_search(seeded["admin"], phone), _admin_search(seeded["admin"], number)
            sql_phone, sql_number = _search_sql(phone), _search_sql(number)
            sql_prefix, sql_text = _search_sql(phone[:7]), _search_sql("~触摸")
            rows.append((size, listed, by_phone, by_number))
            print(f"  {size:>9,} tickets: job list product {listed['product']:7.1f} req/s   bare "
                  f"{listed['bare']:7.1f} req/s   ratio {listed['product'] / listed['bare']:.0%} (goal ≥ 50%)   "
                  f"[{_load()}]")
            print(f"             admin search page (goal < 100 ms): phone {by_phone:6.1f} ms, number "
                  f"{by_number:6.1f} ms; the search query alone (page + count): phone {sql_phone:5.1f} ms, "
                  f"number {sql_number:5.1f} ms, phone prefix {sql_prefix:5.1f} ms, ~text {sql_text:5.1f} ms")
        elapsed, queries, counts = _sla_sweep(500)
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
