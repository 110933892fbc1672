"""The 省/市/区 picker and coverage in the admin: centres, customers, tickets."""

from __future__ import annotations

import json

import pytest

from repairs.models import ServiceCenter
from tests import factories

pytestmark = pytest.mark.django_db


def _center_data(**overrides):
    data = {"code": "SH9", "name": "上海徐汇服务中心", "region": "east", "province": "", "city": "", "district": "",
            "address": "漕溪北路 100 号", "latitude": "31.188000", "longitude": "121.436000", "phone": "",
            "service_modes": json.dumps(["walk_in", "on_site"]), "product_categories": "[]", "coverage": "",
            "service_radius_km": "20", "opening_hours": json.dumps({"0": ["09:00", "18:00"]}), "is_active": "on",
            "pick_province": "310000", "pick_city": "310000", "pick_district": "310104"}
    data.update(overrides)
    return data


def test_centre_added_with_the_picker_and_coverage_by_name(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/repairs/servicecenter/add/").content.decode()
    assert 'name="pick_province"' in page
    assert "js/division-picker.js" in page
    response = client.post("/admin/repairs/servicecenter/add/", _center_data(coverage="上海 昆山"))
    import re
    errs = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert response.status_code == 302, errs
    center = ServiceCenter.objects.get(code="SH9")
    assert (center.province, center.city, center.district) == ("上海市", "上海市", "徐汇区")
    assert (center.province_code, center.city_code, center.district_code) == ("310000", "310000", "310104")
    assert center.coverage_codes == ["310000", "320583"]
    listing = client.get("/admin/repairs/servicecenter/").content.decode()
    assert "上海市、江苏省苏州市昆山市" in listing


def test_centre_coverage_that_cannot_be_placed_is_refused(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/repairs/servicecenter/add/", _center_data(coverage="上海 火星"))
    assert response.status_code == 200
    assert "无法识别的服务区域：火星" in response.content.decode()
    assert not ServiceCenter.objects.exists()


def test_centre_typed_address_that_cannot_be_placed_is_refused(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/repairs/servicecenter/add/", _center_data(
        pick_province="", pick_city="", pick_district="", city="火星"))
    assert response.status_code == 200
    assert "无法识别“火星”所在的省/市/区" in response.content.decode()


def test_ticket_change_form_shows_the_stored_division(client, superuser):
    customer = factories.CustomerFactory(city="上海", district="徐汇")
    ticket = factories.TicketFactory(customer=customer)
    client.force_login(superuser)
    html = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert '<option value="310104" selected>徐汇区</option>' in html


def test_customer_edited_with_the_picker_gets_codes(client, superuser):
    customer = factories.CustomerFactory(city="", district="", latitude=None, longitude=None)
    client.force_login(superuser)
    form = client.get(f"/admin/tickets/customer/{customer.pk}/change/")
    assert form.status_code == 200
    data = {"name": customer.name, "phone": customer.phone, "email": "", "tier": customer.tier, "province": "",
            "city": "", "district": "", "address": "漕溪北路 88 号", "latitude": "", "longitude": "",
            "wechat_openid": "", "preferred_language": "zh-hans", "pick_province": "310000",
            "pick_city": "310000", "pick_district": "310104"}
    response = client.post(f"/admin/tickets/customer/{customer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer.refresh_from_db()
    assert (customer.city, customer.district, customer.district_code) == ("上海市", "徐汇区", "310104")
    assert customer.latitude is not None
