"""The analytics figures against values computed by hand on a small fixed data set.

Local days (Asia/Shanghai): D = Tuesday 2026-03-10, D+1 = Wednesday.
- t1: centre A, M1 × F1, created D 09:00, first response 09:30 (30 min, due 10:00: on time),
  check-in by T1 at D 11:00 (120 min, due 10:00: late), resolved D+1 09:00 (1440 min, due D+2: on time), by T1.
- t2: centre A, M1 × F1, created D 10:00, first response 12:00 (120 min, due 11:00: late),
  resolved D+1 16:00 (1800 min, due D+1 12:00: late), by T1 after one rework.
- t3: centre B, M1 × F2, created D 11:00, first response 11:10 (10 min, on time), open.
- t4: centre A, M1 × F2, created D+1 18:00 on t1's device: a repeat of T1's job 9 hours after it.
- answers on D+1: t1 at 20:00 (5, 4, 2; NPS 10), t2 at 21:00 (1, 2, 1; NPS 3; complaint).
- parts: 2 of part P fitted at centre A on D; one stock-out alert at A on D.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from tickets.analytics import selectors
from tickets.analytics.selectors import Period
from tickets.analytics.tasks import analytics_refresh, rollup_range
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 10)


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(D + dt.timedelta(days=day_offset), dt.time(hour, minute),
                               tzinfo=timezone.get_current_timezone())


@pytest.fixture
def data(db):
    from parts.models import LowStockAlert, StockMovement
    from repairs.models import RepairVisit
    from surveys.models import Invitation, Response, Survey

    a = factories.ServiceCenterFactory(name="甲网点", region="east")
    b = factories.ServiceCenterFactory(name="乙网点", region="north")
    m1 = factories.ProductModelFactory(brand="华为", name="M1")
    f1 = factories.FaultCategoryFactory(name="屏幕故障")
    f2 = factories.FaultCategoryFactory(name="电池故障")
    t1_tech = factories.TechnicianFactory(center=a, name="技师甲")
    device = factories.DeviceFactory(product_model=m1)

    def ticket(centre, fault, created, *, device=None, **fields):
        t = factories.TicketFactory(product_model=m1, device=device)
        Ticket.objects.filter(pk=t.pk).update(service_center=centre, fault_category=fault, created_at=created,
                                              product_model=m1, **fields)
        return Ticket.objects.get(pk=t.pk)

    t1 = ticket(a, f1, at(0, 9), device=device, first_response_at=at(0, 9, 30), due_response_at=at(0, 10),
                resolved_at=at(1, 9), due_resolution_at=at(2, 9), technician=t1_tech, status="resolved")
    t2 = ticket(a, f1, at(0, 10), first_response_at=at(0, 12), due_response_at=at(0, 11), resolved_at=at(1, 16),
                due_resolution_at=at(1, 12), technician=t1_tech, rework_count=1, status="resolved")
    t3 = ticket(b, f2, at(0, 11), first_response_at=at(0, 11, 10), due_response_at=at(0, 12))
    t4 = ticket(a, f2, at(1, 18), device=device)
    RepairVisit.objects.create(ticket=t1, technician=t1_tech, checked_in_at=at(0, 11))
    survey = Survey.objects.create(name="默认")
    for t, scores, nps, complaint, when in ((t1, (5, 4, 2), 10, False, at(1, 20)), (t2, (1, 2, 1), 3, True, at(1, 21))):
        inv = Invitation.objects.create(ticket=t, survey=survey, expires_at=at(9, 0))
        r = Response.objects.create(invitation=inv, ticket=t, speed=scores[0], attitude=scores[1], result=scores[2],
                                    nps=nps, is_complaint=complaint, center=a, technician=t1_tech,
                                    fault_category=f1, product_model=m1)
        Response.objects.filter(pk=r.pk).update(created_at=when)
    part = factories.PartFactory(sku="P-1", name="屏幕总成")
    loc = factories.LocationFactory(center=a)
    mv = StockMovement.objects.create(part=part, location=loc, kind="consume", on_hand_delta=-2)
    StockMovement.objects.filter(pk=mv.pk).update(created_at=at(0, 14))
    LowStockAlert.objects.create(part=part, location=loc, day=D, available=0, reorder_point=3)
    rollup_range(D, D + dt.timedelta(days=1))
    return {"a": a, "b": b, "m1": m1, "f1": f1, "f2": f2, "tech": t1_tech, "tickets": (t1, t2, t3, t4)}


PERIOD = Period(D, D + dt.timedelta(days=1))


def values(table):
    return [[c.value for c in row] for row in table.rows]


def test_faults_by_model_and_month(data, superuser):
    table = selectors.faults_by_model_month(user=superuser, period=PERIOD)
    assert values(table) == [["华为 M1", "屏幕故障", 2, 2], ["华为 M1", "电池故障", 2, 2]] or \
        values(table) == [["华为 M1", "电池故障", 2, 2], ["华为 M1", "屏幕故障", 2, 2]]
    assert "product_model__id__exact" in table.rows[0][2].url


def test_waits_median_p90_and_on_time(data, superuser):
    by_region, by_centre = selectors.waits(user=superuser, period=PERIOD)
    rows = {r[0]: r[1:] for r in values(by_centre)}
    # response n, median h, P90 h | arrival n, median, P90 | resolution n, median, P90 | on-time %
    # Waits under two hours are exact; 1440 min falls in the histogram bucket [1440, 1456) and reads as its
    # middle, 1447.5 min = 24.1 h; 1800 min in [1792, 1808) reads as 1799.5 min = 30.0 h.
    assert rows["甲网点"] == [2, 0.5, 2.0, 1, 2.0, 2.0, 2, 24.1, 30.0, 50.0, 50.0]
    assert rows["乙网点"] == [1, 0.2, 0.2, 0, None, None, 0, None, None, 100.0, None]
    regions = {r[0]: r[1:] for r in values(by_region)}
    assert regions["华东"][:3] == [2, 0.5, 2.0]


def test_technician_performance(data, superuser):
    table = selectors.technician_performance(user=superuser, period=PERIOD)
    (row,) = values(table)
    # jobs, first-time fix, repeat 30, repeat 90, on-time arrival, CSAT, NPS, complaints
    assert row == ["技师甲", "甲网点", 2, 50.0, 50.0, 50.0, 0.0, 33.3, 0.0, 1]


def test_satisfaction_by_fault_and_centre(data, superuser):
    by_fault, by_centre = selectors.satisfaction(user=superuser, period=PERIOD)
    assert values(by_fault) == [["屏幕故障", 6, 33.3, 2, 0.0, 1]]
    assert values(by_centre) == [["甲网点", 6, 33.3, 2, 0.0, 1]]


def test_complaint_heatmap(data, superuser):
    heat = selectors.complaint_heatmap(user=superuser, period=PERIOD)
    assert heat.total == 1
    assert heat.complaints[2][21] == 1  # Wednesday 21:00
    assert heat.weekend_share == 0.0
    assert heat.tickets[1][9] == 1.0  # t1 on Tuesday 09:00
    assert heat.technicians[1][11] == 1.0  # T1 checked in on Tuesday 11:00


def test_parts_consumption_and_stockouts(data, superuser):
    assert values(selectors.parts_consumption(user=superuser, period=PERIOD)) == [["P-1", "屏幕总成", 2, 1]]


def test_manager_sees_only_their_centre(data, manager):
    data["b"].managers.add(manager)
    by_region, by_centre = selectors.waits(user=manager, period=PERIOD)
    assert [r[0] for r in values(by_centre)] == ["乙网点"]
    assert selectors.technician_performance(user=manager, period=PERIOD).rows == []


def test_refresh_recomputes_changed_days_without_double_counting(data, superuser):
    now = at(3, 12)
    analytics_refresh(now=now, backfill_days=10)
    analytics_refresh(now=now + dt.timedelta(minutes=15))
    table = selectors.faults_by_model_month(user=superuser, period=PERIOD)
    assert sorted(r[-1] for r in values(table)) == [2, 2]


@pytest.mark.parametrize("page", ["faults", "waits", "technicians", "satisfaction", "heatmap", "parts", "spikes"])
def test_pages_render_and_drill_down(client, data, superuser, page):
    client.force_login(superuser)
    response = client.get(reverse(f"admin:analytics_{page}"), {"start": D.isoformat(),
                                                                "end": (D + dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    if page == "waits":
        assert "service_center__id__exact=" in response.content.decode()


def test_drill_down_lists_the_tickets_behind_a_figure(client, data, superuser):
    client.force_login(superuser)
    table = selectors.faults_by_model_month(user=superuser, period=PERIOD)
    url = next(r[-1].url for r in table.rows if r[1].value == "屏幕故障")
    page = client.get(url)
    assert page.status_code == 200
    t1, t2, t3, _t4 = data["tickets"]
    body = page.content.decode()
    assert t1.number in body
    assert t2.number in body
    assert t3.number not in body


def test_exports_csv_with_bom_and_xlsx(client, data, superuser):
    client.force_login(superuser)
    params = {"start": D.isoformat(), "end": (D + dt.timedelta(days=1)).isoformat()}
    csv = client.get(reverse("admin:analytics_technicians"), {**params, "export": "csv", "table": "technicians"})
    assert csv.content.startswith("\ufeff".encode())
    assert "技师甲" in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("admin:analytics_waits"), {**params, "export": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_export_neutralises_formulas():
    from tickets.analytics.export import neutralise

    assert neutralise("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert neutralise("+1") == "'+1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise(-3) == -3
    assert neutralise("华为") == "华为"


def test_agent_may_not_open_analytics(client, agent):
    client.force_login(agent)
    assert client.get(reverse("admin:analytics_waits")).status_code == 403


@pytest.mark.parametrize("page", ["faults", "waits", "technicians", "satisfaction", "heatmap", "parts"])
def test_pages_cost_constant_queries(client, superuser, page, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(superuser)
    url = reverse(f"admin:analytics_{page}")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    centre = factories.ServiceCenterFactory()
    for i in range(6):
        t = factories.TicketFactory()
        Ticket.objects.filter(pk=t.pk).update(service_center=centre, first_response_at=timezone.now(),
                                              resolved_at=timezone.now(), technician=factories.TechnicianFactory(
                                                  center=centre, name=f"T{i}"))
    analytics_refresh(backfill_days=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


#: A timestamp column turned into a local date in SQL (SQLite's function, PostgreSQL's cast).
DATE_CAST = re.compile(r'django_datetime_cast_date\(|AT TIME ZONE|_at"\)?::date')


def test_drill_downs_list_the_local_days_as_a_range_of_instants(client, data, superuser):
    # The lists behind the figures filter on [first midnight, the midnight after the last day) in local
    # time: the creation index answers it, where a date lookup would convert every row's timestamp
    # (and take the day in the database session's time zone).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(superuser)
    # every kind of link the pages give (tickets created or resolved, answers, stock movements) lists
    # as many rows as its figure counts, without a date cast
    faults = selectors.faults_by_model_month(user=superuser, period=PERIOD).rows[0][-1]
    technician = selectors.technician_performance(user=superuser, period=PERIOD).rows[0]
    jobs, complaints = technician[2], technician[-1]
    consumed = selectors.parts_consumption(user=superuser, period=PERIOD).rows[0][2]
    for cell, rows in ((faults, faults.value), (jobs, jobs.value), (complaints, complaints.value), (consumed, 1)):
        assert "__date" not in cell.url
        with CaptureQueriesContext(connection) as queries:
            response = client.get(cell.url)
        assert response.status_code == 200, cell.url
        assert response.context["cl"].result_count == rows, cell.url
        assert not [q["sql"] for q in queries.captured_queries if DATE_CAST.search(q["sql"])]

    t1, t2, _t3, _t4 = data["tickets"]
    f1 = data["f1"]

    def created(when):
        t = factories.TicketFactory(product_model=data["m1"])
        Ticket.objects.filter(pk=t.pk).update(fault_category=f1, created_at=when)
        return Ticket.objects.get(pk=t.pk)

    last_instant = created(at(1, 23, 59) + dt.timedelta(seconds=59))
    day_before = created(at(-1, 23, 59))
    day_after = created(at(2, 0))
    url = selectors.ticket_url(fault_category__id__exact=f1.pk, **selectors.days_filter("created_at", D, D + dt.timedelta(days=1)))
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    listed = {t.number for t in (t1, t2, last_instant, day_before, day_after) if t.number in body}
    assert listed == {t1.number, t2.number, last_instant.number}
    ticket_queries = [q["sql"] for q in queries.captured_queries if '"tickets_ticket"' in q["sql"]]
    assert ticket_queries
    assert not [sql for sql in ticket_queries if DATE_CAST.search(sql)]
