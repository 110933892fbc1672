"""Reads of scheduling: the two-hour windows of a centre on the business calendar, their capacity
and free places, a ticket's appointment and the words that describe a window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.calendar import BusinessCalendar
from tickets.models import ServiceMode, Ticket

from ..models import RepairVisit, ServiceCenter, Technician
from .models import Appointment, AppointmentSlot, WindowCapacity

WINDOW = dt.timedelta(hours=2)
WEEKDAYS = [gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
            gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日")]
#: How far ahead a customer may book, in calendar days.
HORIZON_DAYS = getattr(settings, "SCHEDULING_HORIZON_DAYS", 7)
#: The earliest window must start at least this long after now (the centre needs time to plan);
#: the same span before a visit closes changes by the customer's link.
LEAD = dt.timedelta(hours=getattr(settings, "SCHEDULING_LEAD_HOURS", 2))


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    capacity: int = 0
    booked: int = 0

    @property
    def left(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def value(self) -> str:
        return timezone.localtime(self.start).strftime("%Y-%m-%dT%H:%M")

    @property
    def label(self) -> str:
        return window_label(self.start, self.end)


def window_label(start: dt.datetime, end: dt.datetime) -> str:
    """The window as a text message says it: 11月27日14-16点 (short enough for one SMS segment)."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    hours = f"{a.hour}-{b.hour}" if a.minute == 0 and b.minute == 0 else f"{a:%H:%M}-{b:%H:%M}"
    return _("%(month)d月%(day)d日%(hours)s点") % {"month": a.month, "day": a.day, "hours": hours}


def window_hours_label(start: dt.datetime, end: dt.datetime) -> str:
    a, b = timezone.localtime(start), timezone.localtime(end)
    return f"{a:%H:%M}-{b:%H:%M}"


def day_windows(calendar: BusinessCalendar, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The whole two-hour windows inside the working hours of ``day`` (none on a rest day)."""
    span = calendar.window(day)
    if span is None:
        return []
    out, start = [], span[0]
    while start + WINDOW <= span[1]:
        out.append((start, start + WINDOW))
        start += WINDOW
    return out


def ticket_skill(ticket: Ticket) -> str:
    category = ticket.fault_category
    return category.required_skill if category is not None else ""


def slot_capacity(*, center: ServiceCenter, skill: str) -> int:
    """The capacity of one window: the configured row (this skill, else any skill), otherwise the
    on-duty technicians of the centre who have the skill (at least one)."""
    rows = dict(WindowCapacity.objects.filter(center=center, skill__in={skill, ""}).values_list("skill", "capacity"))
    if skill in rows:
        return rows[skill]
    if "" in rows:
        return rows[""]
    techs = Technician.objects.filter(center=center, on_duty=True, is_qc_inspector=False)
    count = sum(1 for skills in techs.values_list("skills", flat=True) if not skill or skill in (skills or []))
    return max(count, 1)


def earliest_start(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + LEAD


def center_windows(*, center: ServiceCenter, skill: str, now: dt.datetime | None = None,
                   days: int = HORIZON_DAYS) -> list[Window]:
    """The bookable windows of a centre for a skill over the next ``days``, with free places (two
    queries: the slots already taken and the capacity)."""
    now = now or timezone.now()
    calendar = BusinessCalendar(center)
    first = timezone.localtime(now).date()
    spans = []
    for offset in range(days + 1):
        spans += day_windows(calendar, first + dt.timedelta(days=offset))
    spans = [s for s in spans if s[0] >= earliest_start(now)]
    if not spans:
        return []
    taken = {s.start: s for s in AppointmentSlot.objects.filter(center=center, skill=skill,
                                                                  start__gte=spans[0][0], start__lte=spans[-1][0])}
    capacity = slot_capacity(center=center, skill=skill)
    out = []
    for start, end in spans:
        slot = taken.get(start)
        out.append(Window(start, end, capacity=slot.capacity if slot else capacity, booked=slot.booked if slot else 0))
    return out


def generic_windows(*, now: dt.datetime | None = None, days: int = HORIZON_DAYS) -> list[Window]:
    """Windows on the default business hours, offered on the intake form before the ticket has a
    centre; the centre's own calendar and capacity decide when the appointment is booked."""
    now = now or timezone.now()
    calendar = BusinessCalendar(None)
    first = timezone.localtime(now).date()
    out = []
    for offset in range(days + 1):
        out += [Window(a, b) for a, b in day_windows(calendar, first + dt.timedelta(days=offset))
                if a >= earliest_start(now)]
    return out


def parse_window_start(value: str) -> dt.datetime | None:
    """``2026-11-27T14:00`` (local time, as the forms post it) → an aware datetime, or None."""
    try:
        naive = dt.datetime.strptime((value or "").strip()[:16], "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - local, made aware below
    except ValueError:
        return None
    return timezone.make_aware(naive)


def ticket_appointment(ticket: Ticket) -> Appointment | None:
    """The ticket's booked appointment, if any."""
    return (Appointment.objects.filter(ticket_id=ticket.pk, status=Appointment.Status.BOOKED)
            .select_related("slot").first())


def window_summary(start: dt.datetime, end: dt.datetime | None = None, *,
                   center: ServiceCenter | None = None) -> dict:
    """A visit window as the intake confirmation tells it: the date, the two-hour window, and the
    centre that comes (None while the ticket is not yet routed to one)."""
    end = end or start + WINDOW
    a = timezone.localtime(start)
    return {
        "start": a.isoformat(), "end": timezone.localtime(end).isoformat(), "date": a.date().isoformat(),
        "day": _("%(month)d月%(day)d日 %(weekday)s") % {"month": a.month, "day": a.day,
                                                        "weekday": WEEKDAYS[a.weekday()]},
        "window": window_label(start, end), "hours": window_hours_label(start, end),
        "center": ({"code": center.code, "name": center.name, "address": center.address, "phone": center.phone}
                   if center is not None else None),
    }


def appointment_summary(ticket: Ticket) -> dict | None:
    """The ticket's booked window with its centre (``window_summary``), or None. One query."""
    appointment = (Appointment.objects.filter(ticket_id=ticket.pk, status=Appointment.Status.BOOKED)
                   .select_related("slot__center").first())
    if appointment is None:
        return None
    return {"booked": True, "pending": False,
            **window_summary(appointment.start, appointment.end, center=appointment.slot.center)}


def appointment_label(ticket: Ticket) -> str:
    appointment = ticket_appointment(ticket)
    return window_label(appointment.start, appointment.end) if appointment else ""


@dataclass(frozen=True)
class VisitStage:
    """How far the technician's visit has come once he set off: ``en_route`` (with the expected
    arrival), ``arrived`` or ``done``."""

    state: str
    at: dt.datetime | None = None
    eta: dt.datetime | None = None

    def refusal(self) -> str:
        """Why the customer's link no longer moves or cancels the visit."""
        if self.state == "done":
            return _("上门服务已完成，不能在线改约；如需再次上门，请致电服务网点。")
        if self.state == "arrived":
            return _("工程师已到达，不能在线改约或取消。")
        return _("工程师已出发，不能在线改约或取消；如有变化请联系工程师。")


def visit_stage(ticket: Ticket, *, appointment: Appointment | None = None) -> VisitStage | None:
    """Where the ticket's latest visit stands once the technician has set off, or None before that.

    The visit is done when the technician checked out or the job was handed back (resolved). A
    visit that ended before ``appointment`` (a booked return visit) was booked no longer speaks for
    it: the new appointment is still ahead. One query.
    """
    visit = (RepairVisit.objects.filter(Q(departed_at__isnull=False) | Q(checked_in_at__isnull=False),
                                        ticket_id=ticket.pk)
             .only("departed_at", "checked_in_at", "checked_out_at", "eta_at").order_by("-created_at", "-pk")
             .first())
    if visit is None:
        return None
    if visit.checked_out_at is not None:
        if (appointment is not None and appointment.status == Appointment.Status.BOOKED
                and appointment.created_at > visit.checked_out_at):
            return None
        return VisitStage(state="done", at=visit.checked_out_at)
    if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED):
        # handed back on site: the visit ended with the job, checked out or not
        return VisitStage(state="done", at=ticket.resolved_at)
    if visit.checked_in_at is not None:
        return VisitStage(state="arrived", at=visit.checked_in_at)
    return VisitStage(state="en_route", at=visit.departed_at, eta=visit.eta_at)


def needs_visit(ticket: Ticket) -> bool:
    """Only on-site jobs are visits at the customer's address; a walk-in books a counter time too."""
    return ticket.service_mode in (ServiceMode.ON_SITE, ServiceMode.WALK_IN, "")


# A customer books a first time only before the work has begun: once the device is at the counter,
# being repaired or waiting to be collected, a visit or counter time is the centre's to arrange.
BOOKABLE_STATES = frozenset({Ticket.Status.NEW, Ticket.Status.TRIAGED, Ticket.Status.ASSIGNED,
                             Ticket.Status.REOPENED})


def customer_may_book(ticket: Ticket) -> bool:
    return ticket.status in BOOKABLE_STATES and needs_visit(ticket)


def may_change(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """The customer may move or cancel an appointment until ``LEAD`` before it starts."""
    return (appointment.status == Appointment.Status.BOOKED
            and (now or timezone.now()) < appointment.start - LEAD)


def technician_day(*, technician: Technician, day: dt.date):
    """The technician's booked visits of ``day`` with what the route needs, in one query."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), tz)
    return (Appointment.objects.filter(status__in=[Appointment.Status.BOOKED, Appointment.Status.DONE],
                                       ticket__technician=technician, start__gte=start,
                                       start__lt=start + dt.timedelta(days=1))
            .select_related("ticket", "ticket__customer").order_by("start", "pk"))


def appointments_due_reminder(*, now: dt.datetime):
    """Booked appointments of tomorrow not reminded yet (asked once the evening has come)."""
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min), tz)
    return (Appointment.objects.filter(status=Appointment.Status.BOOKED, reminded_at__isnull=True,
                                       start__gte=start, start__lt=start + dt.timedelta(days=1))
            .filter(~Q(ticket__status__in=Ticket.CLOSED_STATES)))


def short_hours(start: dt.datetime, end: dt.datetime) -> str:
    """14-16点: the reminder already says which day."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    return _("%(a)s-%(b)s点") % {"a": a.hour, "b": b.hour}
