"""Writes of the SLA feature: the business calendar table, the per-ticket SLA clock and its ledger,
and the sweep that reminds at 75 % and escalates at breach.

The clock (``SlaClock``) is the source of truth; ``Ticket.due_response_at`` / ``due_resolution_at``
mirror it through ``_mirror`` (a plain UPDATE of those two fields). Every change of a deadline writes
an ``SlaLedgerEntry`` with its reason, so anyone can see why a deadline is what it is.
"""

from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.calendar import BusinessCalendar, library_entries
from tickets.exceptions import ValidationFailed
from tickets.models import CalendarDay, SlaClock, SlaLedgerEntry, SlaPolicy, Ticket
from tickets.services import ticket_event_build, ticket_events_add_many

from .selectors import default_targets, sla_policy_for_ticket

REMIND_FRACTION = Decimal("0.75")
PAUSE_REASONS = {
    Ticket.Status.WAITING_CUSTOMER: _("等待客户"),
    Ticket.Status.WAITING_PARTS: _("等待备件"),
}


# ---------------------------------------------------------------------------------------------
# Business calendar table
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def calendar_load_library(*, years: list[int] | None = None, overwrite: bool = False) -> dict[str, int]:
    """Load holidays and make-up working days from the chinesecalendar library.

    Existing rows are kept unless ``overwrite`` (then library rows replace them, but rows staff
    entered by hand are never overwritten). Returns counts of created and updated rows."""
    entries = library_entries(years)
    existing = {row.date: row for row in CalendarDay.objects.filter(date__in=[d for d, _r, _n in entries])}
    created = updated = 0
    new_rows = []
    for day, rest, name in entries:
        row = existing.get(day)
        if row is None:
            new_rows.append(CalendarDay(date=day, is_rest_day=rest, name=name[:40],
                                        source=CalendarDay.Source.LIBRARY))
        elif overwrite and row.source == CalendarDay.Source.LIBRARY and (row.is_rest_day, row.name) != (rest, name):
            row.is_rest_day, row.name = rest, name[:40]
            row.save(update_fields=["is_rest_day", "name"])
            updated += 1
    CalendarDay.objects.bulk_create(new_rows, batch_size=500)
    created = len(new_rows)
    return {"created": created, "updated": updated}


def _parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed(_("无法识别的日期：%(value)s（格式 YYYY-MM-DD）") % {"value": text.strip()}) from exc


def parse_calendar_lines(text: str) -> list[tuple[dt.date, bool, str]]:
    """Parse staff input, one line per range: ``2027-02-06~2027-02-12 休 春节`` or
    ``2027-02-14 班 春节调休`` (``休``/``rest`` = holiday, ``班``/``work`` = make-up working day)."""
    out: list[tuple[dt.date, bool, str]] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            raise ValidationFailed(_("第 %(n)d 行格式错误：%(line)s") % {"n": lineno, "line": line})
        span, kind = parts[0], parts[1].lower()
        name = parts[2] if len(parts) > 2 else ""
        if kind in ("休", "rest", "holiday"):
            rest = True
        elif kind in ("班", "work", "workday"):
            rest = False
        else:
            raise ValidationFailed(_("第 %(n)d 行：类型应为“休”或“班”。") % {"n": lineno})
        start_text, _sep, end_text = span.partition("~")
        start = _parse_day(start_text)
        end = _parse_day(end_text) if end_text else start
        if end < start or (end - start).days > 31:
            raise ValidationFailed(_("第 %(n)d 行：日期范围无效。") % {"n": lineno})
        day = start
        while day <= end:
            out.append((day, rest, name))
            day += dt.timedelta(days=1)
    if not out:
        raise ValidationFailed(_("请至少输入一行日期。"))
    return out


@transaction.atomic
def calendar_days_enter(*, text: str, by: Any = None) -> int:
    """Staff enter a year's holidays and make-up days (see ``parse_calendar_lines``); existing dates
    are updated and become manual rows. Raises ValidationFailed and changes nothing on bad input."""
    entries = parse_calendar_lines(text)
    for day, rest, name in entries:
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_rest_day": rest, "name": name[:40], "source": CalendarDay.Source.MANUAL})
    return len(entries)


@transaction.atomic
def calendar_day_set(*, date: dt.date, is_rest_day: bool, name: str = "", by: Any = None) -> CalendarDay:
    """Record one day as a holiday or a make-up working day (a manual row, which a later library load
    does not overwrite). Raises PermissionDeniedError."""
    from tickets import policy

    policy.require(by, "tickets.change_calendarday")
    day, _created = CalendarDay.objects.update_or_create(
        date=date, defaults={"is_rest_day": is_rest_day, "name": (name or "")[:40],
                             "source": CalendarDay.Source.MANUAL})
    return day


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy, by: Any = None) -> SlaPolicy:
    """Create or update an SLA policy: targets positive, response within resolution. Running clocks keep
    the targets they started with. Raises PermissionDeniedError or ValidationFailed."""
    from django.core.exceptions import ValidationError

    from tickets import policy as access

    access.require(by, "tickets.change_slapolicy" if policy.pk else "tickets.add_slapolicy")
    if policy.response_hours is not None and policy.resolution_hours is not None and (
            policy.response_hours <= 0 or policy.resolution_hours < policy.response_hours):
        message = _("时限须大于 0，且解决时限不短于响应时限。")
        raise ValidationFailed(message, extra={"fields": {"resolution_hours": [message]}})
    try:
        policy.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_("SLA 策略有误。"), extra={"fields": exc.message_dict}) from None
    policy.save()
    return policy


# ---------------------------------------------------------------------------------------------
# The clock
# ---------------------------------------------------------------------------------------------

def _hours(clock: SlaClock, attr: str) -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(clock, attr)) * 3600)


def _calendar(clock: SlaClock) -> BusinessCalendar:
    """The calendar the clock counts on: its center's opening hours, or the default hours."""
    return BusinessCalendar(clock.center if clock.center_id else None)


def _project(clock: SlaClock, cal: BusinessCalendar) -> None:
    """Set the deadlines and ``next_action_at`` from targets, consumed time and the running segment."""
    # A deadline already missed stays the deadline that was missed: a pause and a resume after the
    # breach do not invent a new one (it would read as due at the moment the work resumed).
    if clock.state != SlaClock.State.RUNNING:
        if clock.responded_at is None and clock.response_breached_at is None:
            clock.due_response_at = None
        if clock.breached_at is None:
            clock.due_resolution_at = None
        clock.remind_at = None
        clock.next_action_at = None
        return
    consumed = dt.timedelta(seconds=clock.consumed_seconds)
    t0 = clock.running_since

    def at(target: dt.timedelta) -> dt.datetime:
        return cal.add(t0, max(target - consumed, dt.timedelta(0)))

    resolution = _hours(clock, "resolution_hours")
    if clock.breached_at is None or clock.due_resolution_at is None:
        clock.due_resolution_at = at(resolution)
    if clock.responded_at is None and (clock.response_breached_at is None or clock.due_response_at is None):
        clock.due_response_at = at(_hours(clock, "response_hours"))
    clock.remind_at = at(resolution * float(REMIND_FRACTION)) if clock.reminded_at is None else clock.remind_at
    pending = []
    if clock.reminded_at is None and clock.breached_at is None:
        pending.append(clock.remind_at)
    if clock.responded_at is None and clock.response_breached_at is None:
        pending.append(clock.due_response_at)
    if clock.breached_at is None:
        pending.append(clock.due_resolution_at)
    clock.next_action_at = min(pending) if pending else None


def _mirror(clock: SlaClock) -> None:
    """Keep the ticket's two deadline fields equal to the clock's."""
    Ticket.objects.filter(pk=clock.ticket_id).update(
        due_response_at=clock.due_response_at, due_resolution_at=clock.due_resolution_at)


def _ledger(clock: SlaClock, kind: str, reason: str, at: dt.datetime, **data: Any) -> SlaLedgerEntry:
    return SlaLedgerEntry.objects.create(
        ticket_id=clock.ticket_id, kind=kind, at=at, reason=reason[:300], policy=clock.policy,
        consumed_seconds=clock.consumed_seconds, due_response_at=clock.due_response_at,
        due_resolution_at=clock.due_resolution_at, data=data)


def _fmt_hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _policy_reason(clock: SlaClock, ticket: Ticket) -> str:
    policy = clock.policy.name if clock.policy else _("默认时限")
    center = clock.center.name if clock.center_id else _("默认营业时间 09:00–18:00")
    return _("%(policy)s：响应 %(resp)s 工作小时，解决 %(res)s 工作小时；按%(center)s与节假日日历计算") % {
        "policy": policy, "resp": _fmt_hours(clock.response_hours), "res": _fmt_hours(clock.resolution_hours),
        "center": center}


def _targets(ticket: Ticket) -> tuple[SlaPolicy | None, Decimal, Decimal]:
    policy = sla_policy_for_ticket(ticket)
    if policy is not None:
        return policy, policy.response_hours, policy.resolution_hours
    response, resolution = default_targets()
    return None, response, resolution


def _load(ticket_id: int) -> tuple[Ticket, SlaClock | None]:
    ticket = Ticket.objects.select_related("customer", "service_center").get(pk=ticket_id)
    clock = (SlaClock.objects.select_for_update(of=("self",)).select_related("policy", "center")
             .filter(ticket_id=ticket_id).first())
    return ticket, clock


@transaction.atomic
def sla_clock_start(*, ticket_id: int) -> SlaClock | None:
    """Start the ticket's clock at its creation time with the matching policy (idempotent: an existing
    clock is returned unchanged). Returns None for a ticket that is already closed or missing."""
    try:
        ticket, clock = _load(ticket_id)
    except Ticket.DoesNotExist:
        return None
    if clock is not None:
        return clock
    if ticket.status in Ticket.CLOSED_STATES:
        return None
    policy, response, resolution = _targets(ticket)
    clock = SlaClock(ticket=ticket, policy=policy, response_hours=response, resolution_hours=resolution,
                     started_at=ticket.created_at, running_since=ticket.created_at,
                     center=ticket.service_center)
    _project(clock, _calendar(clock))
    clock.save()
    _ledger(clock, SlaLedgerEntry.Kind.START, _("工单创建，开始计时。") + _policy_reason(clock, ticket),
            ticket.created_at)
    _mirror(clock)
    return clock


def _settle(clock: SlaClock, cal: BusinessCalendar, now: dt.datetime) -> None:
    """Fold the running segment into ``consumed_seconds`` and restart the segment at ``now``."""
    if clock.state == SlaClock.State.RUNNING and clock.running_since is not None:
        clock.consumed_seconds += int(cal.between(clock.running_since, now).total_seconds())
        clock.running_since = now


@transaction.atomic
def sla_clock_pause(*, ticket_id: int, reason: str, at: dt.datetime | None = None) -> SlaClock | None:
    """Stop counting (waiting for the customer or for parts); deadlines are cleared until resume."""
    now = at or timezone.now()
    ticket, clock = _load(ticket_id)
    if clock is None or clock.state != SlaClock.State.RUNNING:
        return clock
    cal = _calendar(clock)
    _settle(clock, cal, now)
    clock.state, clock.running_since = SlaClock.State.PAUSED, None
    _project(clock, cal)
    clock.save()
    remaining = max(_hours(clock, "resolution_hours").total_seconds() - clock.consumed_seconds, 0) / 3600
    _ledger(clock, SlaLedgerEntry.Kind.PAUSE,
            _("%(reason)s，暂停计时；已用 %(used).1f 工作小时，剩余 %(left).1f 工作小时") % {
                "reason": reason, "used": clock.consumed_seconds / 3600, "left": remaining}, now)
    _mirror(clock)
    return clock


@transaction.atomic
def sla_clock_resume(*, ticket_id: int, reason: str, at: dt.datetime | None = None) -> SlaClock | None:
    """Count again from ``at``: the deadlines move by the paused time (business hours only)."""
    now = at or timezone.now()
    ticket, clock = _load(ticket_id)
    if clock is None or clock.state == SlaClock.State.RUNNING:
        return clock
    clock.state, clock.running_since = SlaClock.State.RUNNING, now
    _project(clock, _calendar(clock))
    clock.save()
    _ledger(clock, SlaLedgerEntry.Kind.RESUME, _("%(reason)s，恢复计时。") % {"reason": reason}
            + _policy_reason(clock, ticket), now)
    _mirror(clock)
    return clock


@transaction.atomic
def sla_clock_stop(*, ticket_id: int, reason: str, at: dt.datetime | None = None) -> SlaClock | None:
    """Stop the clock for good (resolved, closed, cancelled); a reopen resumes it."""
    now = at or timezone.now()
    ticket, clock = _load(ticket_id)
    if clock is None or clock.state == SlaClock.State.STOPPED:
        return clock
    cal = _calendar(clock)
    due = clock.due_resolution_at
    _settle(clock, cal, now)
    clock.state, clock.running_since = SlaClock.State.STOPPED, None
    met = due is not None and now <= due and clock.breached_at is None
    _project(clock, cal)
    clock.save()
    _ledger(clock, SlaLedgerEntry.Kind.STOP, _("%(reason)s，停止计时；用时 %(used).1f 工作小时（%(met)s）") % {
        "reason": reason, "used": clock.consumed_seconds / 3600,
        "met": _("达标") if met else _("超时")}, now, met=met)
    _mirror(clock)
    return clock


@transaction.atomic
def sla_clock_recalculate(*, ticket_id: int, reason: str, at: dt.datetime | None = None) -> SlaClock | None:
    """Re-match the policy (category, priority or tier changed) and the calendar (the center changed),
    keeping the business time already used. Writes a ledger line only when a deadline moves."""
    now = at or timezone.now()
    ticket, clock = _load(ticket_id)
    if clock is None:
        return None
    policy, response, resolution = _targets(ticket)
    old = (clock.policy_id, clock.due_response_at, clock.due_resolution_at)
    # Fold the past with the calendar that applied so far, then count on the (new) center's.
    _settle(clock, _calendar(clock), now)
    clock.center = ticket.service_center
    clock.policy, clock.response_hours, clock.resolution_hours = policy, response, resolution
    _project(clock, _calendar(clock))
    clock.save()
    if (clock.policy_id, clock.due_response_at, clock.due_resolution_at) != old:
        _ledger(clock, SlaLedgerEntry.Kind.RECALCULATE, f"{reason}。" + _policy_reason(clock, ticket), now)
    _mirror(clock)
    return clock


@transaction.atomic
def sla_mark_responded(*, ticket_id: int, at: dt.datetime) -> SlaClock | None:
    """Record the first response (assignment or start of work) against the response target."""
    ticket, clock = _load(ticket_id)
    if clock is None or clock.responded_at is not None:
        return clock
    clock.responded_at = at
    met = clock.due_response_at is None or at <= clock.due_response_at
    _project(clock, _calendar(clock))
    clock.save()
    _ledger(clock, SlaLedgerEntry.Kind.RESPONDED,
            _("首次响应%(met)s") % {"met": _("达标") if met else _("超时")}, at, met=met)
    _mirror(clock)
    return clock


def sla_on_transition(*, ticket_id: int, transition: str, from_state: str, to_state: str,
                      at: dt.datetime | None = None) -> SlaClock | None:
    """Drive the clock from a ticket transition, in the transition's own transaction (called by
    ``tickets.lifecycle.after_transition``): pause in waiting states, resume after, stop when
    resolved/closed/cancelled, resume on reopen, re-match the policy and calendar on triage and
    assignment, record the first response. A ticket without a clock (none was started at creation)
    is left alone."""
    from tickets.services import transition_label

    now = at or timezone.now()
    ticket = Ticket.objects.filter(pk=ticket_id).only("first_response_at", "status").first()
    if ticket is None:
        return None
    label = transition_label(transition)
    clock = None
    if to_state in Ticket.PAUSED_STATES:
        clock = sla_clock_pause(ticket_id=ticket_id, reason=str(PAUSE_REASONS.get(to_state, label)), at=now)
    elif from_state in Ticket.PAUSED_STATES and to_state not in Ticket.CLOSED_STATES:
        clock = sla_clock_resume(ticket_id=ticket_id, reason=_("%(from)s结束") % {
            "from": PAUSE_REASONS.get(from_state, from_state)}, at=now)
    elif to_state in Ticket.CLOSED_STATES:
        clock = sla_clock_stop(ticket_id=ticket_id, reason=str(Ticket.Status(to_state).label), at=now)
    elif to_state == Ticket.Status.REOPENED:
        clock = sla_clock_resume(ticket_id=ticket_id, reason=_("工单重开"), at=now)
    if to_state in (Ticket.Status.TRIAGED, Ticket.Status.ASSIGNED):
        clock = sla_clock_recalculate(ticket_id=ticket_id, reason=_("%(action)s后重新匹配策略与网点日历") % {
            "action": label}, at=now)
    if ticket.first_response_at is not None:
        clock = sla_mark_responded(ticket_id=ticket_id, at=ticket.first_response_at) or clock
    return clock


# ---------------------------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------------------------

@dataclass
class _SweepBatch:
    """What one sweep writes, collected per clock and written in one statement per table at the end,
    and what it reads once for all clocks (templates, dispatchers, centre managers)."""

    ledger: list[SlaLedgerEntry] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)
    templates: dict = field(default_factory=dict)
    managers: dict[int, list] = field(default_factory=dict)
    dispatchers: list | None = None


def _staff():
    # The technician row tells the outbox the user's SMS number: read with the user, not per message.
    return get_user_model().objects.filter(is_active=True).select_related("technician")


def _dispatchers(batch: _SweepBatch) -> list:
    if batch.dispatchers is None:
        batch.dispatchers = list(_staff().filter(groups__name="调度"))
    return batch.dispatchers


def _escalation_targets(ticket: Ticket, batch: _SweepBatch) -> list:
    """The center's managers, or the dispatchers when the ticket has no center (or it has none)."""
    managers = batch.managers.get(ticket.service_center_id) if ticket.service_center_id else None
    return managers or _dispatchers(batch)


#: The staff messages a sweep writes; their templates are read together on the first one.
_SWEEP_MESSAGES = [(event, channel) for event in ("sla.reminder", "sla.escalation") for channel in ("email", "sms")]


def _templates(batch: _SweepBatch) -> dict:
    if not batch.templates:
        from tickets.outbox.templates import templates_for

        batch.templates.update(templates_for(_SWEEP_MESSAGES, "zh-hans"))
    return batch.templates


def _ledger_entry(clock: SlaClock, kind: str, reason: str, at: dt.datetime, **data: Any) -> SlaLedgerEntry:
    return SlaLedgerEntry(
        ticket_id=clock.ticket_id, kind=kind, at=at, reason=reason[:300], policy_id=clock.policy_id,
        consumed_seconds=clock.consumed_seconds, due_response_at=clock.due_response_at,
        due_resolution_at=clock.due_resolution_at, data=data)


def _remind(clock: SlaClock, ticket: Ticket, now: dt.datetime, batch: _SweepBatch) -> None:
    from tickets.outbox.services import outbox_staff_rows

    clock.reminded_at = now
    users = [ticket.technician.user] if ticket.technician_id else _escalation_targets(ticket, batch)
    names = "、".join(str(u) for u in users) or _("无人（未派工且无调度）")
    batch.ledger.append(_ledger_entry(clock, SlaLedgerEntry.Kind.REMINDER,
                                      _("已用 75%% 解决时限，提醒 %(who)s") % {"who": names}, now,
                                      users=[u.pk for u in users]))
    batch.events.append(ticket_event_build(
        ticket=ticket, kind="sla.reminder", message=_("SLA 提醒：解决时限已用 75%%，截止 %(due)s") % {
            "due": timezone.localtime(clock.due_resolution_at).strftime("%Y-%m-%d %H:%M")},
        payload={"due_resolution_at": clock.due_resolution_at.isoformat()}))
    batch.messages += outbox_staff_rows(event="sla.reminder", users=users, ticket=ticket,
                                        context={"due": clock.due_resolution_at},
                                        idempotency_key=f"sla.reminder:{ticket.pk}", templates=_templates(batch))


def _breach(clock: SlaClock, ticket: Ticket, now: dt.datetime, *, target: str, batch: _SweepBatch) -> None:
    from tickets.outbox.services import outbox_staff_rows

    due = clock.due_response_at if target == "response" else clock.due_resolution_at
    reason = _("首次响应超时") if target == "response" else _("解决超时")
    if target == "response":
        clock.response_breached_at = now
    else:
        clock.breached_at = clock.escalated_at = now
    batch.ledger.append(_ledger_entry(clock, SlaLedgerEntry.Kind.BREACH, _("%(reason)s：截止 %(due)s") % {
        "reason": reason, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}, now, target=target))
    users = _escalation_targets(ticket, batch)
    names = "、".join(str(u) for u in users) or _("无人")
    batch.ledger.append(_ledger_entry(clock, SlaLedgerEntry.Kind.ESCALATION, _("%(reason)s，升级至 %(who)s") % {
        "reason": reason, "who": names}, now, target=target, users=[u.pk for u in users]))
    batch.events.append(ticket_event_build(
        ticket=ticket, kind="sla.escalated", message=_("SLA %(reason)s，已升级至网点经理") % {"reason": reason},
        payload={"target": target, "due": due.isoformat(), "users": [u.pk for u in users]}))
    batch.messages += outbox_staff_rows(event="sla.escalation", users=users, ticket=ticket,
                                        context={"due": due, "reason": reason},
                                        idempotency_key=f"sla.escalation:{target}:{ticket.pk}",
                                        templates=_templates(batch))


@contextmanager
def _collection_paused():
    """No cyclic garbage collection while a sweep builds its batch. The batch (clocks, tickets, ledger
    rows, events, messages: tens of thousands of objects) stays alive until it is written, and its
    growth triggers collections that each walk the worker's whole heap (a full one costs more than
    the rest of the sweep); the batch is freed by reference counting when the sweep returns, so there
    is nothing for them to find. Left as it was if collection is already off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def sla_due_clocks(*, now: dt.datetime, limit: int):
    """The sweep's one indexed query: clocks with an action due, locked, skipping rows another
    worker holds (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
    return (SlaClock.objects.select_for_update(skip_locked=True, of=("self",)).select_related("center")
            .filter(next_action_at__lte=now)
            .order_by("next_action_at")[:limit])


#: The clock fields a sweep changes (written for all its clocks in one UPDATE).
_SWEPT_FIELDS = ["reminded_at", "breached_at", "escalated_at", "response_breached_at", "due_response_at",
                 "due_resolution_at", "remind_at", "next_action_at", "updated_at"]


def sla_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send due reminders (75 % of the resolution target, to the assignee) and escalate breaches (to
    the center managers), each at most once per ticket even with several workers: due clocks are
    claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and the ``reminded_at`` / ``breached_at`` marks are
    written in the same transaction as the ledger, the event and the outbox rows.

    The queries are per sweep, not per clock: the clocks, their tickets, the centres' managers, the
    dispatchers and the templates are read once, and the ledger entries, events, outbox rows and
    clocks are written with one statement per table."""
    now = now or timezone.now()
    counts = {"reminders": 0, "response_breaches": 0, "breaches": 0}
    with _collection_paused(), transaction.atomic():
        clocks = list(sla_due_clocks(now=now, limit=limit))
        if not clocks:
            return counts
        # The centre is needed by its id alone (its managers are read below for all tickets at once).
        # Loading the technician's user through the one-to-one also fills ``user.technician`` (the SMS
        # number of the message) with the same technician: no second join, no second instance. The
        # customer is joined only when an edited message text names them (the stock texts do not).
        batch = _SweepBatch()
        related = ["technician__user"]
        if any("customer" in text.subject + text.body for text in _templates(batch).values()):
            related.append("customer")
        tickets = Ticket.objects.select_related(*related).in_bulk([c.ticket_id for c in clocks])
        center_ids = {t.service_center_id for t in tickets.values() if t.service_center_id}
        if center_ids:
            for user in (_staff().filter(managed_centers__in=center_ids)
                         .annotate(managed_center_id=F("managed_centers")).order_by("pk")):
                batch.managers.setdefault(user.managed_center_id, []).append(user)
        calendars: dict[int | None, BusinessCalendar] = {}
        for clock in clocks:
            ticket = tickets.get(clock.ticket_id)
            clock.updated_at = now
            if ticket is None or clock.state != SlaClock.State.RUNNING:
                clock.next_action_at = None
                continue
            if clock.reminded_at is None and clock.breached_at is None and clock.remind_at \
                    and clock.remind_at <= now:
                _remind(clock, ticket, now, batch)
                counts["reminders"] += 1
            if clock.responded_at is None and clock.response_breached_at is None and clock.due_response_at \
                    and clock.due_response_at <= now:
                _breach(clock, ticket, now, target="response", batch=batch)
                counts["response_breaches"] += 1
            if clock.breached_at is None and clock.due_resolution_at and clock.due_resolution_at <= now:
                _breach(clock, ticket, now, target="resolution", batch=batch)
                counts["breaches"] += 1
            if clock.center_id not in calendars:
                calendars[clock.center_id] = _calendar(clock)
            _project(clock, calendars[clock.center_id])
        SlaLedgerEntry.objects.bulk_create(batch.ledger)
        ticket_events_add_many(built=batch.events)
        if batch.messages:
            from tickets.outbox.services import outbox_write_rows

            outbox_write_rows(batch.messages)
        _clocks_write(clocks)
    return counts


def _clocks_write(clocks: list[SlaClock]) -> None:
    """Write the swept fields of all clocks in one statement. On PostgreSQL an ``UPDATE … FROM
    unnest(…)`` of one array per column: Django's ``bulk_update`` builds a CASE of one ORM lookup per
    clock and field, which costs more Python than the whole rest of a 500-clock sweep, and a
    ``VALUES`` list of one parameter per clock and field makes the driver quote thousands of values."""
    from django.db import connection

    if connection.vendor != "postgresql":
        SlaClock.objects.bulk_update(clocks, _SWEPT_FIELDS, batch_size=len(clocks))
        return
    quote = connection.ops.quote_name
    columns = [quote(SlaClock._meta.get_field(name).column) for name in _SWEPT_FIELDS]
    arrays = [[clock.pk for clock in clocks]]
    arrays += [[getattr(clock, name) for clock in clocks] for name in _SWEPT_FIELDS]
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    casts = ", ".join(["%s::bigint[]", *("%s::timestamptz[]" for _ in columns)])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {quote(SlaClock._meta.db_table)} AS c SET {sets} "
                       f"FROM unnest({casts}) AS v(id, {', '.join(columns)}) WHERE c.id = v.id", arrays)


# ---------------------------------------------------------------------------------------------
# Replay: the clock of a ticket written with its history in bulk
# ---------------------------------------------------------------------------------------------

def sla_clock_replay(
    *,
    ticket: Ticket,
    steps: list[tuple[dt.datetime, str, str]],
    now: dt.datetime,
    calendars: dict[int | None, BusinessCalendar] | None = None,
    targets: dict[tuple, tuple[SlaPolicy | None, Decimal, Decimal]] | None = None,
) -> tuple[SlaClock, list[SlaLedgerEntry], list[tuple[dt.datetime, str, str, dict]]]:
    """The clock, ledger and SLA events a ticket would have if the live services had seen its
    transitions ``steps`` ((at, from_state, to_state), oldest first) as they happened, counted from its
    own ``created_at``: same policy, business calendar and projection, with the reminders and breaches
    that fell before ``now`` already marked, so the sweep does not fire them again as new.

    For history written in bulk (demo data, imports); nothing is saved: the caller bulk-creates the
    clock, the ledger rows and the events, given as (at, kind, message, payload). ``calendars`` and
    ``targets`` may be shared between calls to load each centre's calendar and each policy once."""
    calendars = {} if calendars is None else calendars
    targets = {} if targets is None else targets
    key = (ticket.fault_category_id, ticket.priority, ticket.customer.tier)
    if key not in targets:
        targets[key] = _targets(ticket)
    policy, response, resolution = targets[key]
    clock = SlaClock(ticket=ticket, policy=policy, response_hours=response, resolution_hours=resolution,
                     started_at=ticket.created_at, running_since=ticket.created_at, center=None)
    ledger: list[SlaLedgerEntry] = []
    sla_events: list[tuple[dt.datetime, str, str, dict]] = []

    def cal() -> BusinessCalendar:
        if clock.center_id not in calendars:
            calendars[clock.center_id] = _calendar(clock)
        return calendars[clock.center_id]

    def write(kind: str, reason: str, at: dt.datetime, **data: Any) -> None:
        ledger.append(SlaLedgerEntry(
            ticket=ticket, kind=kind, at=at, reason=reason[:300], policy=clock.policy,
            consumed_seconds=clock.consumed_seconds, due_response_at=clock.due_response_at,
            due_resolution_at=clock.due_resolution_at, data=data))

    def catch_up(until: dt.datetime) -> None:
        """What the sweep would have done before ``until``: remind at 75 %, then escalate breaches."""
        if clock.state != SlaClock.State.RUNNING:
            return
        if clock.reminded_at is None and clock.breached_at is None and clock.remind_at and clock.remind_at <= until:
            clock.reminded_at = clock.remind_at
            write(SlaLedgerEntry.Kind.REMINDER, _("已用 75% 解决时限，提醒经办人"), clock.remind_at)
            sla_events.append((clock.remind_at, "sla.reminder", _("SLA 提醒：解决时限已用 75%%，截止 %(due)s") % {
                "due": timezone.localtime(clock.due_resolution_at).strftime("%Y-%m-%d %H:%M")}, {}))
        for target, due in (("response", clock.due_response_at), ("resolution", clock.due_resolution_at)):
            done = clock.responded_at is not None or clock.response_breached_at is not None \
                if target == "response" else clock.breached_at is not None
            if done or due is None or due > until:
                continue
            reason = _("首次响应超时") if target == "response" else _("解决超时")
            if target == "response":
                clock.response_breached_at = due
            else:
                clock.breached_at = clock.escalated_at = due
            write(SlaLedgerEntry.Kind.BREACH, _("%(reason)s：截止 %(due)s") % {
                "reason": reason, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}, due, target=target)
            sla_events.append((due, "sla.escalated", _("SLA %(reason)s，已升级至网点经理") % {"reason": reason},
                               {"target": target, "due": due.isoformat()}))
        _project(clock, cal())

    _project(clock, cal())
    write(SlaLedgerEntry.Kind.START, _("工单创建，开始计时。") + _policy_reason(clock, ticket), ticket.created_at)
    for at, from_state, to_state in steps:
        catch_up(at)
        if to_state in Ticket.PAUSED_STATES and clock.state == SlaClock.State.RUNNING:
            _settle(clock, cal(), at)
            clock.state, clock.running_since = SlaClock.State.PAUSED, None
            _project(clock, cal())
            write(SlaLedgerEntry.Kind.PAUSE, _("%(reason)s，暂停计时") % {
                "reason": PAUSE_REASONS.get(to_state, to_state)}, at)
        elif to_state in Ticket.CLOSED_STATES and clock.state != SlaClock.State.STOPPED:
            due = clock.due_resolution_at
            _settle(clock, cal(), at)
            clock.state, clock.running_since = SlaClock.State.STOPPED, None
            met = due is not None and at <= due and clock.breached_at is None
            _project(clock, cal())
            write(SlaLedgerEntry.Kind.STOP, _("%(reason)s，停止计时；用时 %(used).1f 工作小时（%(met)s）") % {
                "reason": Ticket.Status(to_state).label, "used": clock.consumed_seconds / 3600,
                "met": _("达标") if met else _("超时")}, at, met=met)
        elif clock.state != SlaClock.State.RUNNING and (
                from_state in Ticket.PAUSED_STATES or to_state == Ticket.Status.REOPENED):
            clock.state, clock.running_since = SlaClock.State.RUNNING, at
            _project(clock, cal())
            write(SlaLedgerEntry.Kind.RESUME, _("恢复计时。") + _policy_reason(clock, ticket), at)
        if to_state == Ticket.Status.ASSIGNED and ticket.service_center_id != clock.center_id:
            _settle(clock, cal(), at)
            clock.center = ticket.service_center
            _project(clock, cal())
            write(SlaLedgerEntry.Kind.RECALCULATE, _("派工后按网点日历计算。") + _policy_reason(clock, ticket), at)
        if clock.responded_at is None and ticket.first_response_at is not None and ticket.first_response_at <= at:
            clock.responded_at = ticket.first_response_at
            met = clock.due_response_at is None or clock.responded_at <= clock.due_response_at
            _project(clock, cal())
            write(SlaLedgerEntry.Kind.RESPONDED, _("首次响应%(met)s") % {"met": _("达标") if met else _("超时")},
                  clock.responded_at, met=met)
    catch_up(now)
    return clock, ledger, sla_events
