"""Reads of the rollups: each figure of the analytics pages, scoped to the viewer's centres.

Every function reads rollup rows only (a fixed number of queries, never the ticket table) and returns
``Table`` objects: headers plus rows of ``Cell`` values, where a cell may carry the URL of the changelist
that lists the tickets (or answers, or stock movements) behind the figure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from operator import add
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import policy
from . import histogram
from .models import (
    WAIT_COUNTS,
    CentreDailyRollup,
    CentreMonthlyRollup,
    FaultMonthlyRollup,
    FaultSpikeAlert,
    PartDailyRollup,
    TechnicianDailyRollup,
    TicketDailyRollup,
    day_bounds,
    month_after,
    months_between,
)

ZEROS = [0] * 24
WEEKDAYS = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def last_days(cls, days: int, *, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @classmethod
    def from_query(cls, params: Any, *, default_days: int = 90) -> Period:
        try:
            start = dt.date.fromisoformat(params.get("start", ""))
            end = dt.date.fromisoformat(params.get("end", ""))
        except ValueError:
            return cls.last_days(default_days)
        if end < start or (end - start).days > 800:
            return cls.last_days(default_days)
        return cls(start, end)

    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)


@dataclass
class Cell:
    value: Any
    url: str = ""

    def __str__(self) -> str:
        return "—" if self.value is None else str(self.value)


@dataclass
class Table:
    key: str
    title: Any
    headers: list[Any]
    rows: list[list[Cell]] = field(default_factory=list)
    note: Any = ""


def _scoped(user: Any, qs: QuerySet) -> QuerySet:
    centre_ids = policy.visible_centre_ids(user)
    return qs if centre_ids is None else qs.filter(center_id__in=centre_ids)


def _in(period: Period, qs: QuerySet) -> QuerySet:
    return qs.filter(day__gte=period.start, day__lte=period.end)


def ticket_url(**params: Any) -> str:
    return f"{reverse('admin:tickets_ticket_changelist')}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def days_filter(field: str, first: dt.date, last: dt.date) -> dict[str, str]:
    """The changelist parameters that list the rows whose ``field`` falls on the local days
    ``first``..``last``: a half-open range of instants (the admin's own date filter uses the same
    parameters), which the timestamp's index answers at any table size."""
    start, end = day_bounds(first, last)
    return {f"{field}__gte": str(start), f"{field}__lt": str(end)}


def _created(period: Period, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, str]:
    return days_filter("created_at", start or period.start, end or period.end)


def _resolved(period: Period) -> dict[str, str]:
    return days_filter("resolved_at", period.start, period.end)


def pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    return round(100.0 * (promoters - detractors) / answers, 1) if answers else None


def hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


# --- frequent faults ----------------------------------------------------------------------------------

def whole_months(period: Period) -> Period:
    """The period widened to the calendar months it touches."""
    following = month_after(period.end)
    return Period(period.start.replace(day=1), following - dt.timedelta(days=1))


def faults_by_model_month(*, user: Any, period: Period, top: int = 15) -> Table:
    """Tickets received per product model × fault and month, the ``top`` largest over the period.

    The columns are months, so the period counts in whole months (widened to the months it touches) and
    is read from the monthly rollup: a year is a dozen rows per model × fault whatever the ticket count;
    a viewer of every centre reads the all-centre rows, others their centres' rows. One query."""
    period = whole_months(period)
    months = period.months()
    centre_ids = policy.visible_centre_ids(user)
    qs = FaultMonthlyRollup.objects.filter(month__gte=period.start, month__lte=period.end)
    qs = qs.filter(all_centres=True) if centre_ids is None else qs.filter(all_centres=False,
                                                                          center_id__in=centre_ids)
    rows = (qs.values("product_model_id", "product_model__brand", "product_model__name", "fault_category_id",
                      "fault_category__name", "month")
            .annotate(n=Sum("created")).order_by())
    grid: dict[tuple, dict] = {}
    for row in rows:
        key = (row["product_model_id"], row["fault_category_id"])
        entry = grid.setdefault(key, {"model": f"{row['product_model__brand']} {row['product_model__name']}",
                                      "fault": row["fault_category__name"] or gettext("未分类"), "months": {}})
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        entry["months"][month] = entry["months"].get(month, 0) + row["n"]
    ranked = sorted(grid.items(), key=lambda kv: (-sum(kv[1]["months"].values()), kv[1]["model"], kv[1]["fault"]))
    table = Table("faults", _("高发故障：型号 × 月份"),
                  [_("型号"), _("故障"), *[m.strftime("%Y-%m") for m in months], _("合计")],
                  note=gettext("按整月统计：%(start)s 至 %(end)s") % {"start": period.start, "end": period.end})
    for (model_id, fault_id), entry in ranked[:top]:
        base = {"product_model__id__exact": model_id}
        base["fault_category__id__exact" if fault_id else "fault_category__isnull"] = fault_id or "True"
        cells = [Cell(entry["model"]), Cell(entry["fault"])]
        for m in months:
            last = min(period.end, month_after(m) - dt.timedelta(days=1))
            first = max(period.start, m)
            cells.append(Cell(entry["months"].get(m, 0), ticket_url(**base, **_created(period, first, last))))
        cells.append(Cell(sum(entry["months"].values()), ticket_url(**base, **_created(period))))
        table.rows.append(cells)
    return table


# --- waits ------------------------------------------------------------------------------------------

WAITS = (("response", _("首次响应")), ("arrival", _("上门/收机")), ("resolution", _("解决")))


def split_months(period: Period) -> tuple[Period | None, list[Period]]:
    """The period's run of whole calendar months (None if it holds none) and the partial days around it."""
    first = period.start if period.start.day == 1 else \
        month_after(period.start)
    following = month_after(period.end)
    after_last = following if period.end == following - dt.timedelta(days=1) else period.end.replace(day=1)
    if first >= after_last:
        return None, [period]
    months = Period(first, after_last - dt.timedelta(days=1))
    edges = [p for p in (Period(period.start, first - dt.timedelta(days=1)), Period(after_last, period.end))
             if p.start <= p.end]
    return months, edges


def _wait_row(label: Cell, acc: dict[str, Any]) -> list[Cell]:
    cells = [label]
    for kind, _label in WAITS:
        counts = acc[kind]
        cells += [Cell(sum(counts)), Cell(hours(histogram.quantile(counts, 0.5))),
                  Cell(hours(histogram.quantile(counts, 0.9)))]
    cells += [Cell(pct(acc["responded_on_time"], acc["responded"])),
              Cell(pct(acc["resolved_on_time"], acc["resolved"]))]
    return cells


def _wait_sums(rows: Any) -> dict[str, Any]:
    rows = list(rows)
    acc: dict[str, Any] = {k: sum(r[k] for r in rows) for k in WAIT_COUNTS}
    for kind, _label in WAITS:
        acc[kind] = histogram.merge(r[f"{kind}_histogram"] for r in rows)
    return acc


def waits(*, user: Any, period: Period) -> tuple[Table, Table]:
    """Median and P90 hours to first response, arrival or receipt, and resolution, and the on-time rates
    against the SLA, by region and by centre.

    Read from the wait histograms: a period's whole months from the monthly rollup, its partial months' days
    from the daily one (two queries whatever the period). The quantiles are exact below two hours and within
    0.8 % above (``histogram``); the counts and on-time rates are exact."""
    from tickets.models import Region

    fields = ("center_id", "center__name", "center__region", *WAIT_COUNTS,
              *(f"{kind}_histogram" for kind, _label in WAITS))
    months, edges = split_months(period)
    rows: list[dict] = []
    if months is not None:
        rows += _scoped(user, CentreMonthlyRollup.objects.filter(
            month__gte=months.start, month__lte=months.end)).values(*fields).order_by()
    edge_days = Q()
    for edge in edges:
        edge_days |= Q(day__gte=edge.start, day__lte=edge.end)
    if edges:
        rows += _scoped(user, CentreDailyRollup.objects.filter(edge_days)).values(*fields).order_by()
    per_centre: dict[Any, list[dict]] = defaultdict(list)
    names: dict[Any, tuple[str, str]] = {}
    for row in rows:
        per_centre[row["center_id"]].append(row)
        names[row["center_id"]] = (row["center__name"] or gettext("未分配网点"), row["center__region"] or "")
    headers = [_("网点"), *[h for _n, label in WAITS for h in (
        format_label(label, _("单数")), format_label(label, _("中位数（小时）")), format_label(label, _("P90（小时）")))],
        _("响应准时率 %"), _("解决准时率 %")]
    note = _("中位数与 P90 按分桶直方图计算：两小时以内精确到分钟，超过两小时误差不超过 0.8%；单数与准时率为精确值。")
    by_centre = Table("waits_centre", _("各网点等待时长"), headers)
    region_rows: dict[str, list[dict]] = defaultdict(list)
    region_labels = dict(Region.choices)
    for centre_id, (name, region) in sorted(names.items(), key=lambda kv: kv[1]):
        params = {"service_center__id__exact": centre_id} if centre_id else {"service_center__isnull": "True"}
        centre = _wait_sums(per_centre[centre_id])
        by_centre.rows.append(_wait_row(Cell(name, ticket_url(**params, **_resolved(period))), centre))
        # a region sums its centres' sums, not their rows again
        region_rows[region].append({**{k: centre[k] for k in WAIT_COUNTS},
                                    **{f"{kind}_histogram": centre[kind] for kind, _label in WAITS}})
    by_region = Table("waits_region", _("各大区等待时长"), [_("大区"), *headers[1:]], note=note)
    for region, grouped in sorted(region_rows.items()):
        label = str(region_labels.get(region, region or gettext("未分配网点")))
        # the ticket list filters by centre, not region: the centre rows below drill down
        by_region.rows.append(_wait_row(Cell(label), _wait_sums(grouped)))
    return by_region, by_centre


def format_label(*parts: Any) -> str:
    return " ".join(str(p) for p in parts)


# --- technicians --------------------------------------------------------------------------------------

def technician_performance(*, user: Any, period: Period) -> Table:
    rows = (_in(period, _scoped(user, TechnicianDailyRollup.objects.all()))
            .values("technician_id", "technician__name", "center__name")
            .annotate(**{k: Sum(k) for k in ("jobs", "first_time_fix", "repeat_30", "repeat_90", "arrivals",
                                             "arrivals_on_time", "complaints", "rated", "satisfied",
                                             "nps_promoters", "nps_detractors", "nps_n")})
            .order_by("-jobs", "technician__name"))
    table = Table("technicians", _("工程师绩效"),
                  [_("工程师"), _("网点"), _("完成工单"), _("一次修复率 %"), _("30 天返修率 %"), _("90 天返修率 %"),
                   _("按时上门率 %"), _("满意度 %"), _("NPS"), _("投诉")],
                  note=_("返修：同一设备在上次完工后 30/90 天内再次报修，计入上次完工的工程师。"
                         "按时上门：首次签到不晚于响应时限。满意度：4–5 分评分项占比。"))
    for r in rows:
        tech = {"technician__id__exact": r["technician_id"]}
        table.rows.append([
            Cell(r["technician__name"]), Cell(r["center__name"] or "—"),
            Cell(r["jobs"], ticket_url(**tech, **_resolved(period))),
            Cell(pct(r["first_time_fix"], r["jobs"])), Cell(pct(r["repeat_30"], r["jobs"])),
            Cell(pct(r["repeat_90"], r["jobs"])), Cell(pct(r["arrivals_on_time"], r["arrivals"])),
            Cell(pct(r["satisfied"], r["rated"])), Cell(nps(r["nps_promoters"], r["nps_detractors"], r["nps_n"])),
            Cell(r["complaints"], response_url(technician__id__exact=r["technician_id"], is_complaint__exact=1,
                                               period=period)),
        ])
    return table


def response_url(*, period: Period, **params: Any) -> str:
    params.update(_created(period))
    return f"{reverse('admin:surveys_response_changelist')}?{urlencode(params)}"


# --- satisfaction -----------------------------------------------------------------------------------

def satisfaction(*, user: Any, period: Period) -> tuple[Table, Table]:
    """CSAT, NPS and complaints by fault category and by centre (answers counted on the day given)."""
    sums = {k: Sum(k) for k in ("rated", "satisfied", "nps_promoters", "nps_detractors", "nps_n", "complaints")}
    base = _in(period, _scoped(user, TicketDailyRollup.objects.all())).filter(Q(rated__gt=0) | Q(nps_n__gt=0)
                                                                              | Q(complaints__gt=0))
    headers = [_("评分项"), _("满意度 %"), _("推荐回答"), _("NPS"), _("投诉")]

    def build(key, title, group, label_field, url_param) -> Table:
        table = Table(key, title, [title, *headers])
        for r in base.values(group, label_field).annotate(**sums).order_by("-complaints", label_field):
            params = {url_param: r[group]} if r[group] else {url_param.replace("__id__exact", "__isnull"): "True"}
            table.rows.append([Cell(r[label_field] or gettext("未分类")), Cell(r["rated"]),
                               Cell(pct(r["satisfied"], r["rated"])), Cell(r["nps_n"]),
                               Cell(nps(r["nps_promoters"], r["nps_detractors"], r["nps_n"])),
                               Cell(r["complaints"], response_url(period=period, is_complaint__exact=1, **params))])
        return table

    return (build("satisfaction_fault", _("故障类型"), "fault_category_id", "fault_category__name",
                  "fault_category__id__exact"),
            build("satisfaction_centre", _("网点"), "center_id", "center__name", "center__id__exact"))


# --- complaint heatmap ---------------------------------------------------------------------------------

@dataclass
class Heatmap:
    complaints: list[list[int]]
    tickets: list[list[float]]
    technicians: list[list[float]]
    weekend_share: float | None
    suggestions: list[dict]
    total: int


def complaint_heatmap(*, user: Any, period: Period) -> Heatmap:
    """Complaints by weekday × hour beside the average technicians at work and tickets received then.

    Read like the waits: the period's whole months from the monthly rows, its partial months' days from the
    daily rows (two queries whatever the period); every figure is exact.

    Staffing rule: a slot is short-staffed when its complaints per 100 tickets are at least 1.5 times the
    period's rate and it has at least 3 complaints; the suggestion is the technicians needed to bring its
    tickets per technician down to the period's average (rounded up), minus those already at work."""
    complaints = [[0] * 24 for _ in range(7)]
    tickets = [[0] * 24 for _ in range(7)]
    techs = [[0] * 24 for _ in range(7)]
    seen_days: set[dt.date] = set()
    # whole months from the monthly rows (already summed by weekday), the partial months' days from the daily
    # rows: a year of 40 centres is some 500 monthly rows and a month or so of daily ones
    months, edges = split_months(period)
    if months is not None:
        for r in _scoped(user, CentreMonthlyRollup.objects.filter(month__gte=months.start, month__lte=months.end)
                         ).values("month", "weekday_tickets", "weekday_complaints", "weekday_technicians", "days"):
            seen_days.update(r["month"].replace(day=d) for d in r["days"])
            for w in range(7):
                hours = slice(w * 24, w * 24 + 24)
                complaints[w] = list(map(add, complaints[w], r["weekday_complaints"][hours] or ZEROS))
                tickets[w] = list(map(add, tickets[w], r["weekday_tickets"][hours] or ZEROS))
                techs[w] = list(map(add, techs[w], r["weekday_technicians"][hours] or ZEROS))
    if edges:
        edge_days = Q()
        for edge in edges:
            edge_days |= Q(day__gte=edge.start, day__lte=edge.end)
        for r in _scoped(user, CentreDailyRollup.objects.filter(edge_days)).values("day", "tickets", "complaints",
                                                                                  "technicians"):
            w = r["day"].weekday()
            seen_days.add(r["day"])
            # element-wise sums in C (map/add)
            complaints[w] = list(map(add, complaints[w], r["complaints"] or ZEROS))
            tickets[w] = list(map(add, tickets[w], r["tickets"] or ZEROS))
            techs[w] = list(map(add, techs[w], r["technicians"] or ZEROS))
    days_per_weekday = [0] * 7
    for day in seen_days:
        days_per_weekday[day.weekday()] += 1
    avg_t = [[round(tickets[w][h] / days_per_weekday[w], 2) if days_per_weekday[w] else 0 for h in range(24)]
             for w in range(7)]
    avg_s = [[round(techs[w][h] / days_per_weekday[w], 2) if days_per_weekday[w] else 0 for h in range(24)]
             for w in range(7)]
    total_c = sum(map(sum, complaints))
    total_t = sum(map(sum, tickets))
    total_s = sum(map(sum, techs))
    rate = total_c / total_t if total_t else 0
    per_tech = total_t / total_s if total_s else None
    suggestions = []
    for w in range(7):
        for h in range(24):
            c, t = complaints[w][h], tickets[w][h]
            if c < 3 or not t or c / t < 1.5 * rate:
                continue
            need = math.ceil(avg_t[w][h] / per_tech) if per_tech else 1
            extra = max(1, need - math.floor(avg_s[w][h]))
            suggestions.append({"weekday": WEEKDAYS[w], "hour": h, "complaints": c,
                                "rate": round(100 * c / t, 1), "at_work": avg_s[w][h], "extra": extra})
    suggestions.sort(key=lambda s: (-s["complaints"], s["hour"]))
    weekend = sum(sum(complaints[w]) for w in (5, 6))
    return Heatmap(complaints, avg_t, avg_s, pct(weekend, total_c), suggestions[:10], total_c)


# --- parts --------------------------------------------------------------------------------------------

def parts_consumption(*, user: Any, period: Period, top: int = 30) -> Table:
    rows = (_in(period, _scoped(user, PartDailyRollup.objects.all()))
            .values("part_id", "part__sku", "part__name").annotate(consumed=Sum("consumed"), stockouts=Sum("stockouts"))
            .order_by("-consumed", "-stockouts", "part__sku")[:top])
    table = Table("parts", _("备件消耗与缺货"), [_("编码"), _("备件"), _("领用数量"), _("缺货次数")])
    movements = reverse("admin:parts_stockmovement_changelist")
    alerts = reverse("admin:parts_lowstockalert_changelist")
    for r in rows:
        span = {"part__id__exact": r["part_id"]}
        table.rows.append([
            Cell(r["part__sku"]), Cell(r["part__name"]),
            Cell(r["consumed"], f"{movements}?{urlencode({**span, 'kind__exact': 'consume', **_created(period)})}"),
            Cell(r["stockouts"], f"{alerts}?{urlencode({**span, 'day__gte': period.start.isoformat(), 'day__lte': period.end.isoformat()})}"),
        ])
    return table


# --- spikes -------------------------------------------------------------------------------------------

def spike_alerts(*, limit: int = 50) -> Table:
    table = Table("spikes", _("故障突增预警"), [_("周起始日"), _("型号"), _("故障"), _("本周报修"), _("基线周均"),
                                               _("P 值"), _("状态")])
    for a in FaultSpikeAlert.objects.select_related("product_model", "fault_category")[:limit]:
        ids = ",".join(str(i) for i in a.ticket_ids)
        table.rows.append([Cell(a.week_start.isoformat()), Cell(str(a.product_model)), Cell(str(a.fault_category)),
                           Cell(a.count, ticket_url(id__in=ids)), Cell(a.baseline), Cell(f"{a.p_value:.2g}"),
                           Cell(a.get_status_display())])
    return table


# --- home KPIs ----------------------------------------------------------------------------------------

KPI_CAP = 1000


def kpis(*, user: Any, tickets: QuerySet) -> list[tuple[Any, Any, str]]:
    """Today's and this week's figures for a manager's home: intake and the open breaches live (indexed
    queries), resolutions, on-time rate and complaints from the rollup."""
    from tickets.models import Ticket

    today = timezone.localdate()
    week = Period(today - dt.timedelta(days=today.weekday()), today)
    day = Period(today, today)
    now = timezone.now()
    # the local day as a range of instants, so the count walks the creation index
    midnight, next_midnight = day_bounds(today)
    created_today = tickets.filter(created_at__gte=midnight, created_at__lt=next_midnight).order_by()[:10000].count()
    # counted no further than a cap, like the queues: past it the figure reads "999+" and the drill-down
    # lists them all, while the count stays a bounded read whatever the backlog
    breached = tickets.filter(status__in=Ticket.OPEN_STATES, due_resolution_at__lt=now).order_by()[:KPI_CAP].count()
    sums = _in(week, _scoped(user, TicketDailyRollup.objects.all())).aggregate(
        week_created=Sum("created"), week_resolved=Sum("resolved"), week_on_time=Sum("resolved_on_time"),
        week_complaints=Sum("complaints"), day_resolved=Sum("resolved", filter=Q(day=today)))
    figures = {name: {k.split("_", 1)[1]: v for k, v in sums.items() if k.startswith(name)} for name in ("day", "week")}
    w = figures["week"]
    return [
        (_("今日新建"), created_today, ticket_url(**_created(day))),
        (_("今日解决"), figures["day"]["resolved"] or 0, ticket_url(**_resolved(day))),
        (_("本周新建"), w["created"] or 0, ticket_url(**_created(week))),
        (_("本周解决"), w["resolved"] or 0, ticket_url(**_resolved(week))),
        (_("本周解决准时率"), f"{pct(w['on_time'] or 0, w['resolved'] or 0) or '—'}%", ""),
        (_("本周投诉"), w["complaints"] or 0, response_url(period=week, is_complaint__exact=1)),
        (_("在办已超时"), breached if breached < KPI_CAP else f"{KPI_CAP - 1}+", ticket_url(sla="breached")),
    ]
