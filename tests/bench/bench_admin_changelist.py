"""Admin ticket changelist time at 1k vs 100k tickets on PostgreSQL (goal: within 1.5x).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m tests.bench.bench_admin_changelist
It creates a throwaway database ``<db>_bench_changelist``, fills it, and prints the median of timed requests.
"""

from __future__ import annotations

import statistics
import time

from tests.bench._pg import BenchDatabase


def main(argv: list[str] | None = None) -> None:
    db = BenchDatabase.create("bench_changelist")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.bench.datagen import generate

    try:
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
    finally:
        db.drop()


if __name__ == "__main__":
    main()
