"""The 省/市/区 picker on /submit/ and its data endpoint; free text still works; localized errors for an
address that cannot be placed."""

from __future__ import annotations

import pytest

from tests import factories
from tests.intake.conftest import phone_model, taxonomy  # noqa: F401  (fixtures)
from tickets.models import Customer, Ticket

IMEI = factories.make_imei(5151)


def _post(client, **overrides):
    data = {"name": "张三", "phone": "138 0013 8000", "description": "摔了一下屏幕花屏", "serial": IMEI,
            "service_mode": "", "city": "", "district": "", "address": "", "idempotency_key": "k1"}
    data.update(overrides)
    return client.post("/submit/", data)


def test_divisions_endpoint_cascades(client, db):
    provinces = client.get("/address/divisions/").json()["options"]
    assert {"code": "310000", "name": "上海市"} in provinces
    assert len(provinces) == 34
    # national code order, as every Chinese address list: 北京 first, then 天津, 河北 …
    assert [p["name"] for p in provinces[:3]] == ["北京市", "天津市", "河北省"]
    assert client.get("/address/divisions/?province=310000").json()["options"] == [{"code": "310000",
                                                                                     "name": "上海市"}]
    districts = client.get("/address/divisions/?city=310000").json()["options"]
    assert {"code": "310104", "name": "徐汇区"} in districts
    cities = {c["name"] for c in client.get("/address/divisions/?province=320000").json()["options"]}
    assert {"南京市", "苏州市"} <= cities
    assert client.get("/address/divisions/?city=999999").json()["options"] == []
    assert "max-age" in client.get("/address/divisions/")["Cache-Control"]


def test_submit_renders_the_picker_without_inline_script(client, taxonomy, phone_model):  # noqa: F811
    html = client.get("/submit/").content.decode()
    assert 'name="pick_province"' in html
    assert 'name="pick_city"' in html
    assert 'name="pick_district"' in html
    assert 'data-division-url="/address/divisions/"' in html
    assert '<option value="310000">上海市</option>' in html
    assert "js/division-picker.js" in html
    assert "<script>" not in html
    assert "onchange=" not in html


def test_enter_in_a_field_submits_the_report_not_the_code_request(client, taxonomy, phone_model):  # noqa: F811
    """A browser's implicit submission (Enter, a phone keyboard's "go") uses the form's first submit
    button: that must be the report's, not "获取短信验证码"."""
    import re

    html = client.get("/submit/").content.decode()
    form = html[html.index('<form method="post"'):]
    first = re.search(r"<button[^>]*>", form).group(0)
    assert 'type="submit"' in first
    assert "send_code" not in first
    assert "formaction" not in first


def test_picked_code_wins_over_typed_text(client, taxonomy, phone_model):  # noqa: F811
    response = _post(client, product_model=phone_model.pk, pick_province="310000", pick_city="310000",
                     pick_district="310104", city="北京")
    assert response.status_code == 302, response.content.decode()
    ticket = Ticket.objects.get()
    assert (ticket.city, ticket.district, ticket.district_code) == ("上海市", "徐汇区", "310104")
    customer = Customer.objects.get()
    assert (customer.province_code, customer.district_code) == ("310000", "310104")
    assert customer.latitude is not None


def test_bound_picker_keeps_its_options_after_an_error(client, taxonomy, phone_model):  # noqa: F811
    response = _post(client, product_model=phone_model.pk, pick_province="310000", pick_city="310000",
                     pick_district="310104", description="")
    assert response.status_code == 400
    html = response.content.decode()
    assert '<option value="310104" selected>徐汇区</option>' in html


def test_free_text_is_parsed(client, taxonomy, phone_model):  # noqa: F811
    response = _post(client, product_model=phone_model.pk, city="上海徐汇", address="漕溪北路88号")
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.province, ticket.city, ticket.district, ticket.district_code) == ("上海市", "上海市", "徐汇区",
                                                                                     "310104")


@pytest.mark.parametrize(("fields", "message"), [
    ({"city": "火星"}, "无法识别“火星”所在的省/市/区，请从列表中选择。"),
    ({"district": "朝阳区"}, "“朝阳区”在多个城市都有，请选择省/市/区或填写城市。"),
    ({"service_mode": "on_site", "address": "某某小区 3 号楼"}, "上门服务请选择所在的省/市/区。"),
    ({"pick_province": "990000"}, "选择一个有效的选项"),
])
def test_an_address_that_cannot_be_placed_gets_a_localized_error(client, taxonomy, phone_model, fields,  # noqa: F811
                                                                 message):
    response = _post(client, product_model=phone_model.pk, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_a_model_named_after_its_brand_is_not_named_twice(db):
    assert str(factories.ProductModelFactory(brand="小米", name="小米 14")) == "小米 14"
    assert str(factories.ProductModelFactory(brand="华为", name="Mate 60 Pro")) == "华为 Mate 60 Pro"
