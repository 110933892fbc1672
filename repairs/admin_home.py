"""Home panels of the field force and the workshop: technicians' load for dispatch, the QC queue with
its evidence inline."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.admin_home import ROWS, Panel, capped_count, change_link, changelist, panel
from tickets.files import attachment_staff_url
from tickets.geo import distance_km
from tickets.models import Attachment
from tickets.roles import DISPATCHER, MANAGER, QC

from .dispatch.selectors import open_load_subquery
from .models import FittedPart, RepairOrder, Technician
from .skills import skills_text


def load_badge(load: int, capacity: int) -> str:
    """Open jobs against capacity, coloured as the dispatcher reads it: full, three quarters, room."""
    css = "bo-bad" if load >= capacity else "bo-warn" if load >= capacity * 0.75 else "bo-ok"
    return format_html('<span class="{}">{} / {}</span>', css, load, capacity)


@panel(DISPATCHER, MANAGER)
def technician_load(request) -> Panel | None:
    """On-duty technicians, busiest first: their active assignments against capacity (the load the
    dispatch scores and caps by), and where and when last seen. The load is a per-technician count on
    the assignment index, never a join over every ticket they ever had; the count of technicians is
    taken without it."""
    if not policy.can(request.user, "repairs.view_technician"):
        return None
    on_duty = policy.scope_queryset(request.user, Technician.objects.filter(on_duty=True))
    qs = on_duty.annotate(load=open_load_subquery())
    rows = []
    now = timezone.now()
    for t in qs.select_related("center").order_by("-load", "name")[:ROWS]:
        seen = "—"
        if t.last_seen_at:
            minutes = int((now - t.last_seen_at).total_seconds() // 60)
            seen = gettext("%(m)s 分钟前") % {"m": minutes} if minutes < 120 else \
                timezone.localtime(t.last_seen_at).strftime("%m-%d %H:%M")
            # where, in the dispatcher's terms: how far out from the centre the last fix put them
            km = distance_km(t.last_latitude, t.last_longitude, t.center.latitude, t.center.longitude)
            if km is not None:
                seen = gettext("%(when)s · 距网点 %(km).1f km") % {"when": seen, "km": km}
        rows.append([change_link(t, t.name), str(t.center), load_badge(t.load, t.capacity),
                     skills_text(t.skills, limit=4) or "—", seen])
    return Panel(title=_("在岗工程师负载与位置"), url=changelist("repairs.technician", on_duty__exact=1),
                 count=capped_count(on_duty), headers=[_("工程师"), _("网点"), _("在办/上限"), _("技能"), _("最近定位")],
                 rows=rows, empty=_("没有在岗工程师"), wide=True)


@panel(QC, MANAGER)
def qc_queue(request) -> Panel | None:
    """Orders waiting for inspection, oldest first, with the after-photos and fitted serials to check."""
    if not policy.can(request.user, "repairs.view_repairorder"):
        return None
    qs = policy.scope_queryset(request.user, RepairOrder.objects.filter(status=RepairOrder.Status.QC))
    orders = (qs.select_related("ticket", "technician").order_by("updated_at")
              .prefetch_related(Prefetch("ticket__attachments", to_attr="after_photos",
                                         queryset=Attachment.objects.filter(purpose=Attachment.Purpose.AFTER)),
                                Prefetch("fitted_parts", to_attr="fitted",
                                         queryset=FittedPart.objects.select_related("part")))[:ROWS])
    rows = []
    for o in orders:
        photos = format_html_join("", '<img src="{}" alt="">', ((attachment_staff_url(a),) for a in o.after_photos[:3]))
        serials = "、".join(f.serial for f in o.fitted if f.serial) or "—"
        rows.append([change_link(o.ticket, o.ticket.number), str(o.technician or "—"),
                     format_html('<span class="bo-thumbs">{}</span>', photos or "—"), serials,
                     (o.work_done or "")[:30] or "—",
                     format_html('<a class="button" href="{}">{}</a>',
                                 reverse("admin:repairs_repairorder_workflow", args=[o.pk, "qc"]), gettext("质检"))])
    return Panel(title=_("质检队列（附维修后照片与更换件序列号）"), url=changelist("repairs.qcqueueorder"),
                 count=capped_count(qs), headers=[_("工单"), _("工程师"), _("维修后照片"), _("更换件序列号"),
                                                  _("处理情况"), ""], rows=rows, wide=True)
