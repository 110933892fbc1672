"""The 三包 decision through the services, the technician API, the admin, the customer's page and the PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import timezone

from repairs.models import DepreciationRate, RepairOrder
from repairs.reports import service_report_pdf
from repairs.services import (
    depreciation_rate_save,
    repair_diagnose,
    repair_mark_unrepairable,
    repair_order_open,
    repair_refund,
    repair_replace,
    repair_warranty_decide,
)
from tests.api.conftest import client_for
from tickets.exceptions import ValidationFailed
from tickets.models import Device, ProductModel, TicketEvent

pytestmark = pytest.mark.django_db


def _bought(workshop, days_ago: int, **device) -> None:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    Device.objects.filter(pk=workshop["device"].pk).update(purchase_date=day, invoice_date=day, **device)
    workshop["ticket"].device.refresh_from_db()


def _open(workshop):
    return repair_order_open(ticket=workshop["ticket"], by=workshop["technician"].user)


def _diagnosed(workshop, fault="phone.no_power", **inputs):
    return repair_diagnose(repair_order=_open(workshop), fault_code=fault, findings="检测", by=workshop["technician"].user,
                           **inputs)


# -- the decision is recorded on the repair order ------------------------------------------------

def test_diagnosis_records_the_entitlement_and_the_decision(workshop):
    _bought(workshop, 3)
    order = _diagnosed(workshop, warranty_choice="refund")
    assert (order.decision_status, order.decided_remedy, order.decided_payer) == ("decided", "refund", "seller")
    assert order.decided_amount == Decimal("3999.00")
    options = {o["remedy"]: o for o in order.warranty_decision["options"]}
    assert options["refund"]["amount"] == "3999.00"
    assert "第十一条" in options["refund"]["clause"]
    assert order.warranty_decision["decision"]["remedy"] == "refund"


def test_no_choice_yet_leaves_the_decision_pending(workshop):
    order = _diagnosed(workshop)
    assert order.decision_status == "pending"
    assert order.decided_remedy == ""


def test_consumer_choice_during_the_repair_fires_the_parts_delay_exchange(workshop, django_assert_max_num_queries):
    # bought 400 days ago, received on day 330 (in period), 65 days waiting for the producer's parts
    _bought(workshop, 400)
    order = _diagnosed(workshop)
    RepairOrder.objects.filter(pk=order.pk).update(
        received_at=timezone.now() - dt.timedelta(days=70), parts_wait_days=65, waiting_for_producer_parts=True)
    order.refresh_from_db()
    with django_assert_max_num_queries(40):
        order = repair_warranty_decide(repair_order=order, by=workshop["technician"].user, warranty_choice="exchange")
    assert (order.decision_status, order.decided_remedy, order.decided_payer) == ("decided", "exchange", "seller")
    assert order.warranty_decision["period"]["end"] > (timezone.localdate() - dt.timedelta(days=35)).isoformat()
    event = TicketEvent.objects.filter(ticket=order.ticket, kind="warranty.decided").get()
    assert event.customer_visible
    assert "换货" in event.message


def test_decision_needs_a_diagnosis_first(workshop):
    order = _open(workshop)
    with pytest.raises(ValidationFailed, match="请先完成检测"):
        repair_warranty_decide(repair_order=order, by=workshop["technician"].user, warranty_choice="refund")


@pytest.mark.parametrize(("fault", "inputs", "field"), [
    ("phone.no_power", {"battery_measured_mah": 3000, "battery_rated_mah": 4000}, "battery_measured_mah"),
    ("phone.battery", {"battery_measured_mah": 3000}, "battery_rated_mah"),
    ("phone.no_power", {"accessory_bundled": True}, "accessory_bundled"),
    ("phone.charger", {"accessory_price": Decimal("-1")}, "accessory_price"),
    ("phone.no_power", {"warranty_choice": "cash"}, "warranty_choice"),
    ("phone.no_power", {"goods_returned_on": timezone.localdate() + dt.timedelta(days=2)}, "goods_returned_on"),
])
def test_bad_decision_inputs_are_refused_and_nothing_changes(workshop, fault, inputs, field):
    order = _open(workshop)
    with pytest.raises(ValidationFailed) as error:
        repair_diagnose(repair_order=order, fault_code=fault, findings="检测", by=workshop["technician"].user,
                        **inputs)
    assert error.value.extra["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(error.value))  # a Chinese message
    order.refresh_from_db()
    assert (order.status, order.decision_status, order.warranty_decision) == ("diagnosing", "", {})


@pytest.mark.parametrize(("measured", "remedy"), [(3199, "exchange"), (3200, "free_repair")])
def test_measured_battery_capacity_decides_the_listed_fault(workshop, measured, remedy):
    order = _diagnosed(workshop, fault="phone.battery", battery_measured_mah=measured, battery_rated_mah=4000,
                       warranty_choice="exchange" if remedy == "exchange" else "repair")
    assert order.battery_measured_mah == measured
    assert order.decided_remedy == remedy


def test_online_refund_asks_whether_the_goods_are_intact(workshop):
    _bought(workshop, 3, sales_channel="online", delivered_on=timezone.localdate() - dt.timedelta(days=3))
    order = _open(workshop)
    with pytest.raises(ValidationFailed) as error:
        repair_diagnose(repair_order=order, fault_code="phone.software", findings="无故障", warranty_choice="refund",
                        by=workshop["technician"].user)
    assert error.value.extra["field"] == "goods_intact"
    order = repair_diagnose(repair_order=order, fault_code="phone.software", findings="无故障",
                            warranty_choice="refund", goods_intact=True, activation="inspection",
                            by=workshop["technician"].user)
    assert order.decided_remedy == "no_reason_return"
    assert any(r["rule"] == "A19" for r in order.warranty_decision["reasons"])
    used = repair_warranty_decide(repair_order=order, by=workshop["technician"].user, activation="used")
    assert used.decided_remedy != "no_reason_return"


# -- white goods' depreciation rate table (A17) ---------------------------------------------------

def _fridge_waiting_for_parts(workshop):
    ProductModel.objects.filter(pk=workshop["model"].pk).update(category="fridge", brand="某品牌")
    _bought(workshop, 200)
    workshop["ticket"].device.product_model.refresh_from_db()
    order = _diagnosed(workshop, fault="fridge.no_cooling")
    RepairOrder.objects.filter(pk=order.pk).update(
        received_at=timezone.now() - dt.timedelta(days=100), parts_wait_days=95, waiting_for_producer_parts=True)
    order.refresh_from_db()
    return order


def test_fridge_refund_blocked_until_a_rate_is_verified(workshop, superuser):
    order = _fridge_waiting_for_parts(workshop)
    tech = workshop["technician"].user
    order = repair_warranty_decide(repair_order=order, by=tech, warranty_choice="refund")
    assert order.decision_status == "blocked"
    assert order.decided_amount is None  # never a full refund by default
    unverified = DepreciationRate(category="fridge", rate_per_day=Decimal("0.001"),
                                  effective_from=dt.date(1995, 8, 25), source="测试来源")
    depreciation_rate_save(rate=unverified, verified=False, by=superuser)
    assert repair_warranty_decide(repair_order=order, by=tech).decision_status == "blocked"
    depreciation_rate_save(rate=unverified, verified=True, by=superuser)
    order = repair_warranty_decide(repair_order=order, by=tech)
    assert (order.decision_status, order.decided_remedy) == ("decided", "refund_depreciated")
    # 200 days since purchase, 100 of them in this repair (95 parts-wait + 5 occupied) → 100 × 0.1%
    assert order.decided_amount == (Decimal("3999.00") * Decimal("0.9")).quantize(Decimal("0.01"))
    assert any("测试来源" in r["text"] for r in order.warranty_decision["reasons"])


def test_rate_table_records_the_verifier_and_refuses_bad_rates(superuser):
    rate = DepreciationRate(category="washer", rate_per_day=Decimal("0.001"), effective_from=dt.date(2020, 1, 1),
                            source="")
    with pytest.raises(ValidationFailed):
        depreciation_rate_save(rate=rate, verified=True, by=superuser)  # no source
    rate.source = "《部分商品修理更换退货责任规定》"
    depreciation_rate_save(rate=rate, verified=True, by=superuser)
    assert (rate.verified_by, rate.is_verified) == (superuser, True)
    rate.rate_per_day = Decimal("0.002")
    depreciation_rate_save(rate=rate, verified=False, by=superuser)
    assert not DepreciationRate.objects.get(pk=rate.pk).is_verified  # a changed rate needs a new check
    rate.rate_per_day = Decimal("0.5")
    with pytest.raises(ValidationFailed):
        depreciation_rate_save(rate=rate, verified=True, by=superuser)


# -- the decision binds the workshop's remedy ------------------------------------------------------

def test_only_the_decided_remedy_can_be_carried_out(workshop):
    _bought(workshop, 3)
    tech = workshop["technician"].user
    order = _diagnosed(workshop, warranty_choice="exchange")
    order = repair_mark_unrepairable(repair_order=order, by=tech, reason="主板损坏")
    with pytest.raises(ValidationFailed, match="三包处理决定为换货"):
        repair_refund(repair_order=order, by=tech)
    assert repair_replace(repair_order=order, by=tech).status == RepairOrder.Status.REPLACED


# -- the technician API -------------------------------------------------------------------------

def test_api_collects_the_inputs_and_returns_the_decision_card(workshop):
    _bought(workshop, 3)
    client = client_for(workshop["technician"].user)
    base = f"/api/v1/jobs/{workshop['ticket'].pk}/repair"
    assert client.post(f"{base}/open/", {}, format="json").status_code == 201
    body = client.post(f"{base}/diagnose/", {"fault_code": "phone.battery", "findings": "续航差",
                                             "battery_measured_mah": 3000, "battery_rated_mah": 4000},
                       format="json").json()
    assert body["battery_measured_mah"] == 3000
    assert body["decision_status"] == "pending"
    response = client.post(f"{base}/warranty-decision/", {"warranty_choice": "exchange"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["decided_remedy"], body["decision_status"]) == ("exchange", "decided")
    assert body["warranty_card"]["decision"]["remedy"] == "换货"
    assert any(o["clause"] for o in body["warranty_card"]["options"])
    bad = client.post(f"{base}/warranty-decision/", {"battery_rated_mah": 0}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "extra"}
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    wrong = client.post(f"{base}/warranty-decision/", {"goods_returned_on": later}, format="json")
    assert wrong.status_code == 400
    assert "退回商品" in wrong.json()["message"]


# -- the admin, the customer's page, the PDF --------------------------------------------------------

def test_admin_collects_the_choice_and_shows_a_readable_card(client, superuser, workshop):
    _bought(workshop, 3)
    order = _diagnosed(workshop)
    client.force_login(superuser)
    url = reverse("admin:repairs_repairorder_workflow", args=[order.pk, "warranty_decide"])
    assert "消费者选择" in client.get(url).content.decode()
    response = client.post(url, {"warranty_choice": "refund", "same_model_in_stock": "on", "goods_intact": "",
                                 "activation": ""})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.decided_remedy == "refund"
    page = client.get(reverse("admin:repairs_repairorder_change", args=[order.pk])).content.decode()
    assert "处理决定" in page
    assert "¥3999.00" in page
    assert "第十一条" in page
    assert '"remedies"' not in page  # readable, not JSON


def test_admin_depreciation_rate_is_verified_by_the_editor(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:repairs_depreciationrate_add"), {
        "category": "fridge", "rate_per_day": "0.00100", "effective_from": "1995-08-25",
        "source": "《部分商品修理更换退货责任规定》附件", "note": "", "verified": "on"})
    assert response.status_code == 302, response.content.decode()[:500]
    rate = DepreciationRate.objects.get()
    assert rate.verified_by == superuser
    bad = client.post(reverse("admin:repairs_depreciationrate_add"), {
        "category": "fridge", "rate_per_day": "0.5", "effective_from": "1995-08-25", "source": "x", "verified": "on"})
    assert bad.status_code == 200
    assert "不超过 1%" in bad.content.decode()


def test_customer_page_shows_the_decision_card(client, workshop):
    _bought(workshop, 3)
    order = _diagnosed(workshop, warranty_choice="refund")
    html = client.get(f"/t/{order.ticket.tracking_token}/").content.decode()
    assert 'id="warranty-decision"' in html
    assert "¥3999.00" in html
    assert "第十一条" in html


def test_report_has_the_options_and_the_decision(workshop):
    _bought(workshop, 3)
    order = _diagnosed(workshop, warranty_choice="refund")
    pdf = pdfium.PdfDocument(service_report_pdf(repair_order=order))
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    for needle in ("可选方式", "处理决定", "¥3999.00", "第十一条"):
        assert needle in text, needle


def test_tv_backlight_repair_says_new_parts_on_the_verdict_and_the_quote(workshop):
    from repairs.services import quote_create

    ProductModel.objects.filter(pk=workshop["model"].pk).update(category="tv")
    _bought(workshop, 400)
    workshop["ticket"].device.product_model.refresh_from_db()
    order = _diagnosed(workshop, fault="tv.backlight", warranty_choice="repair")
    assert order.warranty_decision["new_parts_required"] is True
    assert order.decided_remedy == "free_repair"
    quote = quote_create(repair_order=order, lines=[{"kind": "labor", "description": "更换背光", "unit_price": "80"}],
                         by=workshop["technician"].user)
    line = quote.lines.get()
    assert line.is_free
    assert "新的零部件" in line.free_reason


def test_admin_diagnosis_takes_the_measured_battery_capacity(client, superuser, workshop):
    order = _open(workshop)
    client.force_login(superuser)
    url = reverse("admin:repairs_repairorder_workflow", args=[order.pk, "diagnose"])
    form = client.get(url).content.decode()
    assert "电池实测容量" in form
    assert "随机附件" in form
    response = client.post(url, {"fault_code": "phone.battery", "findings": "续航差", "battery_measured_mah": "3000",
                                 "battery_rated_mah": "4000", "same_model_in_stock": "on",
                                 "warranty_choice": "exchange"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.battery_measured_mah, order.decided_remedy) == (3000, "exchange")
    bad = client.post(url, {"fault_code": "phone.no_power", "findings": "x", "battery_measured_mah": "3000",
                            "battery_rated_mah": "4000"}, follow=True)
    assert "电池容量只适用于电池故障" in bad.content.decode()
