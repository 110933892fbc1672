"""Customers racing for the last place of a window (PostgreSQL: real row locks, real commits)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from repairs.scheduling.models import Appointment, AppointmentSlot, WindowCapacity
from repairs.scheduling.services import WindowFull, appointment_book

from .conftest import at, make_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(tickets, start):
    barrier = threading.Barrier(len(tickets))
    outcomes: list[str] = []

    def book(ticket):
        barrier.wait()
        try:
            appointment_book(ticket=ticket, start=start)
            outcomes.append("booked")
        except WindowFull:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.parametrize("capacity", [1, 2])
def test_concurrent_customers_never_overbook_a_window(center, screen, tech, now, capacity):
    WindowCapacity.objects.create(center=center, skill="screen", capacity=capacity)
    tickets = [make_ticket(center, screen) for _ in range(6)]
    # the window's row does not exist yet: the first bookings also race to create it
    outcomes = _race(tickets, at(3, 13))
    assert outcomes == ["booked"] * capacity + ["full"] * (6 - capacity)
    slot = AppointmentSlot.objects.get()
    assert slot.booked == capacity
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == capacity
