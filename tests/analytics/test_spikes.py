"""Fault-spike detection: the Poisson upper tail against hand values, and the alert with its evidence."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests import factories
from tickets.analytics.models import FaultSpikeAlert, TicketDailyRollup
from tickets.analytics.spikes import poisson_upper_tail, spikes_detect
from tickets.models import OutboxMessage, Ticket

pytestmark = pytest.mark.django_db


def test_poisson_upper_tail_matches_hand_values():
    # P(X >= 5 | 1) = 1 - e^-1 (1 + 1 + 1/2 + 1/6 + 1/24)
    assert poisson_upper_tail(5, 1.0) == pytest.approx(1 - math.exp(-1) * (1 + 1 + 0.5 + 1 / 6 + 1 / 24))
    assert poisson_upper_tail(5, 1.0) == pytest.approx(0.00366, abs=1e-5)
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(2, 2.0) == pytest.approx(1 - math.exp(-2) * 3)


def _week(n_weeks_ago: int, today: dt.date) -> dt.date:
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(days=7 * n_weeks_ago)


@pytest.fixture
def quality_user(db):
    user = factories.UserFactory(username="pq", email="pq@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name="产品质量"))
    return user


def test_a_spike_raises_one_alert_with_its_tickets_and_notifies_quality(quality_user):
    now = timezone.now()
    today = timezone.localdate(now)
    model, fault, other = (factories.ProductModelFactory(), factories.FaultCategoryFactory(),
                           factories.FaultCategoryFactory())
    # baseline: one ticket a week for 8 weeks; the tested week (last complete one) has 6
    for i in range(2, 10):
        TicketDailyRollup.objects.create(day=_week(i, today), product_model=model, fault_category=fault, created=1)
    tested = _week(1, today)
    TicketDailyRollup.objects.create(day=tested, product_model=model, fault_category=fault, created=6)
    # another fault with 4 in the week: improbable too, but under the minimum count
    TicketDailyRollup.objects.create(day=tested, product_model=model, fault_category=other, created=4)
    start = dt.datetime.combine(tested, dt.time(10), tzinfo=timezone.get_current_timezone())
    evidence = []
    for _i in range(6):
        t = factories.TicketFactory(product_model=model)
        Ticket.objects.filter(pk=t.pk).update(created_at=start, fault_category=fault)
        evidence.append(t.pk)

    (alert,) = spikes_detect(now=now)
    assert (alert.count, alert.baseline) == (6, 1.0)
    assert alert.p_value == pytest.approx(poisson_upper_tail(6, 1.0))
    assert sorted(alert.ticket_ids) == sorted(evidence)
    assert OutboxMessage.objects.filter(event="analytics.fault_spike", user=quality_user).count() == 1
    assert spikes_detect(now=now) == []  # once per model × fault × week
    assert FaultSpikeAlert.objects.count() == 1


def test_quality_home_shows_open_alerts(client, quality_user):
    model, fault = factories.ProductModelFactory(), factories.FaultCategoryFactory()
    FaultSpikeAlert.objects.create(product_model=model, fault_category=fault, week_start=dt.date(2026, 3, 2),
                                   count=9, baseline=1.5, p_value=0.0001, ticket_ids=[1, 2])
    client.force_login(quality_user)
    page = client.get("/admin/").content.decode()
    assert "故障突增预警（待核查）" in page
    assert "id__in=1%2C2" in page or "id__in=1,2" in page
