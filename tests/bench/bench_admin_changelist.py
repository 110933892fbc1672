"""Admin ticket changelist time at 1k vs 100k tickets on PostgreSQL (goal: within 1.5x).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m tests.bench.bench_admin_changelist
It creates a throwaway database ``<db>_bench``, fills it, and prints the median of timed requests.
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def _setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not base.startswith("postgres"):
        sys.exit("bench_admin_changelist needs DATABASE_URL pointing at PostgreSQL")
    import psycopg

    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    db_name = "shouhou_bench_changelist"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name}")
        conn.execute(f"CREATE DATABASE {db_name}")
    _setup_django(base.rsplit("/", 1)[0] + "/" + db_name)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.bench.datagen import generate

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
    client = Client()
    client.force_login(user)

    def measure(label: str) -> float:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        for _ in range(3):
            client.get("/admin/tickets/ticket/")
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            response = client.get("/admin/tickets/ticket/")
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get("/admin/tickets/ticket/")
        med = statistics.median(times)
        print(f"{label:>14}: median {med * 1000:7.1f} ms  p90 {sorted(times)[13] * 1000:7.1f} ms  "
              f"queries {len(ctx.captured_queries)}")
        return med

    generate(1_000, seed=1)
    small = measure("1k tickets")
    t0 = time.perf_counter()
    generate(99_000, seed=2)
    print(f"   (generated 99k more tickets in {time.perf_counter() - t0:.1f} s)")
    large = measure("100k tickets")
    ratio = large / small
    print(f"ratio 100k/1k: {ratio:.2f}x (goal <= 1.5x) -> {'OK' if ratio <= 1.5 else 'MISSED'}")
    connection.close()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db_name}")


if __name__ == "__main__":
    main()
