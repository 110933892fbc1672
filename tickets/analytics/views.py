"""The analytics pages, inside the admin (its login, its chrome, its navigation).

Each page reads ``selectors`` (rollups only) for the period in the query string and the viewer's centres;
``?export=csv&table=<key>`` or ``?export=xlsx`` returns the page's tables as files.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .. import policy
from . import charts, selectors
from .export import csv_response, xlsx_response
from .selectors import WEEKDAYS, Period

PERMISSION = "tickets.view_ticketdailyrollup"

PAGES = [
    ("faults", _("高发故障")),
    ("waits", _("等待时长")),
    ("technicians", _("工程师绩效")),
    ("satisfaction", _("满意度")),
    ("heatmap", _("投诉时段")),
    ("parts", _("备件消耗")),
    ("spikes", _("故障突增")),
]


def can_view(user: Any) -> bool:
    return policy.can(user, PERMISSION)


def _page(admin_site, request, key: str, tables: list, extra: dict | None = None, *, default_days: int = 90):
    if not can_view(request.user):
        raise PermissionDenied
    period = extra.pop("period") if extra and "period" in extra else Period.from_query(request.GET,
                                                                                      default_days=default_days)
    fmt = request.GET.get("export")
    if fmt == "csv":
        wanted = request.GET.get("table") or tables[0].key
        table = next((t for t in tables if t.key == wanted), tables[0])
        return csv_response(table, f"{table.key}-{period.start}-{period.end}")
    if fmt == "xlsx":
        return xlsx_response(tables, f"{key}-{period.start}-{period.end}")
    context = {
        **admin_site.each_context(request), "title": dict(PAGES)[key], "pages": PAGES, "page": key,
        "tables": tables, "period": period, "centres": policy.visible_centre_ids(request.user),
        "query": request.GET.urlencode(), **(extra or {}),
    }
    return TemplateResponse(request, f"admin/analytics/{key}.html", context)


def _period(request, default_days: int = 90) -> Period:
    return Period.from_query(request.GET, default_days=default_days)


def faults_view(admin_site, request):
    period = _period(request, 180)
    table = selectors.faults_by_model_month(user=request.user, period=period)
    top = [(f"{r[0].value} · {r[1].value}", r[-1].value, r[-1].url) for r in table.rows[:10]]
    monthly = [(h, sum(r[2 + i].value for r in table.rows)) for i, h in enumerate(table.headers[2:-1])]
    return _page(admin_site, request, "faults", [table], {
        "period": period, "chart": charts.hbar(top, title=str(_("报修最多的型号与故障"))),
        "trend": charts.columns(monthly, title=str(_("前列型号故障的月度走势")))})


def waits_view(admin_site, request):
    period = _period(request)
    by_region, by_centre = selectors.waits(user=request.user, period=period)
    chart = charts.hbar([(r[0].value, r[8].value or 0, r[0].url) for r in by_centre.rows if r[8].value is not None],
                        title=str(_("解决用时中位数（小时）")))
    return _page(admin_site, request, "waits", [by_region, by_centre], {"period": period, "chart": chart})


def technicians_view(admin_site, request):
    period = _period(request)
    table = selectors.technician_performance(user=request.user, period=period)
    return _page(admin_site, request, "technicians", [table], {"period": period})


def satisfaction_view(admin_site, request):
    period = _period(request)
    by_fault, by_centre = selectors.satisfaction(user=request.user, period=period)
    chart = charts.hbar([(r[0].value, r[5].value, r[5].url) for r in by_fault.rows[:10] if r[5].value],
                        title=str(_("投诉最多的故障类型")))
    return _page(admin_site, request, "satisfaction", [by_fault, by_centre], {"period": period, "chart": chart})


def heatmap_view(admin_site, request):
    period = _period(request, 84)
    heat = selectors.complaint_heatmap(user=request.user, period=period)
    top = max(max(row) for row in heat.complaints) if heat.total else 0
    grid = [{"weekday": WEEKDAYS[w], "cells": [
        {"value": heat.complaints[w][h], "colour": charts.heat_colour(heat.complaints[w][h], top),
         "techs": heat.technicians[w][h], "tickets": heat.tickets[w][h]} for h in range(24)]} for w in range(7)]
    table = selectors.Table("heatmap", _("投诉时段（星期 × 小时）"), [_("星期"), *[f"{h}" for h in range(24)]],
                            [[selectors.Cell(str(WEEKDAYS[w])), *[selectors.Cell(v) for v in heat.complaints[w]]]
                             for w in range(7)])
    staff = selectors.Table("on_duty", _("平均在岗工程师（星期 × 小时）"), [_("星期"), *[f"{h}" for h in range(24)]],
                            [[selectors.Cell(str(WEEKDAYS[w])), *[selectors.Cell(v) for v in heat.technicians[w]]]
                             for w in range(7)])
    advice = selectors.Table("staffing", _("排班建议"), [_("星期"), _("时段"), _("投诉"), _("每百单投诉"),
                                                      _("平均在岗"), _("建议增加")],
                             [[selectors.Cell(str(s["weekday"])), selectors.Cell(f"{s['hour']:02d}:00"),
                               selectors.Cell(s["complaints"]), selectors.Cell(s["rate"]),
                               selectors.Cell(s["at_work"]), selectors.Cell(s["extra"])] for s in heat.suggestions])
    return _page(admin_site, request, "heatmap", [table, staff, advice],
                 {"period": period, "grid": grid, "heat": heat, "hours": range(24)})


def parts_view(admin_site, request):
    period = _period(request)
    table = selectors.parts_consumption(user=request.user, period=period)
    chart = charts.hbar([(f"{r[0].value} {r[1].value}", r[2].value, r[2].url) for r in table.rows[:10]],
                        title=str(_("领用最多的备件")))
    return _page(admin_site, request, "parts", [table], {"period": period, "chart": chart})


def spikes_view(admin_site, request):
    from . import spikes

    table = selectors.spike_alerts()
    return _page(admin_site, request, "spikes", [table], {
        "rule": {"weeks": spikes.BASELINE_WEEKS, "p": spikes.P_THRESHOLD, "min": spikes.MIN_COUNT,
                 "floor": spikes.MIN_BASELINE},
        "alerts_url": reverse("admin:tickets_faultspikealert_changelist")})


def index_view(admin_site, request):
    if not can_view(request.user):
        raise PermissionDenied
    from django.shortcuts import redirect

    return redirect("admin:analytics_faults")
