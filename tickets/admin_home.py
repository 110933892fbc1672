"""The back office home page: what each role must act on now.

Each app's ``admin_home`` module registers panels for the roles that work its rows (``@panel(AGENT)``);
the admin site's index shows the panels of the role the person picked (a tab per role they hold). A panel
reads a few rows and a capped count through ``policy.scope_queryset``, so a page costs a fixed number of
queries whatever the table sizes, and every panel links to the changelist behind it, filtered the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import policy
from .roles import AGENT, DISPATCHER, MANAGER, OPS, PRODUCT_QUALITY, QC, WAREHOUSE

# the order of the tabs; a technician works in the app, not here
HOME_ROLES = [AGENT, DISPATCHER, MANAGER, QC, WAREHOUSE, OPS, PRODUCT_QUALITY]
ROWS = 8
COUNT_CAP = 200


@dataclass
class Panel:
    title: Any
    url: str = ""
    count: int | None = None
    headers: list[Any] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    kpis: list[tuple[Any, Any, str]] = field(default_factory=list)  # (label, value, drill-down url)
    links: list[tuple[Any, str]] = field(default_factory=list)
    empty: Any = _("暂无待办")
    wide: bool = False

    def __post_init__(self) -> None:
        # Half the page at 1366 px leaves a table of more than four columns a few characters per
        # title, fault and centre name: such a table takes the whole width.
        if len(self.headers) > 4:
            self.wide = True

    @property
    def count_label(self) -> str:
        if self.count is None:
            return ""
        return f"{COUNT_CAP - 1}+" if self.count >= COUNT_CAP else str(self.count)


PanelFn = Callable[[Any], "Panel | None"]
PANELS: dict[str, list[PanelFn]] = {role: [] for role in HOME_ROLES}


def panel(*roles: str) -> Callable[[PanelFn], PanelFn]:
    """Register a panel function ``fn(request) -> Panel | None`` (None: the person may not see it)."""

    def wrap(fn: PanelFn) -> PanelFn:
        for role in roles:
            if fn not in PANELS[role]:
                PANELS[role].append(fn)
        return fn

    return wrap


def capped_count(qs: QuerySet) -> int:
    """How many rows, counted no further than the cap: a queue shows "199+" rather than scanning 1M rows."""
    return qs.order_by()[:COUNT_CAP].count()


def changelist(model_label: str, **params: Any) -> str:
    app, model = model_label.split(".")
    url = reverse(f"admin:{app}_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def change_link(obj: Any, text: Any = None) -> str:
    opts = obj._meta
    return format_html('<a href="{}">{}</a>', reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                                      args=[obj.pk]), text if text is not None else str(obj))


def roles_of(user: Any) -> list[str]:
    if user.is_superuser:
        return list(HOME_ROLES)
    held = set(user.groups.values_list("name", flat=True))
    return [r for r in HOME_ROLES if r in held]


def home_context(request) -> dict[str, Any]:
    roles = roles_of(request.user)
    role = request.GET.get("role")
    if role not in roles:
        role = roles[0] if roles else None
    panels = [p for p in (fn(request) for fn in PANELS.get(role, [])) if p is not None] if role else []
    return {"home_roles": roles, "home_role": role, "home_panels": panels, "title": gettext("工作台")}


# --- ticket rows -------------------------------------------------------------------------------------

def sla_cell(ticket: Any, due_field: str = "due_resolution_at") -> str:
    due = getattr(ticket, due_field)
    if due is None:
        return "—"
    if ticket.status in ticket.PAUSED_STATES:
        return format_html('<span class="bo-muted">{}</span>', gettext("已暂停"))
    hours = (due - timezone.now()).total_seconds() / 3600
    css = "bo-bad" if hours < 0 else "bo-warn" if hours < 4 else "bo-ok"
    text = gettext("超时 %(h).1f 小时") % {"h": -hours} if hours < 0 else gettext("%(h).1f 小时") % {"h": hours}
    return format_html('<span class="{}">{}</span>', css, text)


def status_cell(ticket: Any) -> str:
    return format_html('<span class="bo-badge bo-s-{}">{}</span>', ticket.status, ticket.get_status_display())


def ticket_rows(qs: QuerySet, *, due_field: str = "due_resolution_at",
                action: Callable[[Any], str] | None = None) -> list[list[Any]]:
    rows = qs.select_related("customer", "product_model", "fault_category", "service_center")[:ROWS]
    return [[change_link(t, t.number), status_cell(t), t.title or (t.description or "")[:24],
             str(t.fault_category or "—"), str(t.service_center or "—"), sla_cell(t, due_field),
             *([action(t)] if action else [])] for t in rows]


TICKET_HEADERS = [_("工单号"), _("状态"), _("标题"), _("故障"), _("网点"), _("SLA")]


def _tickets(request) -> QuerySet | None:
    from .models import Ticket

    if not policy.can(request.user, "tickets.view_ticket"):
        return None
    return policy.scope_queryset(request.user, Ticket.objects.all())


def _ticket_panel(request, title: Any, *, order: str, params: dict[str, Any], due_field: str = "due_resolution_at",
                  action: tuple[Any, Callable[[Any], str]] | None = None, **filters: Any) -> Panel | None:
    """A queue of tickets; ``action`` is an extra column (header, cell function) such as a button."""
    qs = _tickets(request)
    if qs is None:
        return None
    qs = qs.filter(**filters)
    return Panel(title=title, url=changelist("tickets.ticket", **params), count=capped_count(qs),
                 headers=[*TICKET_HEADERS, *([action[0]] if action else [])],
                 rows=ticket_rows(qs.order_by(order), due_field=due_field, action=action[1] if action else None))


# --- the hub's panels ---------------------------------------------------------------------------------

@panel(AGENT)
def new_tickets(request) -> Panel | None:
    return _ticket_panel(request, _("新工单（待受理）"), order="created_at", params={"status__exact": "new"},
                         due_field="due_response_at", status="new")


@panel(AGENT)
def waiting_customer(request) -> Panel | None:
    return _ticket_panel(request, _("等待客户回复"), order="updated_at",
                         params={"status__exact": "waiting_customer"}, status="waiting_customer")


@panel(DISPATCHER)
def dispatch_queue(request) -> Panel | None:
    from .models import Ticket

    states = [Ticket.Status.TRIAGED, Ticket.Status.REOPENED]
    action = None
    if policy.can(request.user, policy.DISPATCH):
        action = ("", lambda t: format_html('<a class="button" href="{}">{}</a>', reverse(
            "admin:tickets_dispatchqueueticket_pick", args=[t.pk]), gettext("派工")))
    return _ticket_panel(request, _("待派工（按响应时限排序）"), order=F("due_response_at").asc(nulls_last=True),
                         params={"status__in": ",".join(states)}, due_field="due_response_at",
                         action=action, status__in=states)


@panel(MANAGER)
def manager_kpis(request) -> Panel | None:
    """Today's and this week's figures: intake live (indexed by creation), the rest from the daily rollup."""
    from .analytics.selectors import kpis

    qs = _tickets(request)
    if qs is None:
        return None
    figures = kpis(user=request.user, tickets=qs)
    return Panel(title=_("今日与本周"), kpis=figures, wide=True)


@panel(MANAGER, DISPATCHER)
def sla_at_risk(request) -> Panel | None:
    from .models import Ticket

    now = timezone.now()
    return _ticket_panel(request, _("SLA 风险（已超时或 4 小时内到期）"), order="due_resolution_at",
                         params={"sla": "breached"}, status__in=Ticket.OPEN_STATES,
                         due_resolution_at__lt=now + timedelta(hours=4))


def _data_quality(request) -> Iterable[tuple[Any, int, str]]:
    from .models import Customer, Device, Ticket

    checks = [
        (_("未填购买日期的设备"), "tickets.device", Device, {"purchase_date__isnull": True},
         {"purchase_date__isnull": "True"}),
        (_("地址未解析到区县的客户"), "tickets.customer", Customer, {"district_code": ""},
         {"district_code__exact": ""}),
        (_("未分类的在办工单"), "tickets.ticket", Ticket,
         {"fault_category__isnull": True, "status__in": Ticket.OPEN_STATES},
         {"fault_category__isnull": "True", "status__in": ",".join(Ticket.OPEN_STATES)}),
        (_("未关联设备的工单"), "tickets.ticket", Ticket, {"device__isnull": True},
         {"device__isnull": "True"}),
    ]
    for label, model_label, model, filters, params in checks:
        if not policy.can(request.user, f"{model_label.split('.')[0]}.view_{model._meta.model_name}"):
            continue
        qs = policy.scope_queryset(request.user, model.objects.filter(**filters))
        yield label, capped_count(qs), changelist(model_label, **params)


@panel(OPS)
def data_quality(request) -> Panel | None:
    rows = [[format_html('<a href="{}">{}</a>', url, label), count if count < COUNT_CAP else f"{COUNT_CAP - 1}+"]
            for label, count, url in _data_quality(request)]
    return Panel(title=_("数据质量"), headers=[_("检查项"), _("条数")], rows=rows, empty=_("没有发现问题"))


@panel(OPS)
def imports(request) -> Panel | None:
    """The bulk loads this person may run: exactly the models whose import the policy allows them."""
    from django.contrib import admin as django_admin

    from .importing.admin import DataAdminMixin

    links = []
    for model, model_admin in django_admin.site._registry.items():
        if not isinstance(model_admin, DataAdminMixin) or model_admin.importer_class is None:
            continue
        if not model_admin.has_import_permission(request):
            continue
        opts = model._meta
        links.append((opts.verbose_name_plural, reverse(f"admin:{opts.app_label}_{opts.model_name}_import")))
    links.sort(key=lambda item: str(item[0]))
    return Panel(title=_("批量导入"), links=links, empty=_("您没有可导入的数据"))


@panel(OPS)
def recent_jobs(request) -> Panel | None:
    """The person's latest imports and exports: a file still waiting for its confirmation, or one whose
    rows were refused, is work left half done; the rows refused are counted from the job's report."""
    from django.contrib import admin as django_admin

    from .models import DataJob

    qs = policy.scope_queryset(request.user, DataJob.objects.all())
    job_admin = django_admin.site._registry[DataJob]
    rows = []
    for job in qs.order_by("-created_at")[:ROWS]:
        report = job.report or {}
        refused = (report.get("check") or {}).get("failed", report.get("failed", 0)) or 0
        rows.append([timezone.localtime(job.created_at).strftime("%m-%d %H:%M"), job.get_kind_display(),
                     job_admin.target_label(job), job.original_name or "—", job.get_status_display(),
                     f"{job.processed}/{job.total}", refused or "—", job_admin.job_link(job)])
    return Panel(title=_("最近导入导出"), url=changelist("tickets.datajob"), count=capped_count(qs),
                 headers=[_("时间"), _("类型"), _("数据"), _("文件"), _("状态"), _("已处理/总行数"), _("错误行"), ""],
                 rows=rows, empty=_("还没有导入或导出"), wide=True)


@panel(PRODUCT_QUALITY, OPS, MANAGER)
def reports(request) -> Panel | None:
    from .analytics.views import PAGES, can_view

    if not can_view(request.user):
        return None
    return Panel(title=_("报表分析"), links=[(label, reverse(f"admin:analytics_{key}")) for key, label in PAGES])


@panel(PRODUCT_QUALITY)
def spike_alerts(request) -> Panel | None:
    """Open fault-spike alerts: the admin notice that a model's fault reports rose beyond chance."""
    from .analytics.models import FaultSpikeAlert

    if not policy.can(request.user, "tickets.view_faultspikealert"):
        return None
    qs = FaultSpikeAlert.objects.filter(status=FaultSpikeAlert.Status.OPEN)
    rows = [[change_link(a, a.week_start.isoformat()), str(a.product_model), str(a.fault_category), a.count,
             a.baseline, f"{a.p_value:.2g}",
             format_html('<a href="{}">{}</a>', changelist("tickets.ticket", id__in=",".join(map(str, a.ticket_ids))),
                         gettext("证据工单"))]
            for a in qs.select_related("product_model", "fault_category").order_by("-week_start", "-count")[:ROWS]]
    return Panel(title=_("故障突增预警（待核查）"), url=changelist("tickets.faultspikealert", status__exact="open"),
                 count=capped_count(qs), headers=[_("周"), _("型号"), _("故障"), _("本周"), _("基线"), _("P 值"), ""],
                 rows=rows, empty=_("没有待核查的突增"), wide=True)
