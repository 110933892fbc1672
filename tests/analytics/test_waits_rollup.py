"""The waits report reads duration histograms: per centre and day, summed per centre and month by the schedule.

Hand-computed on the fixed data set of ``test_figures`` (centre A: responses of 30 and 120 minutes, an arrival
after 120, resolutions after 1440 and 1800; centre B: a response after 10 minutes, t3 still open).
"""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest
from django.urls import reverse

from tests import factories
from tickets.analytics import histogram, selectors
from tickets.analytics.models import CentreDailyRollup, CentreMonthlyRollup
from tickets.analytics.selectors import Period, split_months
from tickets.analytics.tasks import analytics_refresh, rollup_range
from tickets.models import Ticket, TicketEvent

from .test_figures import PERIOD, D, at, data, values  # noqa: F401 - the fixed data set and its helpers

pytestmark = pytest.mark.django_db


def nearest_rank(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_histogram_is_exact_below_two_hours_and_within_its_stated_error_above():
    rng = random.Random(7)
    short = [rng.randrange(0, histogram.EXACT) for _ in range(500)]
    assert histogram.quantile(histogram.build(short), 0.5) == nearest_rank(short, 0.5)
    assert histogram.quantile(histogram.build(short), 0.9) == nearest_rank(short, 0.9)
    for _ in range(200):
        waits = [int(rng.lognormvariate(7, 1.5)) for _ in range(rng.randrange(1, 300))]
        for q in (0.5, 0.9):
            exact = nearest_rank(waits, q)
            assert abs(histogram.quantile(histogram.build(waits), q) - exact) <= histogram.RELATIVE_ERROR * exact
    # summed histograms are the histogram of the pooled durations
    a, b = [5, 300, 7000], [5, 1440, 2 ** 22]
    assert histogram.merge([histogram.build(a), histogram.build(b), []]) == histogram.build(a + b)
    assert histogram.quantile([], 0.5) is None
    assert histogram.build([2 ** 22])[-1] == 1
    assert len(histogram.build([2 ** 22])) == histogram.SIZE


def test_a_period_splits_into_its_whole_months_and_the_days_around_them():
    months, edges = split_months(Period(dt.date(2025, 11, 26), dt.date(2026, 11, 26)))
    assert months == Period(dt.date(2025, 12, 1), dt.date(2026, 10, 31))
    assert edges == [Period(dt.date(2025, 11, 26), dt.date(2025, 11, 30)),
                     Period(dt.date(2026, 11, 1), dt.date(2026, 11, 26))]
    assert split_months(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))) == (
        Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), [])
    assert split_months(PERIOD) == (None, [PERIOD])


def test_daily_rows_hold_counts_and_histograms_and_the_month_is_their_sum(data):  # noqa: F811
    a = data["a"].pk
    day = CentreDailyRollup.objects.get(day=D, center_id=a)
    assert (day.responded, day.responded_on_time) == (2, 1)
    assert day.response_histogram == histogram.build([30, 120])
    assert day.arrival_histogram == histogram.build([120])
    following = CentreDailyRollup.objects.get(day=D + dt.timedelta(days=1), center_id=a)
    assert (following.resolved, following.resolved_on_time) == (2, 1)
    month = CentreMonthlyRollup.objects.get(month=D.replace(day=1), center_id=a)
    assert (month.responded, month.responded_on_time, month.resolved, month.resolved_on_time) == (2, 1, 2, 1)
    assert month.resolution_histogram == histogram.build([1440, 1800])
    assert CentreMonthlyRollup.objects.get(month=D.replace(day=1), center_id=data["b"].pk).responded == 1
    # the heatmap's hours summed by weekday: t1 received Tuesday 09:00, T1 at work Tuesday 11:00, the
    # complaint Wednesday 21:00; the days of D and D+1 had rows
    assert month.weekday_tickets[1 * 24 + 9] == 1
    assert month.weekday_technicians[1 * 24 + 11] == 1
    assert month.weekday_complaints[2 * 24 + 21] == 1
    assert sum(month.weekday_complaints) == 1
    assert month.days == [10, 11]
    # recomputing the same days replaces the month's rows, never adds to them
    rollup_range(D, D + dt.timedelta(days=1))
    assert CentreMonthlyRollup.objects.filter(month=D.replace(day=1)).count() == 2
    assert CentreMonthlyRollup.objects.get(month=D.replace(day=1), center_id=a).responded == 2


def test_whole_months_and_partial_days_give_the_hand_computed_figures(data, superuser):  # noqa: F811
    # a ticket of centre B in April, resolved after 47 hours (2820 min: bucket [2816, 2848), read as 47.2 h)
    later = factories.TicketFactory()
    Ticket.objects.filter(pk=later.pk).update(service_center=data["b"], created_at=at(25, 11),
                                              first_response_at=at(25, 11, 50), due_response_at=at(25, 12),
                                              resolved_at=at(27, 10), due_resolution_at=at(27, 11),
                                              status="resolved")
    rollup_range(D + dt.timedelta(days=25), D + dt.timedelta(days=27))
    # March whole from the monthly row, 1-10 April from the daily rows
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 4, 10))
    by_region, by_centre = selectors.waits(user=superuser, period=period)
    rows = {r[0]: r[1:] for r in values(by_centre)}
    assert rows["甲网点"] == [2, 0.5, 2.0, 1, 2.0, 2.0, 2, 24.1, 30.0, 50.0, 50.0]
    # B: responses after 10 and 50 minutes (P90 50), one resolution of 47 h, both on time
    assert rows["乙网点"] == [2, 0.2, 0.8, 0, None, None, 1, 47.2, 47.2, 100.0, 100.0]
    regions = {r[0]: r[1:] for r in values(by_region)}
    assert regions["华北"] == rows["乙网点"]
    # the heatmap over the same split reads the same hours as over the days alone, plus April's ticket
    # (Saturday 25 days on, 11:00); March's two days count once each as a Tuesday and a Wednesday
    heat = selectors.complaint_heatmap(user=superuser, period=period)
    days_only = selectors.complaint_heatmap(user=superuser, period=PERIOD)
    assert (heat.total, heat.complaints) == (days_only.total, days_only.complaints) == (1, heat.complaints)
    assert heat.complaints[2][21] == 1
    assert heat.tickets[1][9] == days_only.tickets[1][9] == 1.0
    assert heat.tickets[(D + dt.timedelta(days=25)).weekday()][11] == 1.0
    assert heat.technicians[1][11] == 1.0
    # a period of the days only: April's ticket is outside
    only_march = {r[0]: r[1:] for r in values(selectors.waits(user=superuser, period=PERIOD)[1])}
    assert only_march["乙网点"][:3] == [1, 0.2, 0.2]


def test_the_schedule_updates_the_month_after_a_ticket_changes(data, superuser):  # noqa: F811
    now = at(3, 12)
    analytics_refresh(now=now, backfill_days=10)
    month = D.replace(day=1)
    b = data["b"].pk
    assert CentreMonthlyRollup.objects.get(month=month, center_id=b).resolved == 0
    # t3 (centre B, created D 11:00) is resolved on D+3 at 13:00 (74 h = 4440 min: bucket [4416, 4448), 74.1 h),
    # past its due time; its timeline records it, which is how the schedule finds the day changed
    t3 = data["tickets"][2]
    Ticket.objects.filter(pk=t3.pk).update(resolved_at=at(3, 13), due_resolution_at=at(2, 11), status="resolved")
    TicketEvent.objects.create(ticket=t3, kind="resolved", created_at=at(3, 13))
    analytics_refresh(now=at(3, 13, 15))
    row = CentreMonthlyRollup.objects.get(month=month, center_id=b)
    assert (row.resolved, row.resolved_on_time, row.resolution_histogram) == (1, 0, histogram.build([4440]))
    by_centre = {r[0]: r[1:] for r in values(selectors.waits(user=superuser, period=Period(month, dt.date(2026, 3, 31)))[1])}
    assert by_centre["乙网点"][6:] == [1, 74.1, 74.1, 100.0, 0.0]
    # a second run with nothing new changes nothing
    analytics_refresh(now=at(3, 13, 30))
    assert CentreMonthlyRollup.objects.get(month=month, center_id=b).resolved == 1


def test_a_year_of_waits_is_two_queries_however_many_rows(data, superuser, django_assert_num_queries):  # noqa: F811
    year = Period(D - dt.timedelta(days=365), D)
    with django_assert_num_queries(2):
        selectors.waits(user=superuser, period=year)
    for offset in range(-200, 0, 17):
        t = factories.TicketFactory()
        Ticket.objects.filter(pk=t.pk).update(service_center=data["a"], created_at=at(offset, 9),
                                              first_response_at=at(offset, 10), resolved_at=at(offset + 1, 9))
        rollup_range((D + dt.timedelta(days=offset)), D + dt.timedelta(days=offset + 1))
    with django_assert_num_queries(2):
        by_region, by_centre = selectors.waits(user=superuser, period=year)
    assert {r[0]: r[1] for r in values(by_centre)}["甲网点"] == 2 + 12


def test_the_waits_page_and_export_over_a_year_cost_a_pinned_number_of_queries(client, data, superuser,  # noqa: F811
                                                                               django_assert_num_queries):
    client.force_login(superuser)
    year = {"start": (D - dt.timedelta(days=365)).isoformat(), "end": D.isoformat()}
    client.get(reverse("admin:analytics_waits"), year)
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(reverse("admin:analytics_waits"), year)
    assert page.status_code == 200
    # each centre row drills down to its tickets resolved in the period
    assert f"service_center__id__exact={data['a'].pk}" in page.content.decode()
    with django_assert_num_queries(PAGE_QUERIES - 1):  # the file has no page chrome
        assert client.get(reverse("admin:analytics_waits"), {**year, "export": "xlsx"}).content[:2] == b"PK"


# session, user, the monthly and the daily wait rows, and the branding lookup of the page chrome
PAGE_QUERIES = 5
