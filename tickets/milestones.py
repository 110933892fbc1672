"""What the customer is told, and when: the customer milestones, defined once.

The customer hears about milestones, not about every timeline event. Each milestone is sent at most
once per ticket and channel (a unique constraint on the outbox row backs it, so retries, sweeps and
restarted workers cannot repeat it), and never after a later milestone went out, so "已到达" can never
follow "已出发" out of order or a stale step arrive after the ticket moved on.

An SMS fits one 70-character segment: each milestone offers texts from the richest to the leanest
and the first that fits is sent. The link is a short link at the end, after a space, so a phone's
link detector never takes the following characters along.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from .models import ServiceMode, Ticket, TicketEvent

#: One SMS segment in UCS-2 (any Chinese character); pure-ASCII texts get the GSM-7 segment.
SMS_LIMIT_UNICODE = 70
SMS_LIMIT_ASCII = 160


class Milestone(models.TextChoices):
    RECEIVED = "received", gettext_lazy("已受理")
    ASSIGNED = "assigned", gettext_lazy("已安排工程师")
    REMINDER = "reminder", gettext_lazy("上门提醒")
    ON_THE_WAY = "on_the_way", gettext_lazy("工程师已出发")
    DIAGNOSED = "diagnosed", gettext_lazy("检测与三包判定")
    QUOTE = "quote", gettext_lazy("报价待确认")
    REPAIRED = "repaired", gettext_lazy("维修完成")
    RETURNED = "returned", gettext_lazy("可取机或已寄回")
    SURVEY = "survey", gettext_lazy("邀请评价")
    CANCELLED = "cancelled", gettext_lazy("工单已取消")
    MERGED = "merged", gettext_lazy("重复报修已合并")
    APPOINTMENT = "appointment", gettext_lazy("预约已变更")


#: Told whenever they happen, outside the journey's order (still once per ticket and channel).
#: A changed appointment is confirmed whenever the customer or staff move it.
UNORDERED = frozenset({Milestone.CANCELLED, Milestone.MERGED, Milestone.APPOINTMENT})


ORDER = {m: i for i, m in enumerate(Milestone.values)}


def _repair_step(to_state: str) -> Callable[[TicketEvent], bool]:
    return lambda event: event.to_state == to_state


# event kind -> (milestone, condition on the event). Several kinds may reach one milestone; the
# first one wins and the others find it sent (e.g. ready, or resolved when solved remotely).
_SOURCES: dict[str, list[tuple[str, Callable[[TicketEvent], bool] | None]]] = {
    "ticket.created": [(Milestone.RECEIVED, None)],
    "ticket.assigned": [(Milestone.ASSIGNED, None)],
    # The first booking is told by the "assigned" message (it carries the window); only a booking
    # made or moved after that message gets its own confirmation.
    "appointment.booked": [(Milestone.APPOINTMENT, lambda event: bool((event.payload or {}).get("confirm")))],
    "appointment.cancelled": [(Milestone.APPOINTMENT, None)],
    "appointment.reminder": [(Milestone.REMINDER, None)],
    "visit.departed": [(Milestone.ON_THE_WAY, None)],
    "repair.status_changed": [(Milestone.DIAGNOSED, _repair_step("quoting")),
                              (Milestone.QUOTE, _repair_step("awaiting_approval"))],
    "ticket.quality_check": [(Milestone.REPAIRED, None)],
    "ticket.ready": [(Milestone.RETURNED, None)],
    "ticket.resolved": [(Milestone.RETURNED, None)],
    "survey.sent": [(Milestone.SURVEY, None)],
    "ticket.cancelled": [(Milestone.CANCELLED, None)],
    "ticket.duplicate_report": [(Milestone.MERGED, None)],
}
SOURCE_KINDS = frozenset(_SOURCES)


def occurrence_code(milestone: str, event: TicketEvent) -> str:
    """The outbox code of this occurrence of ``milestone``: the milestone itself the first time, and
    ``<milestone>.<key>`` for an occurrence a customer must hear again, each key still told once:
    a later quote version that needs approval (``quote.v2``), a change of engineer
    (``assigned.t<technician id>``; the caller keeps the first assignment on the plain milestone)."""
    payload = event.payload or {}
    if milestone == Milestone.QUOTE:
        version = int(payload.get("version") or 1)
        return milestone if version <= 1 else f"{milestone}.v{version}"
    if milestone == Milestone.ASSIGNED and payload.get("technician_id"):
        return f"{milestone}.t{payload['technician_id']}"
    return milestone


def base_of(code: str) -> str:
    return code.partition(".")[0]


def milestone_of(event: TicketEvent) -> str | None:
    """The milestone an event reaches, or None (most events are not milestones)."""
    for milestone, condition in _SOURCES.get(event.kind, []):
        if condition is None or condition(event):
            return milestone
    return None


def may_send(milestone: str, sent: set[str]) -> bool:
    """Once per milestone (or repeated occurrence), and never behind a later one; a cancellation and a
    repeated occurrence (a new quote version, a new engineer) get through whenever they happen."""
    if milestone in sent:
        return False
    if milestone in UNORDERED or milestone != base_of(milestone):
        return True
    return not any(ORDER[base_of(s)] > ORDER[milestone] for s in sent
                   if base_of(s) not in UNORDERED and s == base_of(s))


@dataclass(frozen=True)
class Text:
    subject: str
    variants: list[str]  # richest first; each ends with " {link}"
    link_path: str  # where the short link leads (the tracking page, or the survey)

    def full(self, link: str) -> str:
        return _with_link(self.variants[0], link)

    def sms(self, link: str) -> str:
        """The first variant that fits one segment (the leanest one otherwise, never cut mid-link)."""
        for variant in self.variants:
            text = _with_link(variant, link)
            if sms_fits(text):
                return text
        return _with_link(self.variants[-1], link)


def _with_link(variant: str, link: str) -> str:
    """Put the link in place of the trailing "{link}". Not str.format: the variant already holds
    words typed by staff or customers (a cancel note, names, labels), and a brace in them must be
    sent as typed, not read as a placeholder."""
    head, found, tail = variant.rpartition("{link}")
    return head + link + tail if found else variant


def sms_fits(text: str) -> bool:
    return len(text) <= (SMS_LIMIT_ASCII if text.isascii() else SMS_LIMIT_UNICODE)


def _sign() -> str:
    return _("【售后服务】")


def _verdict(payload: dict) -> str:
    if payload.get("in_warranty") is True:
        return _("三包免费维修")
    if payload.get("in_warranty") is False:
        return _("需付费维修")
    return ""


def _returned(ticket: Ticket, event: TicketEvent) -> list[str]:
    s = _sign()
    center = ticket.service_center.name if ticket.service_center_id else ""
    if event.kind == "ticket.resolved" and not event.from_state == Ticket.Status.READY:
        return [s + _("您的问题已处理完成，详情 {link}")]
    if ticket.service_mode == ServiceMode.WALK_IN:
        lines = [s + _("设备已修好，请到服务中心取机 {link}")]
        if center:
            lines.insert(0, s + _("设备已修好，请到%(center)s取机 {link}") % {"center": center})
        return lines
    if ticket.service_mode == ServiceMode.MAIL_IN:
        return [s + _("设备已修好并通过质检，将尽快寄回，详情 {link}"), s + _("设备已修好，将寄回给您 {link}")]
    return [s + _("维修已完成并通过质检，详情 {link}"), s + _("维修已完成，详情 {link}")]


_APPOINTMENT_CANCELLED = "appointment.cancelled"
_QUOTE_FREE = "quote.free"

# The words of each milestone, richest first, with the values each wording needs: the first whose
# values are all known and that fits one SMS segment is sent (the last needs nothing).
_WORDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    Milestone.RECEIVED: [(gettext_noop("报修已受理，单号%(number)s，进度 {link}"), ("number",)),
                         (gettext_noop("您的报修已受理，查看进度 {link}"), ())],
    Milestone.ASSIGNED: [(gettext_noop("已安排工程师%(tech)s，预约%(at)s，详情 {link}"), ("tech", "at")),
                         (gettext_noop("已安排工程师%(tech)s为您服务，详情 {link}"), ("tech",)),
                         (gettext_noop("已为您安排工程师，详情 {link}"), ())],
    Milestone.REMINDER: [(gettext_noop("提醒：明天%(hours)s工程师%(tech)s上门，改约 {link}"), ("hours", "tech")),
                         (gettext_noop("提醒：明天%(hours)s工程师上门，详情 {link}"), ("hours",)),
                         (gettext_noop("提醒：工程师明天上门，详情 {link}"), ())],
    Milestone.APPOINTMENT: [(gettext_noop("上门时间已约在%(window)s，改约 {link}"), ("window",)),
                            (gettext_noop("上门时间已更新，详情 {link}"), ())],
    # A cancelled visit invites the customer to book again rather than confirming a time.
    _APPOINTMENT_CANCELLED: [(gettext_noop("上门预约已取消，可重新预约 {link}"), ())],
    Milestone.ON_THE_WAY: [(gettext_noop("工程师%(tech)s已出发，预计%(eta)s到达 {link}"), ("tech", "eta")),
                           (gettext_noop("工程师%(tech)s已出发上门，详情 {link}"), ("tech",)),
                           (gettext_noop("工程师已出发上门，详情 {link}"), ())],
    Milestone.DIAGNOSED: [(gettext_noop("检测完成：%(fault)s，%(verdict)s，详情 {link}"), ("fault", "verdict")),
                          (gettext_noop("检测完成，%(verdict)s，详情 {link}"), ("verdict",)),
                          (gettext_noop("检测完成，三包判定详情 {link}"), ())],
    Milestone.QUOTE: [(gettext_noop("维修报价¥%(total)s，请确认 {link}"), ("total",)),
                      (gettext_noop("维修报价待您确认，请点 {link}"), ())],
    # Nothing to pay under 三包: the customer confirms the repair itself, not a price of ¥0.00.
    _QUOTE_FREE: [(gettext_noop("三包免费维修，请确认维修方案 {link}"), ())],
    Milestone.REPAIRED: [(gettext_noop("设备已修好，正在质检，详情 {link}"), ())],
    Milestone.SURVEY: [(gettext_noop("服务已完成，请评价（%(days)s天内有效） {link}"), ("days",)),
                       (gettext_noop("服务已完成，请评价 {link}"), ())],
    Milestone.MERGED: [(gettext_noop("您的报修已合并到处理中的工单，无需重复提交 {link}"), ())],
    Milestone.CANCELLED: [(gettext_noop("工单已取消：%(note)s，详情 {link}"), ("note",)),
                          (gettext_noop("您的工单已取消，详情 {link}"), ())],
}


def _is_free(total: object) -> bool:
    try:
        return total not in ("", None) and Decimal(str(total)) == 0
    except InvalidOperation:
        return False


def _repeated(milestone: str, *, tech: str, payload: dict) -> list[str]:
    """A milestone told again: the engineer changed, or a new quote version needs approval."""
    s = _sign()
    if milestone == Milestone.ASSIGNED:
        variants = [s + _("已改派工程师%(tech)s为您服务，详情 {link}") % {"tech": tech}] if tech else []
        return [*variants, s + _("已为您更换工程师，详情 {link}")]
    total = payload.get("total", "")
    if _is_free(total):
        return [s + _("维修方案已更新（三包免费），请重新确认 {link}")]
    variants = [s + _("报价已更新为¥%(total)s，请重新确认 {link}") % {"total": total}] if total else []
    return [*variants, s + _("报价已更新，请重新确认 {link}")]


def text_for(milestone: str, *, ticket: Ticket, event: TicketEvent) -> Text:
    """The words of one milestone (or of a repeated occurrence, see ``occurrence_code``) for this
    ticket, in the active language."""
    code, milestone = milestone, base_of(milestone)
    s, payload = _sign(), event.payload or {}
    number = ticket.number
    tech = ticket.technician.name if ticket.technician_id else ""
    tracking = ticket.get_tracking_url()
    subject = _("工单 %(number)s：%(step)s") % {"number": number, "step": Milestone(milestone).label}
    if code != milestone:
        return Text(subject=subject, variants=_repeated(milestone, tech=tech, payload=payload), link_path=tracking)
    if milestone == Milestone.RETURNED:
        variants = _returned(ticket, event)
    else:
        if milestone == Milestone.SURVEY:
            tracking = payload.get("survey_path") or tracking
        values = {"number": number, "tech": tech, "at": payload.get("appointment", ""),
                  "eta": payload.get("eta", ""), "fault": payload.get("fault_label", ""),
                  "verdict": _verdict(payload), "total": payload.get("total", ""), "days": payload.get("days"),
                  # cancelled: only words meant for the customer, never the internal reason
                  "note": (payload.get("customer_message") or "").strip(),
                  "window": payload.get("window", ""), "hours": payload.get("hours", "")}
        key = milestone
        if milestone == Milestone.APPOINTMENT and event.kind == "appointment.cancelled":
            key = _APPOINTMENT_CANCELLED
        elif milestone == Milestone.QUOTE and _is_free(values["total"]):
            key = _QUOTE_FREE
        variants = [s + (_(words) % {k: values[k] for k in needs} if needs else _(words))
                    for words, needs in _WORDS[key] if all(values[k] for k in needs)]
    return Text(subject=subject, variants=variants, link_path=tracking)
