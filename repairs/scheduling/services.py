"""Writes of appointments: book, reschedule and cancel a visit window (by the customer's link, the
intake, the API or a dispatcher on the phone), the evening-before reminder, and what an appointment
does to the SLA clock.

Capacity: the place in a window is taken by one conditional UPDATE (``booked < capacity``) on the
window's row. On PostgreSQL the second of two concurrent bookings waits for the first one's row lock,
re-reads the row and finds it full, so two customers can never take the last place.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import policy
from tickets.exceptions import ValidationFailed
from tickets.lifecycle import after_commit
from tickets.models import SlaClock, Ticket
from tickets.services import ticket_event_add

from . import selectors
from .models import Appointment, AppointmentSlot

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger("repairs.scheduling")

#: Local hour from which tomorrow's customers are reminded.
REMINDER_HOUR = 18


class WindowFull(ValidationFailed):
    code = "window_full"


def _lock_ticket(ticket_id: int) -> Ticket:
    return (Ticket.objects.select_for_update(of=("self",))
            .select_related("service_center", "fault_category", "technician", "customer").get(pk=ticket_id))


def _window_of(ticket: Ticket, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The centre's window that starts at ``start``; refuses anything that is not one."""
    from tickets.calendar import BusinessCalendar

    center = ticket.service_center
    local = timezone.localtime(start)
    for a, b in selectors.day_windows(BusinessCalendar(center), local.date()):
        if a == start:
            return a, b
    raise ValidationFailed(_("%(center)s在该时间没有可预约的时段（非营业时间或节假日），请另选时段。")
                           % {"center": center.name}, extra={"field": "start"})


def _take_place(*, ticket: Ticket, start: dt.datetime, end: dt.datetime) -> AppointmentSlot:
    skill = selectors.ticket_skill(ticket)
    center = ticket.service_center
    try:
        with transaction.atomic():
            slot, _created = AppointmentSlot.objects.get_or_create(
                center=center, skill=skill, start=start,
                defaults={"end": end, "capacity": selectors.slot_capacity(center=center, skill=skill)})
    except IntegrityError:  # created by a concurrent booking between our read and insert
        slot = AppointmentSlot.objects.get(center=center, skill=skill, start=start)
    taken = AppointmentSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1)
    if not taken:
        raise WindowFull(_("该时段（%(window)s）已约满，请选择其他时段。")
                         % {"window": selectors.window_label(start, end)}, extra={"field": "start"})
    return slot


def _free_place(appointment: Appointment) -> None:
    AppointmentSlot.objects.filter(pk=appointment.slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _sla_effect(ticket: Ticket, appointment: Appointment, *, now: dt.datetime) -> None:
    """An appointment inside the response target meets it; a customer choosing a later time pauses
    the clock until the window opens (the ledger says why)."""
    from tickets.sla.services import sla_clock_pause, sla_mark_responded

    clock = SlaClock.objects.filter(ticket_id=ticket.pk).only("state", "responded_at", "due_response_at").first()
    if clock is None or clock.state != SlaClock.State.RUNNING:
        return
    due = clock.due_response_at
    if clock.responded_at is None and (due is None or appointment.start <= due):
        sla_mark_responded(ticket_id=ticket.pk, at=now)
        return
    if appointment.source == Appointment.Source.CUSTOMER and due is not None and appointment.start > due:
        sla_clock_pause(ticket_id=ticket.pk, at=now, reason=_("客户选择较晚的上门时段 %(window)s") % {
            "window": selectors.window_label(appointment.start, appointment.end)})


def _customer_may_still_change(ticket: Ticket, current: Appointment | None) -> None:
    """The customer's link stops moving the visit once the technician has set off (staff still can)."""
    stage = selectors.visit_stage(ticket, appointment=current)
    if stage is not None:
        raise ValidationFailed(stage.refusal())


@transaction.atomic
def appointment_book(*, ticket: Ticket, start: dt.datetime, by: AbstractBaseUser | None = None,
                     source: str = Appointment.Source.CUSTOMER, now: dt.datetime | None = None) -> Appointment:
    """Book (or move to) the window of the ticket's centre that starts at ``start``.

    Guarantees: the window exists on the centre's business calendar, starts at least ``LEAD`` from
    now and has a free place (taken atomically); a booked appointment of the ticket is moved, which
    the customer may do only until ``LEAD`` before it and before the technician sets off; booking
    the window already booked changes nothing. Writes an ``appointment.booked`` event (a
    confirmation message once the customer has been told an engineer), the SLA effect, and
    re-plans the technician's day after commit.
    Raises ValidationFailed / WindowFull / PermissionDeniedError; nothing changes then.
    """
    now = now or timezone.now()
    policy.require(by, "tickets.assign_ticket", ticket, message=_("您没有代客预约的权限。"))
    ticket = _lock_ticket(ticket.pk)
    if not ticket.is_open:
        raise ValidationFailed(_("工单已结束，不能预约。"))
    if ticket.service_center_id is None:
        raise ValidationFailed(_("工单尚未确定服务网点，暂不能预约，请稍后再试。"))
    start = timezone.localtime(start)
    current = selectors.ticket_appointment(ticket)
    if current is not None and current.start == start:
        return current
    if by is None and current is None and not selectors.customer_may_book(ticket):
        raise ValidationFailed(_("工单已在处理中，无需在线预约；如需上门请联系服务网点。"))
    if by is None:
        _customer_may_still_change(ticket, current)
    if by is None and current is not None and not selectors.may_change(current, now=now):
        raise ValidationFailed(_("距离上门时间不足 %(hours)d 小时，不能在线改约，请致电服务网点。")
                               % {"hours": int(selectors.LEAD.total_seconds() // 3600)})
    if start < selectors.earliest_start(now):
        raise ValidationFailed(_("请选择 %(hours)d 小时以后的时段。")
                               % {"hours": int(selectors.LEAD.total_seconds() // 3600)}, extra={"field": "start"})
    if start > now + dt.timedelta(days=selectors.HORIZON_DAYS + 1):
        raise ValidationFailed(_("只能预约 %(days)d 天内的时段。") % {"days": selectors.HORIZON_DAYS},
                               extra={"field": "start"})
    start, end = _window_of(ticket, start)
    slot = _take_place(ticket=ticket, start=start, end=end)
    moved_from = None
    if current is not None:
        _free_place(current)
        Appointment.objects.filter(pk=current.pk).update(status=Appointment.Status.RESCHEDULED, updated_at=now)
        moved_from = current
    appointment = Appointment.objects.create(
        ticket=ticket, slot=slot, start=start, end=end, source=source,
        booked_by=by if getattr(by, "pk", None) else None)
    label = selectors.window_label(start, end)
    if moved_from is not None:
        message = _("上门时间已改为 %(window)s") % {"window": label}
    elif source == Appointment.Source.DISPATCHER:
        message = _("客服已为您预约上门时间 %(window)s") % {"window": label}
    else:
        message = _("已预约上门时间 %(window)s") % {"window": label}
    # The first confirmation is the "engineer assigned" message, which carries the window; a booking
    # or a move after that message went out is confirmed on its own.
    ticket_event_add(ticket=ticket, kind="appointment.booked", by=by, customer_visible=True, message=message,
                     payload={"appointment": appointment.pk, "window": label, "start": start.isoformat(),
                              "confirm": ticket.technician_id is not None,
                              "moved_from": moved_from.start.isoformat() if moved_from else None})
    _sla_effect(ticket, appointment, now=now)
    _replan_after_commit(ticket, [start.date()] + ([moved_from.start.date()] if moved_from else []))
    return appointment


@transaction.atomic
def appointment_cancel(*, ticket: Ticket, by: AbstractBaseUser | None = None, reason: str = "",
                       now: dt.datetime | None = None) -> Appointment:
    """Cancel the ticket's booked appointment and free its place. The customer may cancel only until
    ``LEAD`` before the visit (staff at any time). The ticket stays open: without a time the centre
    calls the customer. Raises ValidationFailed when there is nothing to cancel."""
    now = now or timezone.now()
    policy.require(by, "tickets.assign_ticket", ticket, message=_("您没有代客预约的权限。"))
    ticket = _lock_ticket(ticket.pk)
    current = selectors.ticket_appointment(ticket)
    if current is None:
        raise ValidationFailed(_("该工单没有待上门的预约。"))
    if by is None:
        _customer_may_still_change(ticket, current)
    if by is None and not selectors.may_change(current, now=now):
        raise ValidationFailed(_("距离上门时间不足 %(hours)d 小时，不能在线取消，请致电服务网点。")
                               % {"hours": int(selectors.LEAD.total_seconds() // 3600)})
    _free_place(current)
    current.status = Appointment.Status.CANCELLED
    current.save(update_fields=["status", "updated_at"])
    label = selectors.window_label(current.start, current.end)
    ticket_event_add(ticket=ticket, kind="appointment.cancelled", by=by, customer_visible=True,
                     message=_("已取消 %(window)s 的上门预约") % {"window": label}
                     + (f"：{reason.strip()[:100]}" if reason.strip() else ""),
                     payload={"appointment": current.pk, "window": label})
    _resume_if_waiting_for_window(ticket, now=now, reason=_("上门预约已取消"))
    _replan_after_commit(ticket, [current.start.date()])
    return current


def _resume_if_waiting_for_window(ticket: Ticket, *, now: dt.datetime, reason: str) -> None:
    """Resume a clock that a later appointment paused (not one paused by a waiting state)."""
    from tickets.sla.services import sla_clock_resume

    if ticket.status in Ticket.PAUSED_STATES or ticket.status in Ticket.CLOSED_STATES:
        return
    if SlaClock.objects.filter(ticket_id=ticket.pk, state=SlaClock.State.PAUSED).exists():
        sla_clock_resume(ticket_id=ticket.pk, reason=reason, at=now)


def _replan_after_commit(ticket: Ticket, days: list[dt.date]) -> None:
    if ticket.technician_id is None:
        return
    for day in sorted(set(days)):
        after_commit(route_replan_enqueue, ticket.technician_id, day.isoformat())


def route_replan_enqueue(technician_id: int, day: str) -> None:
    """Queue a re-plan of one technician's day (a django-q2 task takes ids)."""
    from django_q.tasks import async_task

    async_task("repairs.scheduling.tasks.route_replan_task", technician_id, day,
               task_name=f"route-{technician_id}-{day}")


def appointments_on_assign(*, ticket_id: int, technician_id: int | None) -> None:
    """A job was added to or moved between technicians: their days with it are re-planned."""
    days = list(Appointment.objects.filter(ticket_id=ticket_id, status=Appointment.Status.BOOKED)
                .values_list("start", flat=True))
    if technician_id is None:
        return
    for start in days:
        route_replan_enqueue(technician_id, timezone.localtime(start).date().isoformat())


def appointments_remind(*, now: dt.datetime | None = None) -> int:
    """From the evening before, tell each customer of tomorrow's visit (once: the ``reminded_at``
    mark is set by a conditional UPDATE, and the milestone itself is once per ticket)."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < REMINDER_HOUR:
        return 0
    sent = 0
    for appointment in selectors.appointments_due_reminder(now=now).select_related("ticket__technician")[:500]:
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            ticket = _lock_ticket(appointment.ticket_id)
            hours = selectors.window_hours_label(appointment.start, appointment.end)
            tech = ticket.technician.name if ticket.technician_id else ""
            ticket_event_add(ticket=ticket, kind="appointment.reminder", customer_visible=True,
                             message=_("提醒：明天 %(hours)s 工程师将上门服务") % {"hours": hours},
                             payload={"appointment": appointment.pk, "hours": selectors.short_hours(
                                 appointment.start, appointment.end), "tech": tech})
            sent += 1
    return sent


def appointments_open_windows(*, now: dt.datetime | None = None) -> int:
    """Resume the clocks that a customer's later window paused, once that window has opened."""
    from tickets.sla.services import sla_clock_resume

    now = now or timezone.now()
    paused = (Appointment.objects.filter(status=Appointment.Status.BOOKED, start__lte=now,
                                         ticket__sla_clock__state=SlaClock.State.PAUSED)
              .exclude(ticket__status__in=[*Ticket.PAUSED_STATES, *Ticket.CLOSED_STATES])
              .values_list("ticket_id", flat=True))
    count = 0
    for ticket_id in list(paused[:500]):
        sla_clock_resume(ticket_id=ticket_id, reason=_("预约时段已到"), at=now)
        count += 1
    return count


@transaction.atomic
def appointment_visited(*, ticket_id: int) -> int:
    """The technician checked in: the booked appointment is done."""
    return Appointment.objects.filter(ticket_id=ticket_id, status=Appointment.Status.BOOKED).update(
        status=Appointment.Status.DONE, updated_at=timezone.now())


@transaction.atomic
def appointments_ticket_ended(*, ticket_id: int) -> int:
    """A cancelled ticket gives its place back (no message: the cancellation is told already)."""
    count = 0
    for appointment in Appointment.objects.select_for_update().filter(ticket_id=ticket_id,
                                                                     status=Appointment.Status.BOOKED):
        _free_place(appointment)
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        count += 1
    return count


@transaction.atomic
def window_capacity_save(*, center, skill: str, capacity: int, by: AbstractBaseUser | None) -> None:
    """Set the places of each window of a centre for a skill; windows already created keep their
    bookings and take the new capacity, never below what is booked."""
    from .models import WindowCapacity

    policy.require(by, "repairs.change_servicecenter", center, message=_("您没有修改网点排班的权限。"))
    if capacity < 1 or capacity > 50:
        raise ValidationFailed(_("每个时段可约数应在 1 到 50 之间。"))
    WindowCapacity.objects.update_or_create(center=center, skill=(skill or "").strip(),
                                            defaults={"capacity": capacity})
    slots = AppointmentSlot.objects.filter(center=center, skill=(skill or "").strip(), start__gte=timezone.now())
    for slot in slots.select_for_update():
        slot.capacity = max(capacity, slot.booked)
        slot.save(update_fields=["capacity"])


def appointment_book_enqueue(ticket_id: int, start: str) -> None:
    """Book a window for a ticket that is routed to its centre in a worker (the REST intake)."""
    from django_q.tasks import async_task

    async_task("repairs.scheduling.tasks.appointment_book_task", ticket_id, start,
               task_name=f"appointment-book-{ticket_id}")
