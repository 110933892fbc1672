"""Booking, moving and cancelling appointment windows on the business calendar, with capacity,
the SLA effect and the customer's messages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from repairs.scheduling import selectors
from repairs.scheduling.models import Appointment, AppointmentSlot, WindowCapacity
from repairs.scheduling.services import (
    WindowFull,
    appointment_book,
    appointment_cancel,
    appointments_remind,
)
from tickets.exceptions import PermissionDeniedError, ValidationFailed
from tickets.models import CalendarDay, OutboxMessage, SlaClock, SlaLedgerEntry, TicketEvent

from .conftest import at, make_ticket

pytestmark = pytest.mark.django_db


def test_windows_are_two_hours_inside_opening_hours_and_skip_rest_days(center, screen, now):
    windows = selectors.center_windows(center=center, skill="screen", now=now, days=4)
    starts = [w.start for w in windows]
    # today from 11:30 on (two hours lead), Thursday, Friday; Saturday and Sunday rest
    assert starts[0] == at(2, 13)
    assert [w.start.hour for w in windows if w.start.date() == dt.date(2026, 12, 3)] == [9, 11, 13, 15]
    assert not any(w.start.weekday() >= 5 for w in windows)
    assert all(w.end - w.start == dt.timedelta(hours=2) for w in windows)


def test_make_up_working_day_opens_windows_and_holiday_closes_them(center, now):
    CalendarDay.objects.create(date=dt.date(2026, 12, 5), is_rest_day=False, name="调休")  # a Saturday
    CalendarDay.objects.create(date=dt.date(2026, 12, 3), is_rest_day=True, name="假日")  # a Thursday
    days = {w.start.date() for w in selectors.center_windows(center=center, skill="", now=now, days=4)}
    assert dt.date(2026, 12, 5) in days
    assert dt.date(2026, 12, 3) not in days


def test_capacity_defaults_to_technicians_with_the_skill_and_can_be_configured(center, tech, now):
    assert selectors.slot_capacity(center=center, skill="screen") == 1
    WindowCapacity.objects.create(center=center, skill="screen", capacity=3)
    assert selectors.slot_capacity(center=center, skill="screen") == 3


def test_book_takes_a_place_and_writes_the_event(ticket, tech):
    appointment = appointment_book(ticket=ticket, start=at(3, 14 - 1))
    assert appointment.status == Appointment.Status.BOOKED
    assert (appointment.start, appointment.end) == (at(3, 13), at(3, 15))
    slot = AppointmentSlot.objects.get()
    assert (slot.capacity, slot.booked) == (1, 1)
    event = TicketEvent.objects.get(ticket=ticket, kind="appointment.booked")
    assert event.customer_visible
    assert "12月3日13-15点" in event.message
    # booking the same window again changes nothing
    assert appointment_book(ticket=ticket, start=at(3, 13)).pk == appointment.pk
    assert AppointmentSlot.objects.get().booked == 1


def test_a_full_window_is_refused_and_nothing_changes(center, screen, ticket, tech):
    appointment_book(ticket=ticket, start=at(3, 13))
    other = make_ticket(center, screen)
    with pytest.raises(WindowFull, match="已约满"):
        appointment_book(ticket=other, start=at(3, 13))
    assert not Appointment.objects.filter(ticket=other).exists()
    assert AppointmentSlot.objects.get().booked == 1


@pytest.mark.parametrize(("start", "message"), [
    (at(2, 10), "小时以后"),  # inside the lead time
    (at(5, 9), "没有可预约的时段"),  # Saturday
    (at(3, 10), "没有可预约的时段"),  # not a window start
    (at(30, 9), "天内"),  # beyond the horizon
])
def test_bad_windows_get_a_clear_error(ticket, start, message):
    with pytest.raises(ValidationFailed, match=message):
        appointment_book(ticket=ticket, start=start)
    assert not Appointment.objects.exists()


def test_reschedule_moves_the_place_and_cancel_frees_it(ticket, tech):
    appointment_book(ticket=ticket, start=at(3, 9))
    moved = appointment_book(ticket=ticket, start=at(4, 15))
    assert Appointment.objects.get(start=at(3, 9)).status == Appointment.Status.RESCHEDULED
    assert dict(AppointmentSlot.objects.values_list("start", "booked")) == {at(3, 9): 0, at(4, 15): 1}
    appointment_cancel(ticket=ticket)
    moved.refresh_from_db()
    assert moved.status == Appointment.Status.CANCELLED
    assert AppointmentSlot.objects.get(start=at(4, 15)).booked == 0


def test_the_customer_cannot_change_within_two_hours_but_the_dispatcher_can(ticket, tech, dispatcher):
    appointment_book(ticket=ticket, start=at(3, 9))
    with time_machine.travel(at(3, 7, 30), tick=False):
        with pytest.raises(ValidationFailed, match="不足 2 小时"):
            appointment_cancel(ticket=ticket)
        with pytest.raises(ValidationFailed, match="不足 2 小时"):
            appointment_book(ticket=ticket, start=at(4, 9))
        dispatcher.groups.add()  # the dispatcher books for the customer on the phone
        moved = appointment_book(ticket=ticket, start=at(4, 9), by=dispatcher, source=Appointment.Source.DISPATCHER)
    assert moved.source == Appointment.Source.DISPATCHER
    assert moved.booked_by == dispatcher


def test_a_technician_cannot_book_for_the_customer(ticket, tech):
    with pytest.raises(PermissionDeniedError):
        appointment_book(ticket=ticket, start=at(3, 9), by=tech.user)


def test_an_appointment_inside_the_response_target_meets_it(ticket):
    clock = SlaClock.objects.get(ticket=ticket)
    assert clock.due_response_at is not None
    assert clock.responded_at is None
    start = max(w.start for w in selectors.center_windows(center=ticket.service_center, skill="screen")
                if w.start <= clock.due_response_at)
    appointment_book(ticket=ticket, start=start)
    clock.refresh_from_db()
    assert clock.responded_at is not None
    assert SlaLedgerEntry.objects.filter(ticket=ticket, kind=SlaLedgerEntry.Kind.RESPONDED, data__met=True).exists()


def test_a_later_window_chosen_by_the_customer_pauses_the_clock(ticket):
    clock = SlaClock.objects.get(ticket=ticket)
    appointment_book(ticket=ticket, start=at(7, 15))  # next Monday, after the response target
    clock.refresh_from_db()
    assert clock.state == SlaClock.State.PAUSED
    entry = SlaLedgerEntry.objects.filter(ticket=ticket, kind=SlaLedgerEntry.Kind.PAUSE).latest("pk")
    assert "客户选择较晚的上门时段 12月7日15-17点" in entry.reason
    from repairs.scheduling.services import appointments_open_windows

    with time_machine.travel(at(7, 15, 1), tick=False):
        assert appointments_open_windows() == 1
    clock.refresh_from_db()
    assert clock.state == SlaClock.State.RUNNING


def _sms(ticket):
    return list(OutboxMessage.objects.filter(ticket=ticket, channel="sms", customer__isnull=False)
                .order_by("pk").values_list("milestone", "body"))


def test_assigned_message_carries_engineer_and_window_then_one_reminder(ticket, tech, settings):
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    settings.SITE_URL = "https://fw.example.cn"
    appointment_book(ticket=ticket, start=at(3, 13))
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=ticket.fault_category)
    dispatch_to(ticket=ticket, technician=tech, by=None)
    sent = dict(_sms(ticket))
    assert "appointment" not in sent  # the first booking is told by the "assigned" message
    assert "已安排工程师李工，预约12月3日13-15点" in sent["assigned"]
    assert len(sent["assigned"]) <= 70
    with time_machine.travel(at(2, 17), tick=False):
        assert appointments_remind() == 0  # not evening yet
    with time_machine.travel(at(2, 18, 5), tick=False):
        assert appointments_remind() == 1
        assert appointments_remind() == 0
    sent = dict(_sms(ticket))
    assert "提醒：明天13-15点工程师李工上门" in sent["reminder"]
    assert len(sent["reminder"]) <= 70


def test_a_move_after_the_assigned_message_is_confirmed_once(ticket, tech, settings):
    from repairs.dispatch.services import dispatch_to
    from tickets.services import ticket_triage

    settings.SITE_URL = "https://fw.example.cn"
    ticket = ticket_triage(ticket=ticket, by=None, fault_category=ticket.fault_category)
    dispatch_to(ticket=ticket, technician=tech, by=None)
    appointment_book(ticket=ticket, start=at(4, 9))
    appointment_book(ticket=ticket, start=at(4, 11))
    confirmations = [body for milestone, body in _sms(ticket) if milestone == "appointment"]
    assert len(confirmations) == 1
    assert "上门时间已约在12月4日9-11点" in confirmations[0]
    assert len(confirmations[0]) <= 70
