"""A customer who types a short city name on /submit/ is placed and dispatched like one who types the
full name."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from tests import factories
from tests.intake.conftest import phone_model, taxonomy  # noqa: F401  (fixtures)
from tickets.models import Ticket

IMEI = factories.make_imei(4242)


@pytest.fixture
def xuhui_center(db):
    center = factories.ServiceCenterFactory(code="SHXH", name="上海徐汇服务中心", province="上海市", city="上海市",
                                            district="徐汇区", address="漕溪北路 100 号",
                                            latitude=Decimal("31.188"), longitude=Decimal("121.436"),
                                            service_modes=["walk_in", "on_site", "mail_in"])
    tech = factories.TechnicianFactory(center=center, skills=["screen", "battery"], product_categories=["phone"])
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    return center


@pytest.mark.parametrize("city", ["上海", "上海市"])
def test_short_city_name_on_submit_is_auto_dispatched(client, taxonomy, phone_model, xuhui_center,  # noqa: F811
                                                        city, django_capture_on_commit_callbacks):
    data = {"name": "张三", "phone": "138 0013 8000", "description": "摔了一下屏幕花屏", "serial": IMEI,
            "product_model": phone_model.pk, "service_mode": "", "city": city, "district": "", "address": "",
            "idempotency_key": f"k-{city}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/submit/", data)
    assert response.status_code == 302, response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.status == Ticket.Status.ASSIGNED, list(ticket.events.values_list("message", flat=True))
    assert ticket.service_center == xuhui_center
    assert ticket.technician.center == xuhui_center
