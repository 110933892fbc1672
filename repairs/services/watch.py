"""The 30/60/90-day watcher: warn the center managers before a repair's exchange trigger fires."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.outbox.services import outbox_notify_staff
from tickets.services import ticket_event_add

from ..models import RepairOrder
from ..warranty import delay_triggers
from .warranty import claim_for, device_rules

logger = logging.getLogger(__name__)
WARN_DAYS = getattr(settings, "REPAIRS_DELAY_WARN_DAYS", 5)
TRIGGER_LABELS = {"repairer_delay": gettext_lazy("修理者超期（%(days)s 日）换机"),
                  "parts_delay": gettext_lazy("缺件超期（%(days)s 日）换机")}


def repair_delay_watch(*, today: dt.date | None = None) -> int:
    """Check every active repair order; for each trigger firing within ``WARN_DAYS`` (or already fired)
    and not yet raised, write an internal ticket event and notify the center's managers through the
    outbox (``outbox_notify_staff``, e-mail/SMS, delivered after commit).

    Idempotent per (repair order, trigger, firing date): ``RepairOrder.delay_alerts`` remembers what
    was raised. Returns the number of alerts raised. Runs from a django-q2 schedule.
    """
    today = today or timezone.localdate()
    raised = 0
    active = (RepairOrder.objects.exclude(status__in=[*RepairOrder.FINAL_STATES, RepairOrder.Status.UNREPAIRABLE])
              .select_related("ticket", "ticket__device", "ticket__device__product_model", "ticket__product_model",
                              "center").prefetch_related("center__managers"))
    for order in active.iterator(chunk_size=200):
        ticket = order.ticket
        model = ticket.device.product_model if ticket.device_id else ticket.product_model
        if model is None:
            continue
        rules = device_rules(device=ticket.device, category=model.category)
        # claim_for counts the waits still running (parts, customer) up to now
        claim = claim_for(ticket=ticket, repair_order=order, rules=rules, claim_date=today)
        for trigger in delay_triggers(claim, rules):
            key = f"{trigger.kind}:{trigger.fires_on.isoformat()}"
            if key in order.delay_alerts or (trigger.fires_on - today).days > WARN_DAYS:
                continue
            raised += _raise(order, trigger, key, today)
    return raised


@transaction.atomic
def _raise(order: RepairOrder, trigger, key: str, today: dt.date) -> int:
    locked = RepairOrder.objects.select_for_update().get(pk=order.pk)
    if key in locked.delay_alerts:
        return 0
    RepairOrder.objects.filter(pk=order.pk).update(delay_alerts=[*locked.delay_alerts, key])
    label = str(TRIGGER_LABELS[trigger.kind]) % {"days": trigger.limit_days}
    days_left = (trigger.fires_on - today).days
    message = (_("预警：%(label)s 将于 %(date)s 触发（剩 %(left)s 天），请尽快完成维修或安排换机。")
               if days_left > 0 else _("已触发：%(label)s（%(date)s），应按三包规定免费换机。")) % {
        "label": label, "date": trigger.fires_on, "left": days_left}
    ticket_event_add(ticket=order.ticket, kind="repair.delay_warning", message=message,
                     payload={"repair_order": order.pk, "trigger": trigger.kind,
                              "fires_on": trigger.fires_on.isoformat(), "clause": trigger.clause})
    managers = list(order.center.managers.all()) if order.center_id else []
    if managers:
        # rows are written in this transaction; the outbox delivers them after commit
        outbox_notify_staff(event="repair.delay_warning", users=managers, ticket=order.ticket,
                            context={"message": message, "label": label, "repair_order_id": order.pk,
                                     "clause": trigger.clause},
                            idempotency_key=f"repair-delay:{order.pk}:{key}")
    logger.info("repair %s: %s", order.pk, message)
    return 1
