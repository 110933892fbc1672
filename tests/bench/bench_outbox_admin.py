"""Outbox changelist time on PostgreSQL with many messages: the unfiltered list, every offered filter
(status, channel, customer milestone, event, date range) and every search (phone, ticket number, key),
with the queries each page runs (no whole-table COUNT or DISTINCT). Target: well under 100 ms each.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m tests.bench.bench_outbox_admin [rows]
It creates a throwaway database ``<db>_bench_outbox``, fills it with ``rows`` messages (default 1M) by
SQL, and prints the median of timed requests.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from tests.bench._pg import BenchDatabase


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    rows = int(args[0]) if args else 1_000_000
    db = BenchDatabase.create("bench_outbox")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    try:
        call_command("migrate", verbosity=0)
        from tests.factories import TicketFactory

        ticket = TicketFactory()
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO tickets_outboxmessage (idempotency_key, event, channel, to_address, language, subject,
                    body, status, attempts, next_attempt_at, last_error, provider_id, created_at, milestone,
                    ticket_id)
                SELECT 'bench:' || g, (ARRAY['milestone.received','milestone.assigned','otp.code'])[1 + g %% 3],
                    (ARRAY['sms','email'])[1 + g %% 2], '138' || lpad((g %% 100000000)::text, 8, '0'), 'zh-hans', '',
                    '您的工单有新进展', (ARRAY['sent','sent','sent','failed','pending'])[1 + g %% 5], 1,
                    now(), '', '', now() - (g || ' minutes')::interval,
                    (ARRAY['received','assigned',''])[1 + g %% 3], CASE WHEN g <= 600 AND g %% 3 = 2 THEN %s END
                FROM generate_series(1, %s) AS g
                """,
                [ticket.pk, rows],
            )
            cur.execute("ANALYZE tickets_outboxmessage")
        print(f"generated {rows:,} messages in {time.perf_counter() - t0:.1f} s")
        user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
        client = Client()
        client.force_login(user)
        base = "/admin/tickets/outboxmessage/"
        pages = {
            "unfiltered": base,
            "status=failed": base + "?status__exact=failed",
            "status=sent": base + "?status__exact=sent",
            "channel=sms": base + "?channel__exact=sms",
            "milestone": base + "?milestone=assigned",
            "event": base + "?event=otp.code",
            "last 7 days": base + "?created_at__gte=" + (timezone.now() - dt.timedelta(days=7)).strftime(
                "%Y-%m-%d+%H:%M:%S%%2B00:00"),
            "since 2000": base + "?created_at__gte=2000-01-01+00:00:00%2B08:00",
            "status+channel": base + "?status__exact=failed&channel__exact=email",
            "search phone": base + "?q=13800012345",
            "search ticket": base + f"?q={ticket.number}",
            "search key": base + "?q=bench:4242",
            "search miss": base + "?q=nothing-matches",
        }
        for label, url in pages.items():
            for _ in range(2):
                client.get(url)
            times = []
            for _ in range(7):
                start = time.perf_counter()
                assert client.get(url).status_code == 200
                times.append(time.perf_counter() - start)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            whole = [q["sql"][:80] for q in ctx.captured_queries
                     if ("COUNT(" in q["sql"] or "DISTINCT" in q["sql"]) and " WHERE " not in q["sql"]
                     and " LIMIT " not in q["sql"]]
            sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            print(f"{label:>15}: median {statistics.median(times) * 1000:7.1f} ms (SQL {sql_ms:6.1f} ms)"
                  f"  queries {len(ctx.captured_queries)}"
                  f"  whole-table aggregates {len(whole)}")
    finally:
        db.drop()


if __name__ == "__main__":
    main()
