"""Reads behind the customer's progress page: lookup by number + phone, the journey's steps, the
customer-visible timeline and the completion-time prediction. Only ``tickets`` models are read here;
the page composes quotes, surveys and articles from the other apps in its view (an interface may read every app; the hub's selectors may not)."""

from __future__ import annotations

import datetime as dt
import hmac
import statistics
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..events import customer_text, event_label
from ..models import Ticket, TicketEvent

#: A tracking link stops working this long after the ticket was closed or cancelled.
TRACKING_LINK_DAYS = 180
#: Fewer resolved tickets than this in a group and the prediction falls back to a wider group.
PREDICTION_MIN_SAMPLES = 5
#: Only the most recent resolved tickets of a group count: the workshop's pace changes.
PREDICTION_HISTORY = 500

TICKET_RELATED = (
    "customer", "device", "product_model", "device__product_model", "fault_category", "service_center",
    "technician",
)


def ticket_get_by_token(*, token: str) -> Ticket | None:
    """The ticket behind a tracking token, with everything the page shows in one query."""
    if not token or len(token) > 64:
        return None
    return Ticket.objects.select_related(*TICKET_RELATED).filter(tracking_token=token).first()


def ticket_id_for_token(*, token: str) -> int | None:
    """Only the id, for the WebSocket consumer (one indexed lookup, no joins)."""
    if not token or len(token) > 64:
        return None
    row = (
        Ticket.objects.filter(tracking_token=token)
        .values_list("pk", "closed_at", "cancelled_at")
        .first()
    )
    if row is None or _expired(closed_at=row[1], cancelled_at=row[2]):
        return None
    return row[0]


def _expired(*, closed_at: dt.datetime | None, cancelled_at: dt.datetime | None) -> bool:
    ended = closed_at or cancelled_at
    return ended is not None and timezone.now() - ended > dt.timedelta(days=TRACKING_LINK_DAYS)


def tracking_link_expired(*, ticket: Ticket) -> bool:
    return _expired(closed_at=ticket.closed_at, cancelled_at=ticket.cancelled_at)


def normalize_ticket_number(value: str) -> str:
    return "".join((value or "").split()).upper()[:24]


def ticket_lookup(*, number: str, phone_last4: str) -> Ticket | None:
    """The ticket whose number and customer's phone (last four digits) both match, else None.

    Whether the number exists or only the digits are wrong is deliberately indistinguishable.
    """
    number = normalize_ticket_number(number)
    digits = "".join(ch for ch in (phone_last4 or "") if ch.isdigit())
    if not number or len(digits) != 4:
        return None
    row = Ticket.objects.filter(number=number).values_list("pk", "tracking_token", "customer__phone").first()
    expected = row[2][-4:] if row else "0000"
    # compare even when the number is unknown, so both failures take the same path
    if not hmac.compare_digest(expected.encode(), digits.encode()) or row is None:
        return None
    return Ticket.objects.only("pk", "tracking_token", "closed_at", "cancelled_at").get(pk=row[0])


# ------------------------------------------------------------------------------------------------
# The journey
# ------------------------------------------------------------------------------------------------

S = Ticket.Status

STEPS: list[tuple[str, object]] = [
    ("received", gettext_lazy("已接收")),
    ("accepted", gettext_lazy("已受理")),
    ("assigned", gettext_lazy("已派工程师")),
    ("repairing", gettext_lazy("维修中")),
    ("qc", gettext_lazy("质检")),
    ("ready", gettext_lazy("待取机")),
    ("done", gettext_lazy("已完成")),
]
STEP_INDEX = {key: i for i, (key, _label) in enumerate(STEPS)}

STATUS_STEP: dict[str, str] = {
    S.NEW: "received",
    S.TRIAGED: "accepted",
    S.REOPENED: "accepted",
    S.ASSIGNED: "assigned",
    S.IN_PROGRESS: "repairing",
    S.WAITING_CUSTOMER: "repairing",
    S.WAITING_PARTS: "repairing",
    S.QUALITY_CHECK: "qc",
    S.READY: "ready",
    S.RESOLVED: "done",
    S.CLOSED: "done",
}

STATUS_NOTE: dict[str, object] = {
    S.WAITING_CUSTOMER: gettext_lazy("等待您的确认"),
    S.WAITING_PARTS: gettext_lazy("等待备件到货"),
    S.REOPENED: gettext_lazy("已重新打开"),
}


@dataclass
class Step:
    key: str
    label: str
    state: str  # done | current | todo | skipped
    at: dt.datetime | None = None
    note: str = ""


@dataclass
class TimelineItem:
    id: int
    kind: str
    label: str
    message: str
    created_at: dt.datetime


def ticket_visible_events(*, ticket: Ticket) -> list[TicketEvent]:
    """The customer-visible events, oldest first (one query); the timeline and the steps use them."""
    return list(
        TicketEvent.objects.filter(ticket_id=ticket.pk, customer_visible=True).only(
            "id", "ticket_id", "kind", "message", "created_at", "from_state", "to_state", "payload"
        )
    )


def timeline_item(event: TicketEvent) -> TimelineItem:
    label = event_label(event.kind)
    message = customer_text(event)
    if label == event.kind:  # a kind the shared vocabulary has no label for: the message says it
        label, message = message or event.kind, ""
    if message == label:
        message = ""
    return TimelineItem(id=event.pk, kind=event.kind, label=label, message=message, created_at=event.created_at)


def customer_timeline(events: list[TicketEvent]) -> list[TimelineItem]:
    """The timeline as the customer reads it, oldest first. A workshop step moves the ticket too and
    both write an event with the same words; the customer reads the step once (the workshop's)."""
    items = []
    for i, event in enumerate(events):
        following = events[i + 1] if i + 1 < len(events) else None
        mirrored = (following is not None and following.kind == "repair.status_changed"
                    and event.kind.startswith("ticket.") and event.to_state and event.message
                    and event.message == following.message)
        if not mirrored:
            items.append(timeline_item(event))
    return items


def _reached_at(events: list[TicketEvent]) -> dict[str, dt.datetime]:
    reached: dict[str, dt.datetime] = {}
    for event in events:
        step = "received" if event.kind == "ticket.created" else STATUS_STEP.get(event.to_state)
        if step:
            reached[step] = event.created_at  # the latest time counts (after rework or reopening)
    return reached


#: The last step before completion, in the words of the service mode.
READY_LABELS: dict[str, object] = {
    "on_site": gettext_lazy("待验机签收"),
    "mail_in": gettext_lazy("待寄回"),
    "remote": gettext_lazy("待确认"),
}


def status_label(ticket: Ticket) -> str:
    """The ticket's state in the customer's words: "ready" follows the service mode."""
    if ticket.status == S.READY and ticket.service_mode in READY_LABELS:
        return str(READY_LABELS[ticket.service_mode])
    return str(ticket.get_status_display())


def _step_label(ticket: Ticket, key: str, label: object) -> str:
    if key == "ready":
        return str(READY_LABELS.get(ticket.service_mode, label))
    return str(label)


def ticket_steps(*, ticket: Ticket, events: list[TicketEvent] | None = None) -> list[Step]:
    """The seven steps of the journey with where the ticket stands; ``events`` are the ticket's
    customer-visible events (read once by the page and passed in)."""
    reached = _reached_at(events or [])
    if ticket.status == S.CANCELLED:
        last = max((STEP_INDEX[k] for k in reached), default=0)
        return [
            Step(key=key, label=_step_label(ticket, key, label), state="done" if i <= last else "todo",
                 at=reached.get(key))
            for i, (key, label) in enumerate(STEPS)
        ]
    current = STEP_INDEX[STATUS_STEP.get(ticket.status, "received")]
    finished = ticket.status in (S.RESOLVED, S.CLOSED)
    steps = []
    for i, (key, label) in enumerate(STEPS):
        if i < current:
            # solved remotely: QC and pick-up never happened
            state = "skipped" if key in ("qc", "ready") and key not in reached else "done"
        elif i == current:
            state = "done" if finished else "current"
        else:
            state = "todo"
        note = str(STATUS_NOTE.get(ticket.status, "")) if i == current else ""
        at = reached.get(key) if state in ("done", "current") else None
        if key == "received" and at is None:
            at = ticket.created_at
        steps.append(Step(key=key, label=_step_label(ticket, key, label), state=state, at=at, note=note))
    return steps


# ------------------------------------------------------------------------------------------------
# Expected completion time
# ------------------------------------------------------------------------------------------------

@dataclass
class Prediction:
    basis: str  # center_category | category | global | none
    sample_size: int = 0
    median: dt.timedelta | None = None
    expected_at: dt.datetime | None = None
    overdue: bool = False
    explanation: str = ""
    samples: list[float] = field(default_factory=list, repr=False)


def humanize_duration(delta: dt.timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 1)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days and hours:
        return _("%(days)d 天 %(hours)d 小时") % {"days": days, "hours": hours}
    if days:
        return _("%(days)d 天") % {"days": days}
    if hours:
        return _("%(hours)d 小时") % {"hours": hours}
    return _("%(minutes)d 分钟") % {"minutes": minutes}


def _durations(rows) -> list[float]:
    return [(resolved - created).total_seconds() for created, resolved in rows if resolved >= created]


def promised_completion(*, ticket: Ticket) -> Prediction:
    """The one promised completion time of the page: the SLA's resolution deadline when the ticket
    runs on a service-level clock (the same date staff are held to), else the historical estimate."""
    from ..models import SlaClock

    clock = (SlaClock.objects.filter(ticket_id=ticket.pk).only("due_resolution_at", "state").first()
             if ticket.pk else None)
    if clock is not None and clock.due_resolution_at is not None:
        due = clock.due_resolution_at
        paused = clock.state == "paused"
        text = _("按服务承诺（SLA）的解决时限计算。")
        if paused:
            text = _("等待您确认或等待备件期间暂停计时，恢复后顺延。")
        return Prediction(basis="sla", expected_at=due, overdue=ticket.is_open and not paused and due < timezone.now(),
                          explanation=text)
    return completion_prediction(ticket=ticket)


def completion_prediction(*, ticket: Ticket) -> Prediction:
    """Predict when the ticket will be resolved: its creation time plus the median created→resolved
    time of recently resolved similar tickets — same service center and fault category when there
    are at least ``PREDICTION_MIN_SAMPLES`` of them, else the same category anywhere, else all
    tickets. At most two queries, whatever the history's size."""
    resolved = Ticket.objects.filter(resolved_at__isnull=False).exclude(pk=ticket.pk).order_by("-resolved_at")
    basis, samples = "none", []
    if ticket.fault_category_id:
        rows = list(
            resolved.filter(fault_category_id=ticket.fault_category_id)
            .values_list("service_center_id", "created_at", "resolved_at")[:PREDICTION_HISTORY]
        )
        if ticket.service_center_id:
            local = _durations((c, r) for center, c, r in rows if center == ticket.service_center_id)
            if len(local) >= PREDICTION_MIN_SAMPLES:
                basis, samples = "center_category", local
        if basis == "none":
            same = _durations((c, r) for _center, c, r in rows)
            if len(same) >= PREDICTION_MIN_SAMPLES:
                basis, samples = "category", same
    if basis == "none":
        rows = list(resolved.values_list("created_at", "resolved_at")[:PREDICTION_HISTORY])
        everything = _durations(rows)
        if everything:
            basis, samples = "global", everything
    if basis == "none":
        return Prediction(basis="none", explanation=_("暂无足够的历史数据，工程师检测后会告知预计完成时间。"))
    median = dt.timedelta(seconds=statistics.median(samples))
    expected_at = ticket.created_at + median
    params = {
        "n": len(samples), "duration": humanize_duration(median),
        "center": ticket.service_center.name if ticket.service_center_id else "",
        "category": ticket.fault_category.name if ticket.fault_category_id else "",
    }
    if basis == "center_category":
        text = _("依据%(center)s近期 %(n)d 张“%(category)s”工单从报修到完成的中位时长（约 %(duration)s）估算。")
    elif basis == "category":
        text = _("依据各网点近期 %(n)d 张“%(category)s”工单从报修到完成的中位时长（约 %(duration)s）估算。")
    else:
        text = _("依据近期 %(n)d 张已完成工单从报修到完成的中位时长（约 %(duration)s）估算，确定故障分类后会更准确。")
    return Prediction(
        basis=basis, sample_size=len(samples), median=median, expected_at=expected_at,
        overdue=ticket.is_open and expected_at < timezone.now(), explanation=text % params, samples=samples,
    )
