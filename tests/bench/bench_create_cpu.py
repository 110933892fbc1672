"""CPU per request on the two hot paths, in-process: what one ``POST /api/intake/v1/tickets/`` (or,
with ``--path jobs``, one ``GET /api/v1/jobs/`` page of the technician's list) costs this process, next
to the bare DRF create or list (``tests/bench/bare.py``), through the Django test client on PostgreSQL
with the servers' settings (``tests.bench.settings``: DEBUG off, django-q2 on Redis).

Throughput over HTTP (``bench_hotpaths``) on a shared 2-core machine is noisy; the CPU time one request
costs the process that serves it is not, and it is what bounds the rate once the database is not
the bottleneck. Per side: process CPU (``time.process_time``) and wall time per request over
``--creates`` requests in ``--rounds`` alternating rounds (median and spread), the queries and
transactions of one request, and, with ``--profile``, a cProfile of the product's creates (top
functions by own time and by cumulative time).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/<n> \\
     .venv/bin/python -m tests.bench.bench_create_cpu [--path create|jobs] [--creates 200] [--rounds 5] \\
     [--profile 30]
It creates and drops the database ``<db>_bench_create_cpu``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

from tests.bench._pg import BenchDatabase

_serial = itertools.count(1)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _backend_cpu(pid: int) -> float:
    """CPU seconds spent so far by the PostgreSQL backend serving this process (a local server;
    0 when its /proc entry cannot be read)."""
    from tests.bench.bench_hotpaths import process_stat

    stat = process_stat(pid)
    return stat[2] if stat is not None else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--path", choices=["create", "jobs"], default="create")
    parser.add_argument("--creates", type=int, default=200, help="requests per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many product creates")
    parser.add_argument("--profile-lines", type=int, default=35)
    parser.add_argument("--dump", default="", help="write the cProfile statistics to this file")
    parser.add_argument("--sql", action="store_true", help="print the statements of one product create")
    args = parser.parse_args(argv)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.bench.settings"
    os.environ.setdefault("SECRET_KEY", "bench-secret-" + "x" * 32)
    os.environ.setdefault("MEDIA_ROOT", "/tmp/shouhou-bench-media")
    db = BenchDatabase.create("bench_create_cpu")
    try:
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tests.bench.bench_hotpaths import _seed
        from tests.querybudget import count_transactions

        seeded = _seed()
        key = seeded["api_key"]
        client = Client()

        def product(n: int):
            return client.post("/api/intake/v1/tickets/",
                               {"name": "基准客户", "phone": f"137{n:08d}", "description": "屏幕碎了，触摸失灵",
                                "product_model": "BENCH-PHONE", "city": "上海市", "address": "徐汇区漕溪北路88号"},
                               content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {key}",
                               HTTP_IDEMPOTENCY_KEY=f"cpu-{n}")

        def bare(n: int):
            return client.post("/bench/create/", {"name": "基准客户", "phone": f"136{n:08d}"},
                               content_type="application/json")

        ok = 201
        if args.path == "jobs":
            ok, token, tech_id = 200, seeded["token"], seeded["tech"].pk

            def product(n: int):  # noqa: F811 - the list replaces the create
                return client.get("/api/v1/jobs/", HTTP_AUTHORIZATION=f"Token {token}")

            def bare(n: int):  # noqa: F811
                return client.get(f"/bench/jobs/?technician={tech_id}")

        sides = {"bare": bare, "product": product}
        for request in sides.values():  # warm: classifier, jieba, caches, connection
            for _ in range(20):
                response = request(next(_serial))
                assert response.status_code == ok, response.content[:500]
        body = product(next(_serial)).json()
        if args.path == "jobs":
            assert len(body["results"]) == 20, body
        else:
            for shown in ("number", "category", "price_min", "warranty_preview"):  # what the answer must carry
                assert body[shown], body

        print(f"bench_create_cpu --path {args.path}: {args.creates} requests per side × {args.rounds} alternating "
              f"rounds, Django test client, PostgreSQL, django-q2 on Redis (tasks queued, no worker)")
        print(f"  start: {_load()}")
        for name, request in sides.items():
            with CaptureQueriesContext(connection) as ctx, count_transactions() as counted:
                response = request(next(_serial))
            assert response.status_code == ok
            print(f"  {name:8s} one request: {len(ctx.captured_queries)} queries, "
                  f"{counted.transactions} transactions")
            if args.sql and name == "product":
                for query in ctx.captured_queries:
                    print(f"      {query['sql'][:300]}")

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        wall: dict[str, list[float]] = {name: [] for name in sides}
        database: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name, request in sides.items():
                c0, w0, d0 = time.process_time(), time.perf_counter(), _backend_cpu(backend)
                for _ in range(args.creates):
                    request(next(_serial))
                cpu[name].append((time.process_time() - c0) / args.creates * 1000)
                wall[name].append((time.perf_counter() - w0) / args.creates * 1000)
                database[name].append((_backend_cpu(backend) - d0) / args.creates * 1000)
        for name in sides:
            print(f"  {name:8s} CPU {statistics.median(cpu[name]):6.2f} ms/request "
                  f"(rounds {', '.join(f'{v:.2f}' for v in cpu[name])})   wall "
                  f"{statistics.median(wall[name]):6.2f} ms/request   database backend CPU "
                  f"{statistics.median(database[name]):5.2f} ms/request")
        ratios = [b / p for b, p in zip(cpu["bare"], cpu["product"], strict=True)]
        print(f"  bare CPU / product CPU per round: {', '.join(f'{r:.1%}' for r in ratios)}   median "
              f"{statistics.median(ratios):.1%} (the rate ratio a CPU-bound server could reach)   [{_load()}]")

        if args.profile:
            import cProfile
            import pstats

            # Timed by process CPU, not the wall clock: on a shared machine waiting is not our cost.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.profile):
                product(next(_serial))
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            stats = pstats.Stats(profiler).strip_dirs()
            print(f"\n  cProfile of {args.profile} product requests, by own time:")
            stats.sort_stats("tottime").print_stats(args.profile_lines)
            print("  by cumulative time:")
            stats.sort_stats("cumulative").print_stats(args.profile_lines * 2)
        print(f"  end: {_load()}")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
