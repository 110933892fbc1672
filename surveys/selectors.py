"""Reads of surveys: CSAT and NPS per technician or center over time, follow-up queues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import FollowUp, Response

GROUPS = {
    "technician": ("technician_id", "technician__name"),
    "center": ("center_id", "center__name"),
}


@dataclass
class ScoreCell:
    responses: int = 0
    rated: int = 0
    satisfied: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    complaints: int = 0

    @property
    def csat(self) -> float | None:
        """Share of 1–5 ratings (speed, attitude, result) that are 4 or 5, in percent."""
        return round(100.0 * self.satisfied / self.rated, 1) if self.rated else None

    @property
    def nps(self) -> float | None:
        """Promoters (9–10) minus detractors (0–6), in percent of NPS answers."""
        return round(100.0 * (self.promoters - self.detractors) / self.nps_answers, 1) if self.nps_answers else None

    def add(self, other: ScoreCell) -> None:
        for name in ("responses", "rated", "satisfied", "nps_answers", "promoters", "detractors", "complaints"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ScoreRow:
    key: int | None
    name: str
    months: dict[dt.date, ScoreCell] = field(default_factory=dict)
    total: ScoreCell = field(default_factory=ScoreCell)


def month_starts(*, months: int, now: dt.datetime | None = None) -> list[dt.date]:
    today = timezone.localdate(now or timezone.now())
    year, month = today.year, today.month
    out = []
    for _i in range(months):
        out.append(dt.date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


def score_report(*, group: str, months: int = 6, now: dt.datetime | None = None,
                 center_ids: list[int] | None = None) -> tuple[list[dt.date], list[ScoreRow]]:
    """CSAT and NPS per technician or per center and month, for the last ``months`` months, in one
    aggregate query. ``center_ids`` scopes a center manager to their centers."""
    key_field, name_field = GROUPS[group]
    columns = month_starts(months=months, now=now)
    start = timezone.make_aware(dt.datetime.combine(columns[0], dt.time.min))
    qs = Response.objects.filter(created_at__gte=start)
    if center_ids is not None:
        qs = qs.filter(center_id__in=center_ids)
    rows = (
        qs.annotate(month=TruncMonth("created_at"))
        .values(key_field, name_field, "month")
        .annotate(
            responses=Count("pk"),
            rated=Count("speed") + Count("attitude") + Count("result"),
            satisfied=Count("pk", filter=Q(speed__gte=4)) + Count("pk", filter=Q(attitude__gte=4))
            + Count("pk", filter=Q(result__gte=4)),
            nps_answers=Count("nps"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
            complaints=Count("pk", filter=Q(is_complaint=True)),
        )
        .order_by(name_field, "month")
    )
    by_key: dict[int | None, ScoreRow] = {}
    for row in rows:
        key = row[key_field]
        report_row = by_key.setdefault(key, ScoreRow(key=key, name=row[name_field] or "—"))
        month = row["month"]
        month = timezone.localtime(month).date() if isinstance(month, dt.datetime) else month
        cell = ScoreCell(**{k: row[k] for k in ("responses", "rated", "satisfied", "nps_answers", "promoters",
                                                   "detractors", "complaints")})
        report_row.months.setdefault(month, ScoreCell()).add(cell)
        report_row.total.add(cell)
    return columns, sorted(by_key.values(), key=lambda r: (-r.total.responses, r.name))


def follow_up_queue(*, center_ids: list[int] | None = None) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.select_related("ticket", "center", "technician", "response", "handled_by")
    if center_ids is not None:
        qs = qs.filter(center_id__in=center_ids)
    return qs


def ticket_satisfaction(*, ticket_ids: list[int]) -> dict[int, dict]:
    """Each answered ticket's survey: the mean of its speed, attitude and result scores (1–5, one
    decimal) and the NPS answer."""
    out: dict[int, dict] = {}
    rows = Response.objects.filter(ticket_id__in=ticket_ids).values_list("ticket_id", "speed", "attitude", "result",
                                                                         "nps")
    for ticket_id, *scores, nps in rows:
        given = [s for s in scores if s is not None]
        out[ticket_id] = {"score": round(sum(given) / len(given), 1) if given else None, "nps": nps}
    return out


def responses_between(*, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Survey answers given in [start, end) with what the analytics rollups count (one query, no joins)."""
    return Response.objects.filter(created_at__gte=start, created_at__lt=end).values(
        "ticket_id", "center_id", "technician_id", "fault_category_id", "product_model_id", "created_at", "speed",
        "attitude", "result", "nps", "is_complaint")
