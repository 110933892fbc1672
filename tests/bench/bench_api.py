"""Technician API throughput through the real ASGI server (daphne) on PostgreSQL, side by side with
a bare DRF endpoint doing the same domain work on the same server and database.

* ticket create: ``POST /api/v1/tickets/`` (our view: throttling, Idempotency-Key stored in the same
  transaction, input/output serializers) vs a bare ``APIView`` calling the same ``intake_submit``;
* job list: ``GET /api/v1/jobs/`` (filters, cursor pagination, the full JobOut row) vs a bare
  ``APIView`` returning id/number/status of the same 20 jobs.

Goals: create ≥ 60 %, list ≥ 40 % of the bare endpoint's requests per second.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/sh_api REDIS_URL=redis://127.0.0.1:6379/5 \\
     .venv/bin/python -m tests.bench.bench_api [--requests 200] [--concurrency 4] [--rounds 3]
It creates a throwaway database ``<db>_bench``; the bare endpoints exist only in the server
started here (``tests.bench.settings`` mounts ``tests.bench.urls``, which config never imports).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor


def bench_urlpatterns() -> list:
    """The baseline endpoints of this benchmark, mounted under /api/bench/ by ``tests.bench.urls``."""
    from django.urls import path
    from rest_framework import serializers, status
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from tickets.intake.services import intake_submit
    from tickets.models import Ticket

    class BareTicketCreate(APIView):
        def post(self, request):
            result = intake_submit(channel="app", by=request.user, phone=request.data["phone"],
                                   name=request.data.get("name", ""), description=request.data["description"])
            return Response({"id": result.ticket.pk, "number": result.ticket.number}, status=status.HTTP_201_CREATED)

    class BareJobRow(serializers.ModelSerializer):
        class Meta:
            model = Ticket
            fields = ["id", "number", "status"]

    class BareJobList(APIView):
        def get(self, request):
            rows = Ticket.objects.filter(technician__user=request.user).order_by("-id")[:20]
            return Response(BareJobRow(rows, many=True).data)

    return [
        path("tickets/", BareTicketCreate.as_view()),
        path("jobs/", BareJobList.as_view()),
    ]


def _setup(base_url: str) -> str:
    import psycopg

    admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
    db_name = base_url.rsplit("/", 1)[1].split("?")[0] + "_bench"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name}")
        conn.execute(f"CREATE DATABASE {db_name}")
    url = base_url.rsplit("/", 1)[0] + "/" + db_name
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    return url


def _seed(jobs: int) -> str:
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from knox.models import AuthToken

    from tests import factories
    from tickets.services import ticket_assign, ticket_triage

    call_command("migrate", verbosity=0)
    tech = factories.TechnicianFactory(capacity=1000)
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    fault = factories.FaultCategoryFactory(code="bench-api-screen", name="屏幕故障")
    for _ in range(jobs):
        ticket = factories.TicketFactory()
        ticket.refresh_from_db()
        if ticket.status == "new":
            ticket = ticket_triage(ticket=ticket, by=None, fault_category=fault)
        ticket.refresh_from_db()
        if ticket.technician_id != tech.pk and ticket.status in ("triaged", "assigned"):
            ticket_assign(ticket=ticket, technician=tech, by=None)
    return AuthToken.objects.create(user=tech.user)[1]


def _throughput(base: str, token: str, *, method: str, path: str, requests: int, concurrency: int,
                body=None, idempotent: bool = False) -> float:
    import httpx

    counter = iter(range(10**9))
    lock = threading.Lock()

    def one(client: httpx.Client) -> None:
        with lock:
            n = next(counter)
        headers = {"Authorization": f"Token {token}"}
        payload = None
        if body is not None:
            payload = body(n)
            if idempotent:
                headers["Idempotency-Key"] = str(uuid.uuid4())
        response = client.request(method, path, json=payload, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")

    def worker(count: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(count):
                one(client)

    share = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, share))
    return requests / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=60)
    args = parser.parse_args(argv)
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base_url.startswith("postgres"):
        sys.exit("bench_api needs DATABASE_URL pointing at PostgreSQL")
    _setup(base_url)
    token = _seed(args.jobs)

    from tests.live import live_server

    def ticket_body(n: int) -> dict:
        return {"phone": f"137{(n * 7919 + os.getpid()) % 10**8:08d}", "name": "基准客户",
                "description": "屏幕碎了，触摸失灵，需要上门维修"}

    env = {"DJANGO_SETTINGS_MODULE": "tests.bench.settings", "SECRET_KEY": "bench-secret-" + "x" * 32,
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "MEDIA_ROOT": "/tmp/shouhou-bench-api-media"}
    results: dict[str, list[float]] = {"create_api": [], "create_bare": [], "list_api": [], "list_bare": []}
    with live_server(env=env, timeout=60) as base:
        common = {"requests": args.requests, "concurrency": args.concurrency}
        warm = {"requests": 20, "concurrency": args.concurrency}
        _throughput(base, token, method="POST", path="/api/v1/tickets/", body=ticket_body, idempotent=True, **warm)
        _throughput(base, token, method="POST", path="/api/bench/tickets/", body=ticket_body, **warm)
        _throughput(base, token, method="GET", path="/api/v1/jobs/", **warm)
        _throughput(base, token, method="GET", path="/api/bench/jobs/", **warm)
        for _ in range(args.rounds):  # interleaved rounds: a noisy neighbour hits both sides alike
            results["create_bare"].append(_throughput(base, token, method="POST", path="/api/bench/tickets/",
                                                      body=ticket_body, **common))
            results["create_api"].append(_throughput(base, token, method="POST", path="/api/v1/tickets/",
                                                     body=ticket_body, idempotent=True, **common))
            results["list_bare"].append(_throughput(base, token, method="GET", path="/api/bench/jobs/", **common))
            results["list_api"].append(_throughput(base, token, method="GET", path="/api/v1/jobs/", **common))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"bench_api: {args.rounds} rounds × {args.requests} requests, concurrency {args.concurrency}, "
          f"daphne + PostgreSQL, {args.jobs} jobs")
    print(f"  ticket create  API {med['create_api']:7.1f} req/s   bare {med['create_bare']:7.1f} req/s   "
          f"ratio {med['create_api'] / med['create_bare']:.0%} (goal ≥ 60%)")
    print(f"  job list       API {med['list_api']:7.1f} req/s   bare {med['list_bare']:7.1f} req/s   "
          f"ratio {med['list_api'] / med['list_bare']:.0%} (goal ≥ 40%)")
    for key, values in results.items():
        print(f"    {key:12s} rounds: " + ", ".join(f"{v:.1f}" for v in values))


if __name__ == "__main__":
    main()
