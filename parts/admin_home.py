"""Home panels of spare parts: shortages for the warehouse and the centre managers, transfers on their way
and reservations holding stock."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_home import ROWS, Panel, capped_count, change_link, changelist, panel
from tickets.roles import MANAGER, WAREHOUSE

from .models import LowStockAlert, Reservation, Transfer


def _scoped(request, perm: str, qs):
    return policy.scope_queryset(request.user, qs) if policy.can(request.user, perm) else None


@panel(WAREHOUSE, MANAGER)
def shortages(request) -> Panel | None:
    qs = _scoped(request, "parts.view_lowstockalert", LowStockAlert.objects.filter(acknowledged_at__isnull=True))
    if qs is None:
        return None
    rows = [[change_link(a, a.part.sku), a.part.name, str(a.location), a.available, a.reorder_point,
             a.suggested_order_qty]
            for a in qs.select_related("part", "location").order_by("available", "-day")[:ROWS]]
    return Panel(title=_("缺货预警（未确认）"), url=changelist("parts.lowstockalert"), count=capped_count(qs),
                 headers=[_("编码"), _("备件"), _("库位"), _("可用"), _("补货点"), _("建议补货")], rows=rows,
                 empty=_("没有缺货"))


@panel(WAREHOUSE)
def transfers(request) -> Panel | None:
    states = [Transfer.Status.REQUESTED, Transfer.Status.APPROVED, Transfer.Status.SHIPPED]
    qs = _scoped(request, "parts.view_transfer", Transfer.objects.filter(status__in=states))
    if qs is None:
        return None
    rows = [[change_link(t, f"#{t.pk}"), t.get_status_display(), t.part.sku, t.quantity, str(t.source),
             str(t.destination)]
            for t in qs.select_related("part", "source", "destination").order_by("created_at")[:ROWS]]
    return Panel(title=_("在途与待处理调拨"), url=changelist("parts.transfer", status__in=",".join(states)),
                 count=capped_count(qs), headers=[_("调拨单"), _("状态"), _("备件"), _("数量"), _("调出"), _("调入")],
                 rows=rows)


@panel(WAREHOUSE)
def reservations(request) -> Panel | None:
    qs = _scoped(request, "parts.view_reservation", Reservation.objects.filter(status=Reservation.Status.ACTIVE))
    if qs is None:
        return None
    now = timezone.now()
    rows = [[change_link(r, f"R{r.pk}"), r.part.sku, r.quantity, str(r.location),
             r.ticket.number if r.ticket_id else "—",
             timezone.localtime(r.expires_at).strftime("%m-%d %H:%M") + (" ⚠" if r.expires_at < now else "")]
            for r in qs.select_related("part", "location", "ticket").order_by("expires_at")[:ROWS]]
    return Panel(title=_("生效中的备件预留（按到期排序）"), url=changelist("parts.reservation", status__exact="active"),
                 count=capped_count(qs), headers=[_("预留"), _("备件"), _("数量"), _("库位"), _("工单"), _("到期")],
                 rows=rows)
