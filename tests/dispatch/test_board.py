"""The dispatch screen: every technician in the dispatcher's scope with skills, geodesic distance,
load, today's appointments, duty and app sign-in, ranked by the auto-dispatch's own score; one click
assigns a candidate, anyone else only with a typed reason (timeline + assignment log); a centre's
dispatcher sees only their centre's technicians; a constant number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import get_token_model

from repairs.dispatch.board import dispatch_board
from repairs.dispatch.selectors import dispatch_candidates
from repairs.models import Technician
from repairs.scheduling.models import Appointment, AppointmentSlot
from tests import factories
from tickets.geo import distance_km
from tickets.models import Ticket, TicketAssignment, TicketEvent

from .conftest import make_tech

pytestmark = pytest.mark.django_db


def _page(client, ticket: Ticket) -> str:
    return reverse("admin:tickets_dispatchqueueticket_pick", args=[ticket.pk])


@pytest.fixture
def crew(shanghai, beijing):
    """Shanghai: a senior and a junior candidate, one lacking the skill, one full, one off duty; Beijing:
    a technician of a centre that does not cover the ticket's area."""
    return {
        "best": make_tech(shanghai, name="上海甲", level=4, rating=Decimal("4.9"), skills=["screen"]),
        "junior": make_tech(shanghai, name="上海乙", level=1, rating=Decimal("3.5"), skills=["screen"]),
        "battery": make_tech(shanghai, name="上海电池", level=4, skills=["battery"]),
        "full": make_tech(shanghai, name="上海满载", level=4, skills=["screen"], capacity=1),
        "off": make_tech(shanghai, name="上海离岗", skills=["screen"], on_duty=False),
        "far": make_tech(beijing, name="北京甲", level=4, skills=["screen"]),
    }


@pytest.fixture
def ticket(crew, ticket_factory):
    TicketAssignment.objects.create(ticket=ticket_factory(), technician=crew["full"])
    return ticket_factory()


def test_the_board_ranks_by_the_auto_dispatch_score_and_says_why(ticket, crew, shanghai, beijing):
    board = dispatch_board(ticket=ticket, technicians=Technician.objects.all())
    auto = dispatch_candidates(ticket=ticket)
    # one rule: the same technicians, order and scores as the auto-dispatch
    assert [(r.technician_id, r.score) for r in board.candidates] == [(c.technician_id, c.score) for c in auto]
    assert [r.technician_id for r in board.candidates] == [crew["best"].pk, crew["junior"].pk]
    assert [r.rank for r in board.candidates] == [1, 2]
    top = board.candidates[0]
    assert top.skills_matched == ["屏幕"]
    assert board.product_category_label == "手机"  # people read the product line by name, not "phone"
    assert top.skills_missing == []
    # the geodesic from the customer's stored point to the centre (the technician has no fresh location)
    assert top.distance_km == round(distance_km(Decimal("31.230"), Decimal("121.470"), shanghai.latitude,
                                                shanghai.longitude), 2)
    assert board.point_source == "ticket"  # the intake copies the customer's point onto the ticket
    reasons = top.reasons
    assert reasons[0] == f"距离 {top.distance_km} 公里（按网点位置）：{top.candidate.breakdown['distance']['points']}/35.0 分"
    assert reasons[1] == "负载 0/6：25.0/25.0 分"
    assert reasons[2] == "等级 专家：15.0/15.0 分"
    assert reasons[4] == "普通客户，人人同分：5.0/10.0 分"

    others = {r.technician_id: r for r in board.others}
    assert {pk: r.miss for pk, r in others.items()} == {
        crew["battery"].pk: "skill", crew["full"].pk: "capacity", crew["off"].pk: "off_duty",
        crew["far"].pk: "area"}
    assert others[crew["battery"].pk].skills_missing == ["屏幕"]
    assert others[crew["full"].pk].load == {"open": 1, "capacity": 1, "points": 0.0}
    assert others[crew["far"].pk].distance_km == round(distance_km(
        Decimal("31.230"), Decimal("121.470"), beijing.latitude, beijing.longitude), 2)
    assert 1000 < others[crew["far"].pk].distance_km < 1100
    # the others follow the order in which the criteria are checked
    assert [r.miss for r in board.others] == ["area", "off_duty", "skill", "capacity"]


def test_an_unknown_distance_says_why_instead_of_a_question_mark(client, dispatcher, shanghai, screen, phone_model):
    from tickets.services import ticket_triage

    located = make_tech(shanghai, skills=["screen"])
    customer = factories.CustomerFactory(latitude=None, longitude=None, province="", city="", district="")
    unplaced = ticket_triage(ticket=factories.TicketFactory(customer=customer, fault_category=screen,
                                                            product_model=phone_model, address=""), by=None)
    board = dispatch_board(ticket=unplaced, technicians=Technician.objects.all())
    assert board.point_source == ""
    row = board.row(located.pk)
    assert row.distance_km is None
    assert row.distance_text == "位置未知：工单地址没有坐标，所在区划也无中心点"
    assert row.candidate.breakdown["distance"]["points"] == 17.5  # the factor's neutral half
    client.force_login(dispatcher)
    html = client.get(_page(client, unplaced)).content.decode()
    assert "位置未知：工单地址没有坐标，所在区划也无中心点" in html
    assert "无坐标，距离无法计算" in html
    assert "? km" not in html


def test_the_page_shows_appointments_app_sign_in_and_assigns_with_one_click(client, dispatcher, ticket, crew,
                                                                            shanghai):
    best = crew["best"]
    get_token_model().objects.create(user=best.user, expiry=dt.timedelta(hours=10))
    get_token_model().objects.create(user=crew["junior"].user, expiry=dt.timedelta(hours=-1))  # expired
    booked = factories.TicketFactory()
    Ticket.objects.filter(pk=booked.pk).update(technician=best)
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    slot = AppointmentSlot.objects.create(center=shanghai, start=start, end=start + dt.timedelta(hours=2),
                                          capacity=4, booked=1)
    Appointment.objects.create(ticket=booked, slot=slot, start=slot.start, end=slot.end)

    client.force_login(dispatcher)
    html = client.get(_page(client, ticket)).content.decode()
    best_row = html[html.index(f'data-technician="{best.pk}"'):].split("</tr>")[0]
    assert "14:00–16:00" in best_row
    assert booked.number in best_row
    assert "App 已登录" in best_row
    assert "✓ 屏幕" in best_row
    assert "#1" in best_row
    junior_row = html[html.index(f'data-technician="{crew["junior"].pk}"'):].split("</tr>")[0]
    assert "App 未登录" in junior_row
    off_row = html[html.index(f'data-technician="{crew["off"].pk}"'):].split("</tr>")[0]
    assert "不在岗，不能派工" in off_row
    assert "? km" not in html

    response = client.post(_page(client, ticket), {"technician": best.pk, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    ticket.refresh_from_db()
    assert ticket.technician == best
    assignment = TicketAssignment.objects.get(ticket=ticket)
    assert assignment.created_by == dispatcher
    assert "override" not in assignment.breakdown
    # a retried click assigns once
    assert client.post(_page(client, ticket), {"technician": best.pk}).status_code == 302
    assert TicketAssignment.objects.filter(ticket=ticket).count() == 1
    assert not TicketEvent.objects.filter(ticket=ticket, kind="dispatch.override").exists()


@pytest.mark.parametrize("who", ["battery", "full", "far"])
def test_off_the_list_without_a_reason_is_refused_and_nothing_changes(client, dispatcher, ticket, crew, who):
    client.force_login(dispatcher)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = client.post(_page(client, ticket), {"technician": crew[who].pk, "reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    label = {"battery": "缺少所需技能", "full": "已达同时处理上限", "far": "所属网点不覆盖该地区"}[who]
    assert f"{crew[who].name} 不在候选名单中（{label}）。派给名单外的工程师须填写原因。" in html
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRIAGED
    assert ticket.technician_id is None
    assert not TicketAssignment.objects.filter(ticket=ticket).exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


@pytest.mark.parametrize("who", ["battery", "full", "far"])
def test_off_the_list_with_a_reason_is_assigned_and_recorded(client, dispatcher, ticket, crew, who):
    client.force_login(dispatcher)
    response = client.post(_page(client, ticket), {"technician": crew[who].pk, "reason": "客户指定该工程师"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.technician == crew[who]
    assignment = TicketAssignment.objects.get(ticket=ticket)
    assert assignment.reason == "客户指定该工程师"
    assert assignment.breakdown["override"] is True
    assert assignment.breakdown["miss"] == {"battery": "skill", "full": "capacity", "far": "area"}[who]
    assert assignment.score == assignment.breakdown["total"]
    event = TicketEvent.objects.get(ticket=ticket, kind="dispatch.override")
    assert event.actor == dispatcher
    assert "客户指定该工程师" in event.message
    assert crew[who].name in event.message
    assert event.payload["criterion"] == assignment.breakdown["miss"]


def test_an_off_duty_technician_is_refused_even_with_a_reason(client, dispatcher, ticket, crew):
    client.force_login(dispatcher)
    response = client.post(_page(client, ticket), {"technician": crew["off"].pk, "reason": "急单"})
    assert response.status_code == 400
    assert "当前不在岗" in response.content.decode()
    assert not TicketAssignment.objects.filter(ticket=ticket).exists()


def test_a_centres_dispatcher_sees_and_assigns_only_their_technicians(client, ticket, crew, shanghai, beijing):
    local = factories.UserFactory(username="sh-dispatch", is_staff=True)
    local.groups.add(Group.objects.get(name="网点经理"))
    shanghai.managers.add(local)
    Ticket.objects.filter(pk=ticket.pk).update(service_center=shanghai)
    client.force_login(local)
    html = client.get(_page(client, ticket)).content.decode()
    assert crew["best"].name in html
    assert crew["far"].name not in html
    # another centre's technician, even with a reason: not reachable
    response = client.post(_page(client, ticket), {"technician": crew["far"].pk, "reason": "支援"})
    assert response.status_code == 404
    assert not TicketAssignment.objects.filter(ticket=ticket).exists()
    # a ticket of another centre is not theirs at all
    other = factories.TicketFactory()
    Ticket.objects.filter(pk=other.pk).update(service_center=beijing)
    assert client.get(_page(client, other)).status_code == 404


def test_the_page_costs_the_same_queries_for_any_number_of_technicians(client, dispatcher, ticket, shanghai,
                                                                       django_assert_num_queries):
    client.force_login(dispatcher)
    url = _page(client, ticket)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(12):
        tech = make_tech(shanghai, skills=["screen"], capacity=3)
        get_token_model().objects.create(user=tech.user, expiry=dt.timedelta(hours=1))
        if n % 3 == 0:
            TicketAssignment.objects.create(ticket=factories.TicketFactory(), technician=tech)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="tech-row') == 6 + 12
    # session, user, groups/permissions, ticket, centres, tried, technicians, appointments, app tokens
    assert len(few.captured_queries) <= 12, [q["sql"] for q in few.captured_queries]


def test_the_ticket_page_and_the_dispatcher_home_link_to_the_screen(client, dispatcher, agent, ticket):
    url = _page(client, ticket)
    client.force_login(dispatcher)
    assert url in client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()
    assert url in client.get(reverse("admin:index") + "?role=调度").content.decode()
    client.force_login(agent)
    assert url not in client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk])).content.decode()


def test_the_dispatcher_home_counts_load_as_dispatch_does_at_a_pinned_query_cost(client, dispatcher, crew, ticket,
                                                                                 django_assert_num_queries):
    from repairs.dispatch.selectors import technicians_with_load

    client.force_login(dispatcher)
    url = reverse("admin:index") + "?role=调度"
    client.get(url)
    with django_assert_num_queries(HOME_QUERIES):
        html = client.get(url).content.decode()
    full = technicians_with_load().get(pk=crew["full"].pk)
    row = html[html.index(crew["full"].name):].split("</tr>")[0]
    assert f"{full.open_load} / {full.capacity}" in row
    assert full.open_load == 1
    for _ in range(5):
        TicketAssignment.objects.create(ticket=factories.TicketFactory(), technician=make_tech(crew["best"].center))
    with django_assert_num_queries(HOME_QUERIES):
        client.get(url)


# session, user, groups and permissions, the navigation, and a row read and a capped count per panel
# (a dispatcher is not asked to enter the holiday calendar, so it is not read)
HOME_QUERIES = 11


def test_load_is_counted_up_to_a_cap_and_still_says_at_capacity(monkeypatch, shanghai, ticket_factory):
    from repairs.dispatch import selectors

    monkeypatch.setattr(selectors, "LOAD_COUNT_CAP", 2)
    tech = make_tech(shanghai, skills=["screen"], capacity=2)
    for _ in range(3):
        TicketAssignment.objects.create(ticket=factories.TicketFactory(), technician=tech)
    assert selectors.technicians_with_load().get(pk=tech.pk).open_load == 2
    board = dispatch_board(ticket=ticket_factory(), technicians=Technician.objects.filter(pk=tech.pk))
    assert board.rows[0].miss == "capacity"
