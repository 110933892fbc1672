"""Choosing a technician among 10,000 on PostgreSQL (goal: median under 50 ms).

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python -m tests.bench.bench_dispatch
It creates a throwaway database ``<db>_bench_dispatch`` with 200 centers in 20 cities, 10,000
technicians (skills, product lines, levels, ratings, 90 % on duty, half with a fresh GPS fix) and
20,000 open assignments as load, then times ``dispatch_candidates`` (area, skill, product line,
capacity and scoring) for 200 tickets spread over the cities, and a full ``dispatch_auto``.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from tests.bench._pg import BenchDatabase

CITIES = [
    ("上海市", 31.23, 121.47), ("北京市", 39.90, 116.40), ("广州市", 23.13, 113.26), ("深圳市", 22.54, 114.06),
    ("杭州市", 30.27, 120.15), ("南京市", 32.06, 118.80), ("成都市", 30.57, 104.07), ("武汉市", 30.59, 114.31),
    ("西安市", 34.34, 108.94), ("重庆市", 29.56, 106.55), ("天津市", 39.13, 117.20), ("苏州市", 31.30, 120.58),
    ("长沙市", 28.23, 112.94), ("郑州市", 34.75, 113.62), ("沈阳市", 41.80, 123.43), ("青岛市", 36.07, 120.38),
    ("宁波市", 29.87, 121.54), ("厦门市", 24.48, 118.09), ("合肥市", 31.82, 117.23), ("昆明市", 25.04, 102.71),
]
SKILLS = ["screen", "battery", "mainboard", "camera", "software", "refrigeration", "washing", "audio"]
N_TECHS = 10_000
N_CENTERS = 200


def main(argv: list[str] | None = None) -> None:
    db = BenchDatabase.create("bench_dispatch")
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from repairs.dispatch.selectors import dispatch_candidates
    from repairs.dispatch.services import dispatch_auto
    from repairs.models import ServiceCenter, Technician
    from tests.bench.datagen import generate
    from tickets.models import FaultCategory, Ticket, TicketAssignment

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(11)
        t0 = time.perf_counter()
        now = timezone.now()
        centers = ServiceCenter.objects.bulk_create([
            ServiceCenter(code=f"BC{i:04d}", name=f"基准网点{i}", region="east", province=CITIES[i % 20][0],
                          city=CITIES[i % 20][0], address="基准路 1 号",
                          latitude=Decimal(str(round(CITIES[i % 20][1] + rng.uniform(-0.2, 0.2), 6))),
                          longitude=Decimal(str(round(CITIES[i % 20][2] + rng.uniform(-0.2, 0.2), 6))),
                          service_modes=["walk_in", "on_site"], service_radius_km=30)
            for i in range(N_CENTERS)])
        users = get_user_model().objects.bulk_create([
            get_user_model()(username=f"bench-tech-{i}") for i in range(N_TECHS)])
        techs = []
        for i, user in enumerate(users):
            center = centers[i % N_CENTERS]
            fresh = rng.random() < 0.5
            techs.append(Technician(
                user=user, center=center, employee_no=f"BT{i:06d}", name=f"基准工程师{i}",
                skills=rng.sample(SKILLS, 3), product_categories=rng.choice([["phone"], ["phone", "tablet"], []]),
                level=rng.randint(1, 4), capacity=6, on_duty=rng.random() < 0.9,
                rating=Decimal(str(round(rng.uniform(3.0, 5.0), 2))),
                last_latitude=(center.latitude + Decimal(str(round(rng.uniform(-0.05, 0.05), 6)))) if fresh else None,
                last_longitude=(center.longitude + Decimal(str(round(rng.uniform(-0.05, 0.05), 6)))) if fresh else None,
                last_seen_at=now - dt.timedelta(minutes=rng.randint(1, 300)) if fresh else None))
        techs = Technician.objects.bulk_create(techs, batch_size=2000)
        generate(5_000, seed=5, events_per_ticket=0, open_only=True)
        FaultCategory.objects.filter(code="bench-screen").update(required_skill="screen")
        ticket_ids = list(Ticket.objects.values_list("pk", flat=True))
        with transaction.atomic():
            for pk in ticket_ids:
                city, lat, lon = rng.choice(CITIES)
                Ticket.objects.filter(pk=pk).update(
                    city=city, latitude=Decimal(str(round(lat + rng.uniform(-0.1, 0.1), 6))),
                    longitude=Decimal(str(round(lon + rng.uniform(-0.1, 0.1), 6))), status="triaged")
        assignments = []
        for pk in ticket_ids:
            for tech in rng.sample(techs, 4):
                assignments.append(TicketAssignment(ticket_id=pk, technician=tech, role="helper",
                                                    status=rng.choice(["offered", "accepted"])))
        TicketAssignment.objects.bulk_create(assignments, batch_size=5000)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"data: {N_CENTERS} centers in {len(CITIES)} cities, {len(techs):,} technicians, "
              f"{len(assignments):,} open assignments, {len(ticket_ids):,} tickets in {time.perf_counter() - t0:.1f} s")

        sample = [Ticket.objects.select_related("customer", "fault_category", "product_model").get(pk=pk)
                  for pk in rng.sample(ticket_ids, 200)]
        for ticket in sample[:5]:
            dispatch_candidates(ticket=ticket, limit=1)  # warm-up
        times, sizes = [], []
        for ticket in sample:
            with CaptureQueriesContext(connection) as ctx:
                t1 = time.perf_counter()
                best = dispatch_candidates(ticket=ticket, limit=1)
                times.append(time.perf_counter() - t1)
            sizes.append(len(best))
        times.sort()
        med = statistics.median(times)
        print(f"dispatch_candidates over {len(techs):,} technicians: {len(ctx.captured_queries)} queries, "
              f"median {med * 1000:.1f} ms, p90 {times[int(len(times) * 0.9)] * 1000:.1f} ms, "
              f"max {times[-1] * 1000:.1f} ms; {sum(sizes)}/{len(sample)} tickets had a candidate "
              f"(goal: median < 50 ms) -> {'OK' if med < 0.05 else 'MISSED'}")
        _explain(sample[0], connection)
        auto = []
        for ticket in sample[:30]:
            t2 = time.perf_counter()
            dispatch_auto(ticket=ticket)
            auto.append(time.perf_counter() - t2)
        print(f"dispatch_auto (choose + assignment + ticket_assign + event + outbox), 30 tickets: "
              f"median {statistics.median(auto) * 1000:.1f} ms")
    finally:
        db.drop()


def _explain(ticket, connection) -> None:
    """Where the time goes for one ticket: the two queries (EXPLAIN ANALYZE) and the Python scoring."""
    from repairs.dispatch import selectors

    t0 = time.perf_counter()
    centers = selectors.dispatch_centers(ticket=ticket)
    t1 = time.perf_counter()
    qs = selectors.candidate_queryset(ticket=ticket, center_ids=list(centers), exclude_ids=set())
    rows = list(qs)
    t2 = time.perf_counter()
    print(f"one ticket: centers {len(centers)} in {(t1 - t0) * 1000:.1f} ms, technician query {len(rows)} rows "
          f"in {(t2 - t1) * 1000:.1f} ms")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("EXPLAIN ANALYZE of the technician query:")
        for (line,) in cur.fetchall():
            print("   ", line)


if __name__ == "__main__":
    main()
