"""Addresses that match: parsing into 省/市/区 with national codes, geocoding to the district's centre,
centres covering areas by code plus radius, one distance helper."""

from __future__ import annotations

from decimal import Decimal

import pytest

from repairs.dispatch.selectors import centers_for_place, dispatch_candidates
from repairs.services.centers import coverage_codes_parse, service_center_save, service_centers_locate
from tests import factories
from tickets.address import address_parse, address_resolve, division_centre, place_from_code
from tickets.exceptions import ValidationFailed
from tickets.geo import distance_km, distance_m

SHANGHAI_INPUTS = ["上海", "上海市", "上海市徐汇区", "徐汇区", "上海徐汇漕溪北路88号"]


def test_distance_km_is_the_one_haversine():
    # Shanghai People's Square to Beijing Tiananmen: about 1,068 km.
    assert distance_km(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1068, abs=5)
    assert distance_km(Decimal("31.0"), Decimal("121.0"), "31.0", 121.0) == 0
    assert distance_km(None, 121.0, 31.0, 121.0) is None
    assert distance_m(31.2304, 121.4737, 31.2304, 121.4837) == pytest.approx(950, abs=10)


@pytest.mark.parametrize("text", SHANGHAI_INPUTS)
def test_shanghai_inputs_parse_to_shanghai_codes(text):
    place = address_parse(text)
    assert place.province == "上海市"
    assert place.province_code == "310000"
    assert place.city_code == "310000"
    assert place.latitude is not None
    assert place.longitude is not None


@pytest.mark.parametrize(("text", "district", "code", "detail"), [
    ("上海市徐汇区", "徐汇区", "310104", ""),
    ("徐汇区", "徐汇区", "310104", ""),
    ("徐汇", "徐汇区", "310104", ""),
    ("上海徐汇漕溪北路88号", "徐汇区", "310104", "漕溪北路88号"),
    ("北京市朝阳区建国路1号", "朝阳区", "110105", "建国路1号"),
    ("广东省深圳市南山区科技园", "南山区", "440305", "科技园"),
    ("深圳南山", "南山区", "440305", ""),
    ("成都武侯区", "武侯区", "510107", ""),
    ("重庆渝中区解放碑", "渝中区", "500103", "解放碑"),
    ("湖北仙桃", "仙桃市", "429004", ""),
])
def test_districts_and_their_codes(text, district, code, detail):
    place = address_parse(text)
    assert (place.district, place.district_code, place.detail) == (district, code, detail)
    assert place.code == code


@pytest.mark.parametrize(("text", "city_code"), [("南京", "320100"), ("浙江杭州", "330100"), ("东莞市长安镇", "441900")])
def test_cities_without_a_district(text, city_code):
    place = address_parse(text)
    assert place.is_placed
    assert place.city_code == city_code
    assert place.district_code == ""


@pytest.mark.parametrize("text", ["火星", "", "朝阳区"])
def test_unknown_or_ambiguous_text_is_not_placed(text):
    # 朝阳区 exists in 北京 and 长春: the city is needed.
    assert not address_parse(text).is_placed


def test_geocode_is_the_districts_centre_falling_back_to_the_city():
    xuhui = address_parse("上海市徐汇区")
    assert distance_km(xuhui.latitude, xuhui.longitude, 31.188, 121.436) < 1
    shanghai = address_parse("上海")
    assert distance_km(shanghai.latitude, shanghai.longitude, 31.230, 121.474) < 1
    # A district newer than the centroid table borrows its city's centre.
    assert division_centre("310199") == division_centre("310100")


def test_given_coordinates_are_kept():
    place = address_resolve(city="上海", latitude=Decimal("31.1"), longitude=Decimal("121.2"))
    assert (place.latitude, place.longitude) == (Decimal("31.1"), Decimal("121.2"))


def test_a_picked_code_wins_over_typed_names_and_typed_text_may_refine_it():
    assert address_resolve(code="310104", city="北京").district == "徐汇区"
    refined = address_resolve(code="310000", district="徐汇")
    assert refined.district_code == "310104"
    assert place_from_code("999999") is None


@pytest.fixture
def xuhui_center(db):
    # Stored without codes, as a raw import or seed would: placed from its typed address.
    return factories.ServiceCenterFactory(code="SHXH", province="上海市", city="上海市", district="徐汇区",
                                          latitude=Decimal("31.188"), longitude=Decimal("121.436"),
                                          service_radius_km=0)


@pytest.fixture
def beijing_center(db):
    return factories.ServiceCenterFactory(code="BJ1", province="北京市", city="北京市", district="朝阳区",
                                          latitude=Decimal("39.921"), longitude=Decimal("116.443"))


@pytest.mark.parametrize("text", SHANGHAI_INPUTS)
def test_every_way_of_writing_shanghai_matches_the_same_centre(xuhui_center, beijing_center, text):
    place = address_parse(text)
    matches = centers_for_place(codes=place.codes, latitude=None, longitude=None)
    assert [m.center for m in matches] == [xuhui_center]
    assert matches[0].covers == "area"


def test_a_centre_covering_one_district_serves_only_it(db):
    center = factories.ServiceCenterFactory(code="XH", coverage_codes=["310104"], service_radius_km=0)
    assert centers_for_place(codes=address_parse("上海徐汇漕溪北路88号").codes, latitude=None, longitude=None)
    assert not centers_for_place(codes=address_parse("上海市浦东新区").codes, latitude=None, longitude=None)
    center.coverage_codes = ["310000"]
    center.save()
    assert centers_for_place(codes=address_parse("上海市浦东新区").codes, latitude=None, longitude=None)


def test_coverage_typed_as_names_or_codes():
    assert coverage_codes_parse("上海, 苏州市 昆山、310104") == ["310000", "320500", "320583", "310104"]
    with pytest.raises(ValidationFailed) as err:
        coverage_codes_parse("上海 火星 999999")
    assert "火星" in str(err.value.message)
    assert "999999" in str(err.value.message)


def test_centre_service_places_the_centre_and_refuses_an_unknown_place(db, superuser):
    center = factories.ServiceCenterFactory.build(code="NEW", province="", city="上海", district="徐汇")
    service_center_save(center=center, by=superuser, coverage="上海 昆山")
    center.refresh_from_db()
    assert (center.city, center.district_code, center.coverage_codes) == ("上海市", "310104", ["310000", "320583"])
    bad = factories.ServiceCenterFactory.build(code="BAD", province="", city="火星", district="")
    with pytest.raises(ValidationFailed):
        service_center_save(center=bad, by=superuser)
    assert bad.pk is None


def test_seeded_centres_get_their_codes(xuhui_center, beijing_center):
    assert service_centers_locate() == 2
    xuhui_center.refresh_from_db()
    assert (xuhui_center.province_code, xuhui_center.city_code, xuhui_center.district_code) == (
        "310000", "310000", "310104")
    assert service_centers_locate() == 0


def test_new_ticket_stores_codes_and_the_districts_centre(db):
    customer = factories.CustomerFactory(city="上海", district="徐汇", latitude=None, longitude=None)
    ticket = factories.TicketFactory(customer=customer)
    assert (ticket.province, ticket.city, ticket.district) == ("上海市", "上海市", "徐汇区")
    assert (ticket.province_code, ticket.city_code, ticket.district_code) == ("310000", "310000", "310104")
    assert distance_km(ticket.latitude, ticket.longitude, 31.188, 121.436) < 1


def test_distance_is_known_without_typed_coordinates(xuhui_center):
    """The dispatcher used to see "? km" because addresses were never turned into coordinates."""
    from django.contrib.auth.models import Group

    tech = factories.TechnicianFactory(center=xuhui_center, skills=["screen"], product_categories=["phone"])
    tech.user.groups.add(Group.objects.get(name="维修工程师"))
    customer = factories.CustomerFactory(city="上海", district="", address="浦东新区世纪大道100号", latitude=None,
                                         longitude=None)
    category = factories.FaultCategoryFactory(code="screen", required_skill="screen")
    ticket = factories.TicketFactory(customer=customer, fault_category=category,
                                     product_model=factories.ProductModelFactory(category="phone"))
    [candidate] = dispatch_candidates(ticket=ticket)
    assert 5 < candidate.breakdown["distance"]["km"] < 30  # Pudong's centre to Xuhui
