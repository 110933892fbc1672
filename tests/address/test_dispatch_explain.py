"""When nobody fits, the dispatcher's pick page says which criterion eliminated whom."""

from __future__ import annotations

from decimal import Decimal

import pytest

from repairs.dispatch.selectors import dispatch_eliminations, eliminations_summary
from repairs.dispatch.services import dispatch_auto
from tests import factories
from tests.dispatch.conftest import make_tech, phone_model, screen  # noqa: F401  (fixtures)
from tickets.models import TicketAssignment, TicketEvent
from tickets.services import ticket_triage

pytestmark = pytest.mark.django_db


@pytest.fixture
def nobody_fits(screen, phone_model):  # noqa: F811
    xuhui = factories.ServiceCenterFactory(code="SHXH", province="上海市", city="上海市", district="徐汇区",
                                           latitude=Decimal("31.188"), longitude=Decimal("121.436"))
    beijing = factories.ServiceCenterFactory(code="BJ1", province="北京市", city="北京市", district="朝阳区",
                                             latitude=Decimal("39.921"), longitude=Decimal("116.443"))
    suzhou = factories.ServiceCenterFactory(code="SZ1", province="江苏省", city="苏州市", district="姑苏区",
                                            latitude=Decimal("31.311"), longitude=Decimal("120.617"),
                                            service_radius_km=40)
    make_tech(beijing, name="北京甲", skills=["screen"])
    make_tech(beijing, name="北京乙", skills=["screen"])
    make_tech(suzhou, name="苏州丙", skills=["screen"])
    make_tech(xuhui, name="徐汇离岗", skills=["screen"], on_duty=False)
    make_tech(xuhui, name="徐汇电池", skills=["battery"])
    make_tech(xuhui, name="徐汇电视", skills=["screen"], product_categories=["tv"])
    full = make_tech(xuhui, name="徐汇满载", skills=["screen"], capacity=1)
    customer = factories.CustomerFactory(city="上海", district="徐汇", latitude=None, longitude=None)
    TicketAssignment.objects.create(ticket=factories.TicketFactory(customer=customer), technician=full)
    ticket = factories.TicketFactory(customer=customer, fault_category=screen, product_model=phone_model)
    return ticket_triage(ticket=ticket, by=None)


def test_eliminations_name_each_criterion_with_counts(nobody_fits):
    result = {e.criterion: (e.count, e.names) for e in dispatch_eliminations(ticket=nobody_fits)}
    assert result == {
        "area": (2, ["北京乙", "北京甲"]),
        "too_far": (1, ["苏州丙"]),
        "off_duty": (1, ["徐汇离岗"]),
        "skill": (1, ["徐汇电池"]),
        "product": (1, ["徐汇电视"]),
        "capacity": (1, ["徐汇满载"]),
    }


def test_the_pick_page_explains_why_nobody_fits(client, dispatcher, nobody_fits, django_assert_max_num_queries):
    client.force_login(dispatcher)
    with django_assert_max_num_queries(30):
        response = client.get(f"/admin/tickets/dispatchqueueticket/{nobody_fits.pk}/pick/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "没有符合条件的工程师" in html
    # every technician's row names the first criterion they fail
    rows = {row.split("</td>")[1]: row for row in html.split('<tr class="tech-row')[1:]}
    for label, names in [("所属网点不覆盖该地区", ["北京甲", "北京乙"]), ("所属网点距离太远（超出服务半径）", ["苏州丙"]),
                         ("不在岗", ["徐汇离岗"]), ("缺少所需技能", ["徐汇电池"]), ("不擅长该品类", ["徐汇电视"]),
                         ("已达同时处理上限", ["徐汇满载"])]:
        for name in names:
            [row] = [row for cell, row in rows.items() if f"<b>{name}</b>" in cell]
            assert f'<span class="bo-warn">{label}</span>' in row
    assert "上海市 上海市 徐汇区" in html


def test_the_escalation_names_the_criteria(nobody_fits):
    assert dispatch_auto(ticket=nobody_fits) is None
    event = TicketEvent.objects.filter(ticket=nobody_fits, kind="dispatch.escalated").get()
    assert "不在岗 1 人" in event.message
    assert "所属网点不覆盖该地区 2 人" in event.message
    assert eliminations_summary([]) in "没有可派的工程师（网点无工程师）"


def test_a_centre_chosen_by_triage_holds_for_dispatch(nobody_fits):
    """Dispatch no longer overrides triage's choice: technicians of other centres are not offered."""
    from repairs.models import ServiceCenter

    nobody_fits.service_center = ServiceCenter.objects.get(code="SZ1")
    nobody_fits.save(update_fields=["service_center"])
    result = {e.criterion: e.count for e in dispatch_eliminations(ticket=nobody_fits)}
    assert result["other_center"] == 6  # Beijing's two and Xuhui's four
