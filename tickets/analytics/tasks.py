"""The schedule that keeps the rollups current, and the monthly centre report.

``analytics_refresh_task`` (every 15 minutes) finds the days that changed since it last ran, from the ticket
events and survey answers written since (both indexed by time), and recomputes exactly those days: each
day's rows are replaced whole in one transaction, so a rerun never counts twice. Pages read only the rollups.
This is a task module, so it may read the other apps through their selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from operator import add
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from parts.selectors import consumption_between, stockouts_between
from repairs.selectors import check_ins_between, first_arrivals_before
from surveys.selectors import responses_between

from ..models import Ticket, TicketEvent
from . import histogram
from .models import (
    WAIT_COUNTS,
    WAIT_KINDS,
    CentreDailyRollup,
    CentreMonthlyRollup,
    FaultMonthlyRollup,
    PartDailyRollup,
    RollupState,
    TechnicianDailyRollup,
    TicketDailyRollup,
    day_bounds,
    month_after,
    months_between,
)

STATE = "rollups"
# a ticket coming back for the same device within this many days is a repeat repair of the earlier job
REPEAT_WINDOWS = (30, 90)


def _local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _minutes(start: dt.datetime | None, end: dt.datetime) -> int | None:
    if start is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


# a backfill runs week by week, so one pass holds a week of rows in memory, not a year
CHUNK_DAYS = 7


def _ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as contiguous [first, last] ranges of at most ``CHUNK_DAYS`` days."""
    out: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if out and day == out[-1][1] + dt.timedelta(days=1) and (day - out[-1][0]).days < CHUNK_DAYS:
            out[-1][1] = day
        else:
            out.append([day, day])
    return [(a, b) for a, b in out]


def _score(acc: Any, row: dict) -> None:
    for name in ("speed", "attitude", "result"):
        if row[name] is not None:
            acc.rated += 1
            acc.satisfied += row[name] >= 4
    if row["nps"] is not None:
        acc.nps_n += 1
        acc.nps_promoters += row["nps"] >= 9
        acc.nps_detractors += row["nps"] <= 6
    acc.complaints += bool(row["is_complaint"])


def rollup_range(first: dt.date, last: dt.date) -> None:
    """Recompute every rollup row of the days ``first``..``last`` (local dates), replacing what was there."""
    start, end = day_bounds(first, last)
    tickets: dict[tuple, TicketDailyRollup] = {}
    techs: dict[tuple, TechnicianDailyRollup] = {}
    hours: dict[tuple, dict[str, list[int]]] = {}
    parts: dict[tuple, PartDailyRollup] = {}

    def trow(day, center, model, fault) -> TicketDailyRollup:
        key = (day, center, model, fault)
        if key not in tickets:
            tickets[key] = TicketDailyRollup(day=day, center_id=center, product_model_id=model,
                                             fault_category_id=fault)
        return tickets[key]

    def tech(day, technician, center) -> TechnicianDailyRollup:
        key = (day, technician, center)
        if key not in techs:
            techs[key] = TechnicianDailyRollup(day=day, technician_id=technician, center_id=center)
        return techs[key]

    def hour(day, center) -> dict[str, Any]:
        return hours.setdefault((day, center), {"tickets": [0] * 24, "complaints": [0] * 24,
                                                "technicians": [set() for _ in range(24)], "response_minutes": [],
                                                "arrival_minutes": [], "resolution_minutes": [], "responded": 0,
                                                "responded_on_time": 0, "resolved": 0, "resolved_on_time": 0})

    dims = ("service_center_id", "product_model_id", "fault_category_id")
    # created, per day and per hour
    for row in (Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
                .annotate(day=TruncDate("created_at")).values("day", *dims).annotate(n=Count("pk"))):
        trow(row["day"], *(row[d] for d in dims)).created = row["n"]
    for center, created in (Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
                            .values_list("service_center_id", "created_at")):
        local = timezone.localtime(created)
        hour(local.date(), center)["tickets"][local.hour] += 1
    # first response and resolution, counted on the day the wait ended
    for row in (Ticket.objects.filter(first_response_at__gte=start, first_response_at__lt=end)
                .values(*dims, "created_at", "first_response_at", "due_response_at")):
        day = _local_day(row["first_response_at"])
        r = trow(day, *(row[d] for d in dims))
        on_time = row["due_response_at"] is None or row["first_response_at"] <= row["due_response_at"]
        r.responded += 1
        r.responded_on_time += on_time
        h = hour(day, row["service_center_id"])
        h["responded"] += 1
        h["responded_on_time"] += on_time
        h["response_minutes"].append(_minutes(row["created_at"], row["first_response_at"]))
    resolved_rows = list(Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
                         .values("pk", *dims, "technician_id", "created_at", "resolved_at", "due_resolution_at",
                                 "rework_count", "reopen_count"))
    for row in resolved_rows:
        day = _local_day(row["resolved_at"])
        r = trow(day, *(row[d] for d in dims))
        on_time = row["due_resolution_at"] is None or row["resolved_at"] <= row["due_resolution_at"]
        r.resolved += 1
        r.resolved_on_time += on_time
        h = hour(day, row["service_center_id"])
        h["resolved"] += 1
        h["resolved_on_time"] += on_time
        h["resolution_minutes"].append(_minutes(row["created_at"], row["resolved_at"]))
        if row["technician_id"]:
            t = tech(day, row["technician_id"], row["service_center_id"])
            t.jobs += 1
            t.first_time_fix += row["rework_count"] == 0 and row["reopen_count"] == 0
    # arrival: the first check-in or workshop receipt, counted on its day
    checkins = list(check_ins_between(start=start, end=end))
    received = first_arrivals_before(ticket_ids={c["ticket_id"] for c in checkins}, before=end)
    arriving = {tid: at for tid, at in received.items() if at >= start}
    arrival_tickets = {t["pk"]: t for t in Ticket.objects.filter(pk__in=list(arriving))
                       .values("pk", *dims, "created_at", "due_response_at")}
    for ticket_id, at in arriving.items():
        row = arrival_tickets.get(ticket_id)
        if row is not None:
            hour(_local_day(at), row["service_center_id"])["arrival_minutes"].append(_minutes(row["created_at"], at))
    first_visit: dict[int, dict] = {}
    for c in checkins:
        local = timezone.localtime(c["checked_in_at"])
        hour(local.date(), c["technician__center_id"])["technicians"][local.hour].add(c["technician_id"])
        if arriving.get(c["ticket_id"]) == c["checked_in_at"]:
            first_visit[c["ticket_id"]] = c
    for ticket_id, c in first_visit.items():
        due = arrival_tickets.get(ticket_id, {}).get("due_response_at")
        t = tech(_local_day(c["checked_in_at"]), c["technician_id"], c["technician__center_id"])
        t.arrivals += 1
        t.arrivals_on_time += due is None or c["checked_in_at"] <= due
    _repeats(start, end, tech)
    # satisfaction and complaints, on the day of the answer
    for row in responses_between(start=start, end=end):
        local = timezone.localtime(row["created_at"])
        _score(trow(local.date(), row["center_id"], row["product_model_id"], row["fault_category_id"]), row)
        if row["technician_id"]:
            _score(tech(local.date(), row["technician_id"], row["center_id"]), row)
        if row["is_complaint"]:
            hour(local.date(), row["center_id"])["complaints"][local.hour] += 1
    # parts
    for row in consumption_between(start=start, end=end):
        key = (_local_day(row["created_at"]), row["part_id"], row["centre_id"])
        p = parts.setdefault(key, PartDailyRollup(day=key[0], part_id=key[1], center_id=key[2]))
        p.consumed += max(0, -row["on_hand_delta"])
    for row in stockouts_between(start_day=first, end_day=last):
        key = (row["day"], row["part_id"], row["centre_id"])
        p = parts.setdefault(key, PartDailyRollup(day=key[0], part_id=key[1], center_id=key[2]))
        p.stockouts += 1
    hour_rows = [CentreDailyRollup(day=day, center_id=center, tickets=h["tickets"], complaints=h["complaints"],
                                   technicians=[len(s) for s in h["technicians"]],
                                   **{k: h[k] for k in WAIT_COUNTS},
                                   **{f"{kind}_histogram": histogram.build(h[f"{kind}_minutes"]) for kind in WAIT_KINDS})
                 for (day, center), h in hours.items()]
    with transaction.atomic():
        for model in (TicketDailyRollup, TechnicianDailyRollup, CentreDailyRollup, PartDailyRollup):
            model.objects.filter(day__gte=first, day__lte=last).delete()
        TicketDailyRollup.objects.bulk_create(tickets.values(), batch_size=2000)
        TechnicianDailyRollup.objects.bulk_create(techs.values(), batch_size=2000)
        CentreDailyRollup.objects.bulk_create(hour_rows, batch_size=2000)
        PartDailyRollup.objects.bulk_create(parts.values(), batch_size=2000)
        fault_months_rebuild(months_between(first, last))
        centre_months_rebuild(months_between(first, last))


def fault_months_rebuild(months: Iterable[dt.date], *, daily: Any = TicketDailyRollup,
                         monthly: Any = FaultMonthlyRollup) -> None:
    """Replace the monthly fault rows of ``months`` by the sums of their daily rows (per centre, and over
    every centre). Two grouped reads of one month's daily rows per month, however long the history.
    ``daily``/``monthly`` let the migration that adds the table fill it through its historical models."""
    for month in months:
        following = month_after(month)
        rows = daily.objects.filter(day__gte=month, day__lt=following, product_model__isnull=False, created__gt=0)
        per_centre = rows.values("center_id", "product_model_id", "fault_category_id").annotate(n=Sum("created"))
        overall = rows.values("product_model_id", "fault_category_id").annotate(n=Sum("created"))
        monthly.objects.filter(month=month).delete()
        monthly.objects.bulk_create(
            [monthly(month=month, center_id=r["center_id"], product_model_id=r["product_model_id"],
                     fault_category_id=r["fault_category_id"], created=r["n"]) for r in per_centre.order_by()]
            + [monthly(month=month, all_centres=True, product_model_id=r["product_model_id"],
                       fault_category_id=r["fault_category_id"], created=r["n"]) for r in overall.order_by()],
            batch_size=2000)


HOURLY = ("tickets", "complaints", "technicians")


def centre_months_rebuild(months: Iterable[dt.date], *, daily: Any = CentreDailyRollup,
                          monthly: Any = CentreMonthlyRollup) -> None:
    """Replace the monthly centre rows of ``months`` by the sums of their daily rows, per centre: one read of
    a month's daily rows per month (centres × days, a thousand rows or so). The hourly counts are summed
    per weekday, and the days that had a row are kept, so the heatmap can average per weekday.
    ``daily``/``monthly`` let the migration that adds the table fill it through its historical models."""
    histograms = [f"{kind}_histogram" for kind in WAIT_KINDS]
    for month in months:
        following = month_after(month)
        sums: dict[Any, dict[str, Any]] = {}
        for row in (daily.objects.filter(day__gte=month, day__lt=following)
                    .values("center_id", "day", *WAIT_COUNTS, *histograms, *HOURLY).order_by()):
            acc = sums.setdefault(row["center_id"], {**dict.fromkeys(WAIT_COUNTS, 0),
                                                     **{h: [] for h in histograms},
                                                     **{f"weekday_{h}": [0] * (7 * 24) for h in HOURLY},
                                                     "days": []})
            for k in WAIT_COUNTS:
                acc[k] += row[k]
            for h in histograms:
                acc[h].append(row[h])
            hours = slice(row["day"].weekday() * 24, row["day"].weekday() * 24 + 24)
            for h in HOURLY:
                if row[h]:
                    acc[f"weekday_{h}"][hours] = map(add, acc[f"weekday_{h}"][hours], row[h])
            acc["days"].append(row["day"].day)
        for acc in sums.values():
            acc.update({h: histogram.merge(acc[h]) for h in histograms}, days=sorted(acc["days"]))
        monthly.objects.filter(month=month).delete()
        monthly.objects.bulk_create([monthly(month=month, center_id=centre, **acc) for centre, acc in sums.items()],
                                    batch_size=2000)


def _repeats(start: dt.datetime, end: dt.datetime, tech) -> None:
    """A ticket opened in the range on a device that an earlier job resolved within 30/90 days counts, on the
    new ticket's day, against the technician of that earlier job."""
    opened = Ticket.objects.filter(created_at__gte=start, created_at__lt=end, device_id__isnull=False)
    new = list(opened.values("pk", "device_id", "created_at"))
    if not new:
        return
    horizon = start - dt.timedelta(days=max(REPEAT_WINDOWS))
    earlier: dict[int, list[dict]] = defaultdict(list)
    for row in (Ticket.objects.filter(device_id__in=opened.values("device_id"), resolved_at__gte=horizon,
                                      resolved_at__lt=end, technician_id__isnull=False)
                .values("pk", "device_id", "resolved_at", "technician_id", "service_center_id")):
        earlier[row["device_id"]].append(row)
    for n in new:
        before = [e for e in earlier[n["device_id"]] if e["pk"] != n["pk"] and e["resolved_at"] <= n["created_at"]]
        if not before:
            continue
        last = max(before, key=lambda e: e["resolved_at"])
        gap = n["created_at"] - last["resolved_at"]
        t = tech(_local_day(n["created_at"]), last["technician_id"], last["service_center_id"])
        t.repeat_30 += gap <= dt.timedelta(days=30)
        t.repeat_90 += gap <= dt.timedelta(days=90)


def changed_days(since: dt.datetime, until: dt.datetime) -> set[dt.date]:
    """Local days touched by events or survey answers written in [since, until)."""
    days = {_local_day(at) for at in TicketEvent.objects.filter(created_at__gte=since, created_at__lt=until)
            .values_list("created_at", flat=True).order_by()}
    days |= {_local_day(r["created_at"]) for r in responses_between(start=since, end=until)}
    return days


def analytics_refresh(*, now: dt.datetime | None = None, backfill_days: int = 400) -> int:
    """Bring the rollups up to ``now``; the first run backfills ``backfill_days``. Returns the days recomputed."""
    now = now or timezone.now()
    state = RollupState.objects.filter(name=STATE).first()
    if state is None:
        today = _local_day(now)
        days = {today - dt.timedelta(days=i) for i in range(backfill_days)}
    else:
        # a minute of overlap covers rows committed late by a transaction that began before the last run
        days = changed_days(state.through - dt.timedelta(minutes=1), now)
        days.add(_local_day(now))
    for first, last in _ranges(days):
        rollup_range(first, last)
    RollupState.objects.update_or_create(name=STATE, defaults={"through": now})
    return len(days)


def analytics_refresh_task() -> int:
    from .spikes import spikes_detect

    count = analytics_refresh()
    spikes_detect()
    return count


def monthly_report(*, month: dt.date, send: bool = True) -> int:
    """Mail each centre's managers last month's figures of their centre as one XLSX workbook (faults, waits,
    technicians, satisfaction, parts). Idempotent per centre × month. Returns the reports sent."""
    from django.conf import settings
    from django.core.mail import EmailMessage

    from repairs.selectors import centres_with_managers

    from .export import xlsx_bytes
    from .selectors import (
        Period,
        faults_by_model_month,
        parts_consumption,
        satisfaction,
        technician_performance,
        waits,
    )

    first = month.replace(day=1)
    last = month_after(first) - dt.timedelta(days=1)
    period = Period(first, last)
    sent = 0
    for centre, managers in centres_with_managers():
        key = f"report:{centre.pk}:{first:%Y-%m}"
        recipients = [m.email for m in managers if m.email]
        if not recipients or RollupState.objects.filter(name=key).exists():
            continue
        viewer = _CentreViewer(centre.pk)
        tables = [faults_by_model_month(user=viewer, period=period), *waits(user=viewer, period=period),
                  technician_performance(user=viewer, period=period), *satisfaction(user=viewer, period=period),
                  parts_consumption(user=viewer, period=period)]
        if send:
            mail = EmailMessage(subject=f"【月度报表】{centre.name} {first:%Y-%m}",
                                body=f"{centre.name} {first:%Y 年 %m 月}的服务报表见附件（高发故障、等待时长、工程师绩效、满意度、备件消耗）。",
                                from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
            mail.attach(f"report-{centre.pk}-{first:%Y-%m}.xlsx", xlsx_bytes(tables),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            mail.send()
        RollupState.objects.create(name=key, through=timezone.now())
        sent += 1
    return sent


class _CentreViewer:
    """Reads a report as a manager of one centre would: ``policy`` scopes it to that centre."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, centre_id: int) -> None:
        from .. import policy

        self._policy_scope = policy.Scope(centre_ids=frozenset({centre_id}))

    def has_perm(self, perm: str) -> bool:
        return False


def monthly_report_task() -> int:
    today = timezone.localdate()
    return monthly_report(month=(today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
