"""Benchmark: the role home pages and the analytics pages at 1M tickets on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backoffice_bench \
        .venv/bin/python tests/bench/bench_analytics.py [--tickets 1000000] [--keep | --reuse]

``--keep`` leaves ``<db>_analytics`` in place; ``--reuse`` times such a kept database again (after
migrating it) without generating the tickets anew, which at 1M takes a while.

Creates ``<db>_analytics``, generates the tickets in SQL (a year of history over 40 centres, 300
technicians, 30 models × 20 faults; first responses, resolutions, 10 % answered surveys, on-site check-ins),
builds the rollups once (the schedule's first run), then times each page through the Django test client
as a superuser and as a one-centre manager: the median of 3 warm requests, and its query count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _insert_select(model, source_sql: str, exprs: dict[str, str]) -> int:
    """INSERT INTO model's table SELECT exprs FROM (source_sql) AS s; other non-null columns get defaults."""
    import datetime as dt

    from django.db import connection, models

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in exprs:
            columns.append(f.column)
            values.append(exprs[f.column])
        elif f.primary_key or f.null:
            continue
        else:
            default = f.get_default() if f.has_default() else (
                "" if isinstance(f, models.CharField | models.TextField) else
                False if isinstance(f, models.BooleanField) else
                dt.datetime.now() if isinstance(f, models.DateTimeField) else 0)
            if isinstance(default, bool):
                values.append("true" if default else "false")
            elif isinstance(default, int | float):
                values.append(str(default))
            elif isinstance(default, dt.datetime):
                values.append("now()")
            elif isinstance(default, list | dict):
                values.append("'" + __import__("json").dumps(default) + "'::jsonb")
            else:
                values.append("'" + str(default).replace("'", "''") + "'")
            columns.append(f.column)
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f'INSERT INTO {table} ({", ".join(columns)}) SELECT {", ".join(values)} FROM ({source_sql}) AS s')
        return cur.rowcount


def build(n: int) -> dict:
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from repairs.models import RepairVisit, ServiceCenter, Technician
    from surveys.models import Invitation, Response, Survey
    from tests.bench.datagen import generate_sql
    from tickets.models import FaultCategory, ProductModel

    user_model = get_user_model()
    centres = ServiceCenter.objects.bulk_create([
        ServiceCenter(code=f"BC{i:03d}", name=f"基准网点{i:02d}", region=["east", "north", "south", "west"][i % 4],
                      province="上海市", city="上海市", district="浦东新区", address="基准路 1 号",
                      latitude=Decimal("31.2"), longitude=Decimal("121.4")) for i in range(40)])
    users = user_model.objects.bulk_create([user_model(username=f"bench-tech-{i}") for i in range(300)])
    techs = Technician.objects.bulk_create([
        Technician(user=u, center=centres[i % 40], employee_no=f"BT{i:05d}", name=f"基准工程师{i}",
                   skills=["screen", "battery"]) for i, u in enumerate(users)])
    models = ProductModel.objects.bulk_create([ProductModel(brand="基准", name=f"型号{i:02d}", code=f"BM-{i:02d}",
                                                            category="phone") for i in range(30)])
    faults = FaultCategory.objects.bulk_create([FaultCategory(code=f"bench-f{i:02d}", name=f"故障{i:02d}")
                                                for i in range(20)])
    t0 = time.perf_counter()
    generate_sql(n, technician_ids=[t.pk for t in techs], assigned_share=0.7)
    m0, f0, c0, tech0 = models[0].pk, faults[0].pk, centres[0].pk, techs[0].pk
    with connection.cursor() as cur:
        # a year of history, every dimension spread, waits that end and SLA targets
        cur.execute(f"""
            UPDATE tickets_ticket SET
              created_at = now() - ((id * 7919) % 525600) * interval '1 minute',
              product_model_id = {m0} + (id % 30),
              fault_category_id = {f0} + ((id / 7) % 20),
              service_center_id = CASE WHEN technician_id IS NULL THEN {c0} + (id % 40)
                                       ELSE {c0} + ((technician_id - {tech0}) % 40) END
        """)
        cur.execute("""
            UPDATE tickets_ticket SET
              due_response_at = created_at + interval '2 hours',
              due_resolution_at = created_at + interval '48 hours',
              first_response_at = created_at + (id % 240) * interval '1 minute',
              resolved_at = CASE WHEN status IN ('resolved', 'closed') THEN created_at + (id % 4000) * interval
                                 '1 minute' END
        """)
    survey = Survey.objects.create(name="基准问卷")
    _insert_select(Invitation, "SELECT id, created_at FROM tickets_ticket WHERE id % 10 = 0", {
        "ticket_id": "s.id", "survey_id": str(survey.pk), "token": "md5(s.id::text || 'inv')", "status": "'answered'",
        "expires_at": "s.created_at + interval '30 days'", "created_at": "s.created_at", "updated_at": "now()"})
    _insert_select(Response, """SELECT i.id AS inv, t.id, t.service_center_id, t.technician_id, t.fault_category_id,
                                       t.product_model_id, t.created_at FROM surveys_invitation i
                                JOIN tickets_ticket t ON t.id = i.ticket_id""", {
        "invitation_id": "s.inv", "ticket_id": "s.id", "center_id": "s.service_center_id",
        "technician_id": "s.technician_id", "fault_category_id": "s.fault_category_id",
        "product_model_id": "s.product_model_id", "speed": "1 + s.id % 5", "attitude": "1 + (s.id / 3) % 5",
        "result": "1 + (s.id / 7) % 5", "nps": "s.id % 11", "is_complaint": "(s.id % 70 = 0)",
        "created_at": "LEAST(now(), s.created_at + interval '3 days')", "updated_at": "now()"})
    _insert_select(RepairVisit, "SELECT id, technician_id, created_at FROM tickets_ticket "
                                "WHERE technician_id IS NOT NULL AND id % 3 = 0", {
        "ticket_id": "s.id", "technician_id": "s.technician_id",
        "checked_in_at": "s.created_at + (s.id % 300) * interval '1 minute'", "created_at": "s.created_at",
        "updated_at": "now()"})
    active_assignments()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"generated {n:,} tickets in {time.perf_counter() - t0:.1f} s")
    return {"centre": centres[3]}


def active_assignments() -> int:
    """The open tickets with a technician hold an accepted lead assignment, as dispatch leaves them:
    the technicians' load (dispatch's and the home page's) is counted from these."""
    from django.db import connection

    from tickets.models import Ticket, TicketAssignment

    if TicketAssignment.objects.exists():
        return 0
    states = ", ".join(f"'{s}'" for s in Ticket.OPEN_STATES)
    made = _insert_select(TicketAssignment, "SELECT id, technician_id, created_at FROM tickets_ticket "
                                            f"WHERE technician_id IS NOT NULL AND status IN ({states})", {
        "ticket_id": "s.id", "technician_id": "s.technician_id", "role": "'lead'", "status": "'accepted'",
        "created_at": "s.created_at"})
    with connection.cursor() as cur:
        # what autovacuum does after a bulk load: statistics and the visibility map for index-only counts
        cur.execute("VACUUM ANALYZE tickets_ticketassignment")
    return made


def timed(client, url: str) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    runs = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as q:
            start = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(runs), len(q.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time an earlier run's database (kept with --keep) instead of generating again; "
                             "implies --keep")
    args = parser.parse_args()
    from tests.bench._pg import BenchDatabase

    db = BenchDatabase.create("analytics", reuse=args.reuse)
    args.keep = args.keep or args.reuse
    try:
        from django.conf import settings
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.utils import timezone

        settings.ALLOWED_HOSTS = ["*"]
        setup_test_environment()
        call_command("migrate", verbosity=0)
        from repairs.models import ServiceCenter
        from tickets.analytics.tasks import analytics_refresh
        from tickets.models import Ticket

        if db.reused and Ticket.objects.exists():
            print(f"reusing {db.name} (generated by an earlier run)")
            made = {"centre": ServiceCenter.objects.get(code="BC003")}
            if added := active_assignments():
                print(f"added {added:,} active assignments of open tickets")
        else:
            made = build(args.tickets)
            start = time.perf_counter()
            days = analytics_refresh(backfill_days=366)
            print(f"rollups built for {days} days in {time.perf_counter() - start:.1f} s (the schedule's first run)")
        start = time.perf_counter()
        analytics_refresh(now=timezone.now())
        print(f"incremental refresh (nothing new but today) in {time.perf_counter() - start:.2f} s")
        print(f"tickets: {Ticket.objects.count():,}")

        from django.contrib.auth import get_user_model

        from tests.factories import UserFactory

        users = get_user_model().objects
        root = users.filter(username="bench-root").first() or UserFactory(
            username="bench-root", is_staff=True, is_superuser=True)
        roles = {}
        for username, role in (("b-agent", "客服"), ("b-dispatcher", "调度"), ("b-manager", "网点经理"), ("b-qc", "质检"),
                               ("b-warehouse", "仓管"), ("b-ops", "运营"), ("b-quality", "产品质量")):
            user = users.filter(username=username).first() or UserFactory(username=username, is_staff=True)
            user.groups.add(Group.objects.get(name=role))
            roles[username] = user
        made["centre"].managers.add(roles["b-manager"])
        year = f"?start={(timezone.localdate() - timezone.timedelta(days=365)).isoformat()}" \
               f"&end={timezone.localdate().isoformat()}"
        print(f"\n{'page':<44} {'viewer':<14} {'median s':>9} {'queries':>8}")
        for username, user in roles.items():
            client = Client()
            client.force_login(user)
            seconds, queries = timed(client, "/admin/")
            print(f"{'/admin/ (role home)':<44} {username:<14} {seconds:>9.3f} {queries:>8}")
        waiting = Ticket.objects.filter(status__in=["triaged", "reopened"]).order_by("pk").values_list(
            "pk", flat=True).first()
        if waiting:
            client = Client()
            client.force_login(roles["b-dispatcher"])
            seconds, queries = timed(client, f"/admin/tickets/dispatchqueueticket/{waiting}/pick/")
            print(f"{'dispatch screen (every technician)':<44} {'b-dispatcher':<14} {seconds:>9.3f} {queries:>8}")
        for viewer, user in (("superuser", root), ("b-manager", roles["b-manager"])):
            client = Client()
            client.force_login(user)
            for page in ("faults", "waits", "technicians", "satisfaction", "heatmap", "parts", "spikes"):
                for label, query in (("", ""), (" (1 year)", year)):
                    if page == "spikes" and query:
                        continue
                    seconds, queries = timed(client, f"/admin/analytics/{page}/{query}")
                    print(f"{'/admin/analytics/' + page + '/' + label:<44} {viewer:<14} {seconds:>9.3f} {queries:>8}")
            seconds, queries = timed(client, f"/admin/analytics/waits/{year}&export=xlsx")
            print(f"{'/admin/analytics/waits/ XLSX (1 year)':<44} {viewer:<14} {seconds:>9.3f} {queries:>8}")
    finally:
        if not args.keep:
            db.drop()


if __name__ == "__main__":
    main()
