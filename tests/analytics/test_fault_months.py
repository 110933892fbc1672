"""The frequent-faults report reads whole months of the monthly rollup, kept equal to the daily rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db.models import Sum

from tests import factories
from tickets.analytics import selectors
from tickets.analytics.models import FaultMonthlyRollup, TicketDailyRollup
from tickets.analytics.selectors import Period
from tickets.analytics.tasks import rollup_range
from tickets.models import Ticket

from .test_figures import PERIOD, D, at, data, values  # noqa: F401 - the fixed data set and its helpers

pytestmark = pytest.mark.django_db


def test_monthly_rows_equal_the_daily_rows_per_centre_and_overall(data):  # noqa: F811
    daily = TicketDailyRollup.objects.filter(product_model__isnull=False)
    monthly = FaultMonthlyRollup.objects.filter(month=D.replace(day=1))
    assert monthly.filter(all_centres=True).aggregate(n=Sum("created"))["n"] == daily.aggregate(n=Sum("created"))["n"] == 4
    per_centre = {(r["center_id"], r["fault_category_id"]): r["created"]
                  for r in monthly.filter(all_centres=False).values("center_id", "fault_category_id", "created")}
    a, b, f1, f2 = data["a"].pk, data["b"].pk, data["f1"].pk, data["f2"].pk
    assert per_centre == {(a, f1): 2, (b, f2): 1, (a, f2): 1}
    # recomputing the same days replaces the month's rows, never adds to them
    rollup_range(D, D + dt.timedelta(days=1))
    assert monthly.filter(all_centres=True).aggregate(n=Sum("created"))["n"] == 4


def test_the_report_counts_whole_months_and_scopes_a_manager(data, superuser):  # noqa: F811
    later = factories.TicketFactory(product_model=data["m1"])
    Ticket.objects.filter(pk=later.pk).update(service_center=data["b"], fault_category=data["f2"],
                                              product_model=data["m1"], created_at=at(20, 9))
    rollup_range(D + dt.timedelta(days=20), D + dt.timedelta(days=20))
    # a period of two days in March still reads the whole of March (the columns are months)
    table = selectors.faults_by_model_month(user=superuser, period=PERIOD)
    assert sorted(values(table)) == [["华为 M1", "屏幕故障", 2, 2], ["华为 M1", "电池故障", 3, 3]]
    assert "2026-03-01" in table.note
    assert "2026-03-31" in table.note
    manager = factories.UserFactory(username="fm-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="网点经理"))
    data["a"].managers.add(manager)
    mine = selectors.faults_by_model_month(user=manager, period=Period(D, D + dt.timedelta(days=30)))
    assert sorted(values(mine)) == [["华为 M1", "屏幕故障", 2, 0, 2], ["华为 M1", "电池故障", 1, 0, 1]]  # March, April


def test_a_year_of_the_report_is_one_query(data, superuser, django_assert_num_queries):  # noqa: F811
    with django_assert_num_queries(1):
        selectors.faults_by_model_month(user=superuser, period=Period(D - dt.timedelta(days=365), D))


def test_the_faults_page_over_a_year_costs_a_pinned_number_of_queries(client, data, superuser,  # noqa: F811
                                                                         django_assert_num_queries):
    from django.urls import reverse

    client.force_login(superuser)
    year = {"start": (D - dt.timedelta(days=365)).isoformat(), "end": D.isoformat()}
    client.get(reverse("admin:analytics_faults"), year)
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("admin:analytics_faults"), year).status_code == 200


# session, user, the report's one read of the monthly rollup, and the branding lookup of the page chrome
PAGE_QUERIES = 4
