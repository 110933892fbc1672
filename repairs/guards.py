"""The workshop's guard on ticket transitions (registered with the hub in ``RepairsConfig.ready``).

While a repair order is open, the ticket's workshop states mirror it: the ticket goes to quality
check when the repair is submitted, to ready only when the repair passes QC (after-photos, serials
of fitted parts, the checklist), back to work on rework, waits while the repair order waits. So
those transitions move only through the repair order's services, which act inside
``tickets.guards.acting("repairs", ticket_id)``; from anywhere else (API, admin buttons, tasks) they
are refused with the reason. Cancelling the ticket is refused too while the repair order is open: the
device may be opened up, parts reserved or fitted and a quote signed, so the repair order is ended
first (the customer declines the quote, or the device is found unrepairable and remedied).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tickets.guards import GuardCall

OWNER = "repairs"

#: The ticket transitions an open repair order decides.
WORKSHOP_TRANSITIONS = frozenset({"wait_customer", "wait_parts", "resume", "submit_qc", "pass_qc", "rework",
                                  "resolve", "cancel"})


def open_repair_order_guard(call: GuardCall) -> str | None:
    if call.owner == OWNER or call.transition not in WORKSHOP_TRANSITIONS or call.ticket.pk is None:
        return None
    key = f"repairs.open_order:{call.ticket.pk}"
    if key not in call.memo:
        from .models import RepairOrder

        call.memo[key] = (RepairOrder.objects.filter(ticket_id=call.ticket.pk)
                          .exclude(status__in=RepairOrder.FINAL_STATES)
                          .values_list("pk", "status").first())
    found = call.memo[key]
    if found is None:
        return None
    order_id, status = found
    from .models import RepairOrder

    if call.transition == "cancel":
        return _("工单有进行中的维修单 RO-%(id)s（%(state)s），不能直接取消：请先在维修单上结束维修"
                 "（客户拒绝报价，或判定无法维修并处理）。") % {"id": order_id, "state": RepairOrder.Status(status).label}
    return _("工单有进行中的维修单 RO-%(id)s（%(state)s），请通过维修单操作（提交质检、质检、等待备件、交机）。") % {
        "id": order_id, "state": RepairOrder.Status(status).label}


def job_parts_guard(call: GuardCall) -> str | None:
    """A job is closed only once the parts issued into the technician's van for it are accounted for
    (fitted, returned, defective back): stock never silently stays in a van."""
    if call.transition != "close" or call.ticket.pk is None:
        return None
    from .services.job_parts import unreconciled_job_parts

    if unreconciled_job_parts(call.ticket.pk):
        return _("该工单领用到车载库的备件尚未核销，请先完成备件核销。")
    return None
