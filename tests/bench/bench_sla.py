"""SLA sweep over 100,000 open tickets on PostgreSQL (goal: one indexed query, under 1 s).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m tests.bench.bench_sla
It creates a throwaway database ``<db>_bench_sla``, fills it with 100k open tickets and their SLA
clocks (1 % due now, 20 % paused, the rest due later), then prints the time of the sweep's selection
query (median of 20), its EXPLAIN ANALYZE plan, and the time of full sweeps processing the due tickets.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from tests.bench._pg import BenchDatabase

N_TICKETS = 100_000
DUE_SHARE = 0.01
PAUSED_SHARE = 0.20


def main(argv: list[str] | None = None) -> None:
    db = BenchDatabase.create("bench_sla")
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.bench.datagen import generate
    from tickets.models import SlaClock, Ticket
    from tickets.sla.services import sla_due_clocks, sla_sweep

    try:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        generate(N_TICKETS, seed=3, events_per_ticket=0, open_only=True)
        rng = random.Random(7)
        now = timezone.now()
        ids = list(Ticket.objects.values_list("pk", "created_at"))
        clocks = []
        due = paused = 0
        for pk, created in ids:
            r = rng.random()
            clock = SlaClock(ticket_id=pk, response_hours=Decimal("4"), resolution_hours=Decimal("48"),
                             started_at=created, running_since=created, responded_at=created)
            if r < DUE_SHARE:
                clock.remind_at = now - dt.timedelta(minutes=rng.randint(1, 600))
                clock.due_resolution_at = now + dt.timedelta(hours=rng.randint(1, 12))
                clock.next_action_at = clock.remind_at
                due += 1
            elif r < DUE_SHARE + PAUSED_SHARE:
                clock.state, clock.running_since, clock.next_action_at = "paused", None, None
                paused += 1
            else:
                clock.remind_at = now + dt.timedelta(minutes=rng.randint(5, 60 * 24 * 20))
                clock.due_resolution_at = clock.remind_at + dt.timedelta(hours=12)
                clock.next_action_at = clock.remind_at
            clocks.append(clock)
        SlaClock.objects.bulk_create(clocks, batch_size=5000)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"data: {len(ids):,} open tickets with SLA clocks ({due:,} due now, {paused:,} paused) "
              f"in {time.perf_counter() - t0:.1f} s")

        times = []
        for _ in range(20):
            with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
                t1 = time.perf_counter()
                rows = list(sla_due_clocks(now=now, limit=500))
                times.append(time.perf_counter() - t1)
        print(f"selection (FOR UPDATE SKIP LOCKED, limit 500): {len(ctx.captured_queries)} query, "
              f"{len(rows)} rows, median {statistics.median(times) * 1000:.2f} ms, "
              f"max {max(times) * 1000:.2f} ms (goal: one indexed query < 1000 ms)")
        with transaction.atomic(), connection.cursor() as cur:
            sql, params = sla_due_clocks(now=now, limit=500).query.sql_with_params()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("EXPLAIN ANALYZE of the selection:")
            for (line,) in cur.fetchall():
                print("   ", line)

        t2 = time.perf_counter()
        total = {"reminders": 0, "response_breaches": 0, "breaches": 0}
        sweeps = 0
        while True:
            counts = sla_sweep(now=now, limit=500)
            sweeps += 1
            for k, v in counts.items():
                total[k] += v
            if not any(counts.values()):
                break
        elapsed = time.perf_counter() - t2
        print(f"full sweep: {sweeps} runs, {total['reminders']:,} reminders sent (ledger, event, outbox each) "
              f"in {elapsed:.2f} s ({elapsed / max(total['reminders'], 1) * 1000:.1f} ms per reminder); "
              f"a sweep with nothing due: {_idle(sla_sweep, now) * 1000:.2f} ms")
    finally:
        db.drop()


def _idle(sweep, now) -> float:
    times = []
    for _ in range(10):
        t = time.perf_counter()
        sweep(now=now)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


if __name__ == "__main__":
    main()
