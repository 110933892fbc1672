"""The 三包 engine against the regulation text (sanbao.md): every rule and boundary, pure Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from repairs.warranty import (
    Claim,
    Component,
    CostBearer,
    CurrentRepair,
    Exclusion,
    PastExchange,
    PastRepair,
    Remedy,
    delay_triggers,
    evaluate,
    load_rule_book,
    rule_book_from_dict,
    rules_for,
)
from repairs.warranty.dates import add_months, postpone

D = dt.date
BOOK = load_rule_book()
SALE = D(2025, 3, 3)  # a Monday


def never(day: dt.date) -> bool:
    return False


def weekends(day: dt.date) -> bool:
    return day.weekday() >= 5


def rules(category="phone", on=SALE, **kw):
    return rules_for(BOOK, category=category, on=on, **kw)


def phone(days_after: int, fault="phone.no_power", **kw) -> Claim:
    base = {"category": "phone", "invoice_date": SALE, "sale_date": SALE, "fault_code": fault,
            "claim_date": SALE + dt.timedelta(days=days_after), "price": Decimal("3000.00")}
    base.update(kw)
    return Claim(**base)


def rule_ids(verdict) -> set[str]:
    return {r.rule for r in verdict.reasons}


# -- C2: date arithmetic --------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "end"), [
    (D(2025, 3, 3), 12, D(2026, 3, 3)),
    (D(2025, 1, 31), 1, D(2025, 2, 28)),      # no 31 Feb: last day of the month
    (D(2024, 1, 31), 1, D(2024, 2, 29)),      # leap year
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 12, 15), 3, D(2026, 3, 15)),
])
def test_add_months_matching_day_or_month_end(start, months, end):
    assert add_months(start, months) == end


def test_postpone_skips_a_rest_run():
    holiday = {D(2025, 10, d) for d in range(1, 9)}
    assert postpone(D(2025, 10, 1), lambda d: d in holiday) == D(2025, 10, 9)
    assert postpone(D(2025, 10, 9), lambda d: d in holiday) == D(2025, 10, 9)


# -- the 7 / 8 / 15 / 16 day boundaries (phone art. 11, 12; C2: day 1 is the day after sale) ----

@pytest.mark.parametrize(("day", "expected"), [
    (0, [Remedy.REFUND, Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (7, [Remedy.REFUND, Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (8, [Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (15, [Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (16, [Remedy.FREE_REPAIR]),
    (365, [Remedy.FREE_REPAIR]),               # 2026-03-03 is the matching day: last day of the period
    (366, [Remedy.PAID_REPAIR]),
])
def test_phone_host_windows(day, expected):
    verdict = evaluate(phone(day), rules(), never)
    assert verdict.remedies == expected
    assert verdict.day_index == day


def test_day_7_refund_cites_article_11_and_day_8_article_12():
    day7 = evaluate(phone(7), rules(), never)
    day8 = evaluate(phone(8), rules(), never)
    assert any("第十一条" in r.clause for r in day7.reasons)
    assert any("第十二条" in r.clause for r in day8.reasons)
    assert day7.cost_bearer == CostBearer.SELLER
    assert "退货" in day7.summary
    assert day7.summary.startswith("整机在三包有效期内")


def test_seven_day_window_is_postponed_over_a_rest_day():
    # SALE + 7 = Monday 10 March; make 10–11 March rest days: day 9 (12 March is day 9) is still "7 日内".
    rest = {D(2025, 3, 10), D(2025, 3, 11)}
    verdict = evaluate(phone(9), rules(), lambda d: d in rest)
    assert Remedy.REFUND in verdict.remedies
    assert Remedy.REFUND not in evaluate(phone(9), rules(), never).remedies


def test_unlisted_fault_is_warranty_repair_only_c8():
    verdict = evaluate(phone(3, fault="phone.software"), rules(), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert "C8" in rule_ids(verdict)


# -- C3 holiday postponement of the period end ---------------------------------------------------

def test_period_end_on_a_holiday_moves_to_the_next_working_day():
    sale = D(2024, 10, 1)  # period ends 2025-10-01: National Day holiday 1–8 Oct 2025
    holiday = {D(2025, 10, d) for d in range(1, 9)}
    claim = phone(0, sale_date=sale, invoice_date=sale, claim_date=D(2025, 10, 9))
    verdict = evaluate(claim, rules(on=sale), lambda d: d in holiday)
    assert verdict.period.end == D(2025, 10, 9)
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert "C3" in rule_ids(verdict)
    assert [e.kind for e in verdict.period.extensions] == ["holiday"]
    late = evaluate(phone(0, sale_date=sale, invoice_date=sale, claim_date=D(2025, 10, 10)), rules(on=sale),
                    lambda d: d in holiday)
    assert late.remedies == [Remedy.PAID_REPAIR]


def test_weekend_end_postponed_to_monday():
    sale = D(2024, 3, 2)  # ends Sunday 2025-03-02 → Monday 3 March
    verdict = evaluate(phone(0, sale_date=sale, invoice_date=sale, claim_date=D(2025, 3, 3)), rules(on=sale),
                       weekends)
    assert verdict.period.end == D(2025, 3, 3)
    assert verdict.in_warranty


# -- C4 extension by repair and parts-waiting days -----------------------------------------------

def test_repair_days_and_parts_wait_extend_the_period():
    history = (PastRepair(received_on=D(2025, 6, 1), returned_on=D(2025, 6, 20), occupied_days=9, parts_wait_days=10,
                          fault_code="phone.audio"),)
    claim = phone(0, claim_date=D(2026, 3, 22), repairs=history)
    verdict = evaluate(claim, rules(), never)
    assert verdict.period.nominal_end == D(2026, 3, 3)
    assert verdict.period.end == D(2026, 3, 22)
    assert [(e.kind, e.days) for e in verdict.period.extensions] == [("repair_days", 9), ("parts_wait_days", 10)]
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert "C4" in rule_ids(verdict)
    assert evaluate(phone(0, claim_date=D(2026, 3, 23), repairs=history), rules(), never).remedies == \
        [Remedy.PAID_REPAIR]


def test_extension_then_holiday_postponement_in_that_order():
    history = (PastRepair(received_on=D(2025, 6, 1), returned_on=D(2025, 6, 6), occupied_days=5),)
    # nominal end 2026-03-03 + 5 = Sunday 8 March → Monday 9 March
    verdict = evaluate(phone(0, claim_date=D(2026, 3, 9), repairs=history), rules(), weekends)
    assert verdict.period.end == D(2026, 3, 9)
    assert [e.kind for e in verdict.period.extensions] == ["repair_days", "holiday"]


# -- the two-repairs rule (phone art. 13, A8) ----------------------------------------------------

def _repairs(n, start=D(2025, 5, 1)):
    return tuple(PastRepair(received_on=start + dt.timedelta(days=30 * i),
                            returned_on=start + dt.timedelta(days=30 * i + 3), fault_code=f"phone.f{i}")
                 for i in range(n))


def test_one_repair_then_fault_is_repair_only():
    verdict = evaluate(phone(200, repairs=_repairs(1)), rules(), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]


def test_two_repairs_then_a_third_listed_fault_gives_exchange():
    verdict = evaluate(phone(100, repairs=_repairs(2)), rules(), never)
    assert Remedy.EXCHANGE in verdict.remedies
    assert Remedy.REFUND not in verdict.remedies  # phone: refund only when no stock
    assert Remedy.REFUND_DEPRECIATED in verdict.remedies
    assert any("第十三条" in r.clause for r in verdict.reasons)


def test_two_repairs_but_unlisted_third_fault_does_not_trigger():
    verdict = evaluate(phone(200, fault="phone.software", repairs=_repairs(2)), rules(), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]


def test_paid_or_ongoing_repairs_do_not_count():
    history = (*_repairs(1), PastRepair(received_on=D(2025, 8, 1), returned_on=None),
               PastRepair(received_on=D(2025, 8, 5), returned_on=D(2025, 8, 6), under_warranty=False))
    assert Remedy.EXCHANGE not in evaluate(phone(200, repairs=history), rules(), never).remedies


def test_appliance_two_repairs_allow_exchange_or_refund():
    sale = D(2025, 1, 6)
    claim = Claim(category="fridge", invoice_date=sale, claim_date=D(2025, 9, 1), fault_code="fridge.no_cooling",
                  repairs=_repairs(2, start=D(2025, 3, 1)), price=Decimal("4000"))
    verdict = evaluate(claim, rules("fridge", on=sale), never)
    assert Remedy.EXCHANGE in verdict.remedies
    assert "A17: 冰箱折旧率与主要部件清单待核实" in verdict.warnings
    # with same-model stock the refund is the depreciated one, blocked while the rate is unverified
    assert Remedy.REFUND not in verdict.remedies
    assert verdict.depreciation_blocked
    no_stock = evaluate(Claim(**{**claim.__dict__, "same_model_in_stock": False}), rules("fridge", on=sale), never)
    assert {Remedy.EXCHANGE, Remedy.REFUND} <= set(no_stock.remedies)
    assert no_stock.option(Remedy.REFUND).amount == Decimal("4000")


# -- exchange restarts the period (C5, A12) --------------------------------------------------------

def test_exchange_restarts_the_host_period_but_not_the_windows():
    exchange = (PastExchange(on=D(2025, 3, 12)),)
    verdict = evaluate(phone(375, exchanges=exchange), rules(), never)  # 2026-03-13, day 375
    assert verdict.period.start == D(2025, 3, 12)
    assert verdict.period.end == D(2026, 3, 12)
    assert verdict.remedies == [Remedy.PAID_REPAIR]
    inside = evaluate(phone(370, exchanges=exchange), rules(), never)
    assert inside.remedies == [Remedy.FREE_REPAIR]
    assert "C5" in rule_ids(inside)
    # A12: a fault on day 10 after the exchange (day 19 after sale) has no refund/exchange window
    assert evaluate(phone(19, exchanges=exchange), rules(), never).remedies == [Remedy.FREE_REPAIR]


def test_repairs_before_an_exchange_do_not_count_for_the_new_unit():
    exchange = (PastExchange(on=D(2025, 8, 1)),)
    verdict = evaluate(phone(200, repairs=_repairs(2), exchanges=exchange), rules(), never)
    assert Remedy.EXCHANGE not in verdict.remedies


# -- accessories (§2.1, §2.4, A4, A16) ----------------------------------------------------------

@pytest.mark.parametrize(("fault", "last_covered"), [
    ("phone.battery", D(2025, 9, 3)),         # 6 months
    ("phone.headset", D(2025, 6, 3)),         # 3 months
    ("phone.charger", D(2026, 3, 3)),         # 1 year (A4)
])
def test_accessory_periods(fault, last_covered):
    inside = evaluate(phone(0, fault=fault, claim_date=last_covered), rules(), never)
    after = evaluate(phone(0, fault=fault, claim_date=last_covered + dt.timedelta(days=1)), rules(), never)
    assert inside.remedies == [Remedy.EXCHANGE]
    assert inside.scope != Component.HOST
    assert after.remedies == [Remedy.PAID_REPAIR]


def test_battery_out_of_period_is_paid_even_with_host_in_warranty():
    verdict = evaluate(phone(200, fault="phone.battery"), rules(), never)
    assert verdict.remedies == [Remedy.PAID_REPAIR]
    assert any("即使整机仍在保修期内" in r.text for r in verdict.reasons)


def test_accessory_has_no_refund_in_seven_days():
    assert evaluate(phone(2, fault="phone.battery"), rules(), never).remedies == [Remedy.EXCHANGE]


def test_accessory_exchanged_twice_then_refund_and_restart():
    swaps = (PastExchange(on=D(2025, 4, 1), component=Component.ACCESSORY, part="battery"),
             PastExchange(on=D(2025, 6, 1), component=Component.ACCESSORY, part="battery"))
    verdict = evaluate(phone(0, fault="phone.battery", claim_date=D(2025, 11, 1), exchanges=swaps), rules(), never)
    assert verdict.period.start == D(2025, 6, 1)  # A16: restarted by the last swap
    assert set(verdict.remedies) == {Remedy.EXCHANGE, Remedy.REFUND}


# -- main parts (§3.1, §4.1) -------------------------------------------------------------------

def _laptop(claim_date, fault):
    return Claim(category="laptop", invoice_date=SALE, claim_date=claim_date, fault_code=fault)


def test_laptop_main_part_covered_two_years():
    verdict = evaluate(_laptop(D(2026, 9, 1), "pc.mainboard"), rules("laptop"), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert verdict.period.end == D(2027, 3, 3)
    assert "§3.2" in rule_ids(verdict)
    assert evaluate(_laptop(D(2027, 3, 4), "pc.mainboard"), rules("laptop"), never).remedies == [Remedy.PAID_REPAIR]


def test_laptop_other_part_in_second_year_is_paid():
    assert evaluate(_laptop(D(2026, 9, 1), "pc.hinge"), rules("laptop"), never).remedies == [Remedy.PAID_REPAIR]
    assert evaluate(_laptop(D(2025, 9, 1), "pc.hinge"), rules("laptop"), never).remedies == [Remedy.FREE_REPAIR]


@pytest.mark.parametrize(("category", "fault"), [
    ("fridge", "fridge.no_cooling"), ("air_conditioner", "ac.no_cooling"), ("washer", "washer.motor"),
])
def test_appliance_compressor_or_motor_three_years(category, fault):
    claim = Claim(category=category, invoice_date=SALE, claim_date=D(2028, 3, 3), fault_code=fault)
    assert evaluate(claim, rules(category), never).remedies == [Remedy.FREE_REPAIR]
    late = Claim(category=category, invoice_date=SALE, claim_date=D(2028, 3, 4), fault_code=fault)
    assert evaluate(late, rules(category), never).remedies == [Remedy.PAID_REPAIR]


# -- anchors (C1, A2, A20) ---------------------------------------------------------------------

def test_flat_tv_period_from_installation():
    claim = Claim(category="tv", invoice_date=D(2025, 1, 2), installed_on=D(2025, 1, 20),
                  claim_date=D(2025, 1, 27), fault_code="tv.panel", price=Decimal("5000"))
    verdict = evaluate(claim, rules("tv", on=D(2025, 1, 2)), never)
    assert verdict.rule_set == "tv-2011"
    assert verdict.day_index == 7
    assert Remedy.REFUND in verdict.remedies
    assert verdict.period.start == D(2025, 1, 20)


def test_rule_set_version_by_purchase_date():
    assert rules("tv", on=D(2010, 5, 1)).id == "tv-1995"
    assert rules("tv", on=D(2011, 3, 1)).id == "tv-2011"


def test_air_conditioner_installed_later_anchor_a20():
    claim = Claim(category="air_conditioner", invoice_date=D(2025, 6, 1), installed_on=D(2025, 6, 10),
                  claim_date=D(2025, 6, 17), fault_code="ac.fan")
    verdict = evaluate(claim, rules("air_conditioner"), never)
    assert Remedy.REFUND in verdict.remedies
    assert "A20" in rule_ids(verdict)


def test_online_purchase_counts_from_delivery_a2():
    claim = phone(12, channel="online", delivered_on=SALE + dt.timedelta(days=5))
    verdict = evaluate(claim, rules(), never)
    assert verdict.day_index == 7
    assert Remedy.REFUND in verdict.remedies
    assert "A2" in rule_ids(verdict)


# -- online 7-day no-reason return (§6.2) ------------------------------------------------------

@pytest.mark.parametrize(("days_after_delivery", "allowed"), [(0, True), (7, True), (8, False)])
def test_no_reason_return_seven_days_from_signing(days_after_delivery, allowed):
    delivered = SALE + dt.timedelta(days=3)
    claim = phone(0, fault="", channel="online", delivered_on=delivered,
                  claim_date=delivered + dt.timedelta(days=days_after_delivery))
    verdict = evaluate(claim, rules(), never)
    assert (Remedy.NO_REASON_RETURN in verdict.remedies) is allowed
    if allowed:
        assert verdict.remedy_costs[Remedy.NO_REASON_RETURN] == CostBearer.CONSUMER


def test_no_reason_return_needs_intact_goods_and_online_channel():
    delivered = SALE
    not_intact = phone(2, fault="", channel="online", delivered_on=delivered, goods_intact=False)
    store = phone(2, fault="", channel="store", delivered_on=delivered)
    assert Remedy.NO_REASON_RETURN not in evaluate(not_intact, rules(), never).remedies
    assert Remedy.NO_REASON_RETURN not in evaluate(store, rules(), never).remedies


def test_both_tracks_are_offered_together():
    claim = phone(3, channel="online", delivered_on=SALE)
    verdict = evaluate(claim, rules(), never)
    assert {Remedy.REFUND, Remedy.NO_REASON_RETURN} <= set(verdict.remedies)
    assert verdict.remedy_costs[Remedy.REFUND] == CostBearer.SELLER


# -- exclusions with evidence (C9, CPL art. 23) -------------------------------------------------

def test_exclusion_without_evidence_within_six_months_is_rejected():
    claim = phone(100, exclusions=(Exclusion(code="liquid"),))
    verdict = evaluate(claim, rules(), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert any("不予排除" in r.text and "第二十三条" in r.clause for r in verdict.reasons)


def test_exclusion_with_evidence_gives_paid_repair():
    claim = phone(100, exclusions=(Exclusion(code="liquid", evidence=("attachment:12",)),))
    verdict = evaluate(claim, rules(), never)
    assert verdict.remedies == [Remedy.PAID_REPAIR]
    assert verdict.exclusion == "liquid"
    assert verdict.cost_bearer == CostBearer.CONSUMER


def test_exclusion_after_six_months_needs_no_evidence_from_the_business():
    claim = phone(200, exclusions=(Exclusion(code="disassembly"),))
    assert evaluate(claim, rules(), never).remedies == [Remedy.PAID_REPAIR]


def test_exclusion_blocks_only_the_affected_part():
    crack = Exclusion(code="drop", evidence=("photo",), parts=("display",))
    verdict = evaluate(phone(0, fault="phone.battery", claim_date=D(2025, 5, 1), exclusions=(crack,)), rules(), never)
    assert verdict.remedies == [Remedy.EXCHANGE]


def test_no_invoice_and_no_card_means_paid_unless_proven_c7():
    assert evaluate(phone(100, has_invoice=False, has_card=False), rules(), never).remedies == [Remedy.PAID_REPAIR]
    proven = evaluate(phone(3, has_invoice=False, has_card=False, can_prove_in_period=True), rules(), never)
    assert Remedy.EXCHANGE in proven.remedies
    assert Remedy.REFUND not in proven.remedies  # A5: no price document, no refund


# -- C6: 30-day repair guarantee ----------------------------------------------------------------

def test_same_fault_within_30_days_of_hand_back_is_free_even_after_expiry():
    last = PastRepair(received_on=D(2026, 2, 1), returned_on=D(2026, 2, 20), occupied_days=0,
                      fault_code="phone.audio", under_warranty=False)
    within = evaluate(phone(0, fault="phone.audio", claim_date=D(2026, 3, 22), repairs=(last,)), rules(), never)
    assert within.remedies == [Remedy.FREE_REPAIR]
    assert within.cost_bearer == CostBearer.REPAIRER
    assert "C6" in rule_ids(within)
    after = evaluate(phone(0, fault="phone.audio", claim_date=D(2026, 3, 23), repairs=(last,)), rules(), never)
    assert after.remedies == [Remedy.PAID_REPAIR]
    other = evaluate(phone(0, fault="phone.keys", claim_date=D(2026, 3, 22), repairs=(last,)), rules(), never)
    assert other.remedies == [Remedy.PAID_REPAIR]


# -- 30 / 60 / 90-day delay triggers ------------------------------------------------------------

def test_repairer_delay_over_30_days_gives_exchange_at_repairer_cost():
    current = CurrentRepair(received_on=D(2025, 6, 1), parts_wait_days=5)
    day30 = evaluate(phone(0, claim_date=D(2025, 7, 6), current_repair=current), rules(), never)  # 35 - 5 = 30
    day31 = evaluate(phone(0, claim_date=D(2025, 7, 7), current_repair=current), rules(), never)
    assert Remedy.EXCHANGE not in day30.remedies
    assert Remedy.EXCHANGE in day31.remedies
    assert day31.remedy_costs[Remedy.EXCHANGE] == CostBearer.REPAIRER


def test_parts_delay_60_days_for_phones_90_for_appliances():
    current = CurrentRepair(received_on=D(2025, 6, 1), parts_wait_days=61, waiting_for_producer_parts=True)
    triggers = {t.kind: t for t in delay_triggers(phone(0, claim_date=D(2025, 7, 31), current_repair=current),
                                                  rules())}
    assert triggers["parts_delay"].fires_on == D(2025, 8, 1)
    assert not triggers["parts_delay"].fired
    fired = evaluate(phone(0, claim_date=D(2025, 8, 1), current_repair=current), rules(), never)
    assert Remedy.EXCHANGE in fired.remedies
    assert any("第十六条" in r.clause for r in fired.reasons)
    fridge = Claim(category="fridge", invoice_date=SALE, claim_date=D(2025, 8, 1), fault_code="fridge.no_cooling",
                   current_repair=current)
    t = {t.kind: t for t in delay_triggers(fridge, rules("fridge"))}
    assert t["parts_delay"].limit_days == 90
    assert t["parts_delay"].fires_on == D(2025, 8, 31)


# -- refunds: no stock, depreciation (A11, A17) ------------------------------------------------

def test_no_stock_and_consumer_refuses_other_model_gives_full_refund():
    verdict = evaluate(phone(10, same_model_in_stock=False, consumer_refuses_other_model=True), rules(), never)
    assert Remedy.REFUND in verdict.remedies
    assert Remedy.REFUND_DEPRECIATED not in verdict.remedies


def test_depreciated_refund_half_percent_per_day_minus_repair_days():
    history = (PastRepair(received_on=D(2025, 4, 1), returned_on=D(2025, 4, 11), occupied_days=10),
               PastRepair(received_on=D(2025, 5, 1), returned_on=D(2025, 5, 11), occupied_days=10))
    verdict = evaluate(phone(60, repairs=history), rules(), never)
    assert verdict.depreciated_refund == Decimal("3000.00") * (1 - Decimal("0.005") * 40)
    far = evaluate(phone(300, repairs=history), rules(), never)
    assert Remedy.REFUND_DEPRECIATED not in far.remedies  # a refund of ¥0.00 is never offered
    assert far.depreciated_refund is None


# -- region overrides and brand policies (§0, A14) ---------------------------------------------

def test_zhejiang_desktop_three_years():
    claim = Claim(category="desktop", invoice_date=SALE, claim_date=D(2027, 9, 1), fault_code="pc.no_power")
    assert evaluate(claim, rules("desktop"), never).remedies == [Remedy.PAID_REPAIR]
    zj = evaluate(claim, rules("desktop", region="zhejiang"), never)
    assert zj.remedies == [Remedy.FREE_REPAIR]
    assert zj.period.end == D(2028, 3, 3)


def test_brand_promise_more_favourable_wins():
    claim = Claim(category="air_conditioner", brand="格力", invoice_date=SALE, claim_date=D(2029, 1, 1),
                  fault_code="ac.leak_water")
    verdict = evaluate(claim, rules("air_conditioner", brand="格力"), never)
    assert verdict.remedies == [Remedy.FREE_REPAIR]
    assert verdict.cost_bearer == CostBearer.PRODUCER
    assert "§0" in rule_ids(verdict)
    assert evaluate(claim, rules("air_conditioner"), never).remedies == [Remedy.PAID_REPAIR]


def test_brand_cannot_shorten_the_statutory_floor():
    data = {"rule_sets": [{"id": "p", "category": "phone", "effective_from": "2001-01-01", "host_months": 12}],
            "brand_policies": [{"id": "stingy", "brand": "X", "categories": ["phone"], "host_months": 6}]}
    book = rule_book_from_dict(data)
    assert rules_for(book, category="phone", on=SALE, brand="X").host_months == 12


def test_unlisted_category_falls_back_to_cpl_art_24_plus_brand():
    claim = Claim(category="tablet", invoice_date=SALE, delivered_on=SALE, claim_date=D(2025, 3, 20),
                  fault_code="general.no_power")
    bare = evaluate(claim, rules("tablet"), never)
    assert bare.rule_set == "cpl-fallback"
    # after day 7, CPL art. 24: repair or exchange by the seller (it used to fall back to paid repair)
    assert bare.remedies == [Remedy.EXCHANGE, Remedy.FREE_REPAIR]
    assert bare.option(Remedy.EXCHANGE).payer == CostBearer.SELLER
    assert "第二十四条" in bare.option(Remedy.EXCHANGE).clause
    assert evaluate(Claim(**{**claim.__dict__, "claim_date": D(2025, 3, 9)}), rules("tablet"), never).remedies[0] \
        == Remedy.REFUND
    huawei = evaluate(Claim(**{**claim.__dict__, "brand": "华为"}), rules("tablet", brand="华为"), never)
    assert huawei.remedies == [Remedy.EXCHANGE, Remedy.FREE_REPAIR]
    assert huawei.option(Remedy.FREE_REPAIR).payer == CostBearer.PRODUCER  # the brand's promise


def test_verdict_serialises_for_storage():
    data = evaluate(phone(3), rules(), never).as_dict()
    assert data["summary"]
    assert data["remedies"][0] == "refund"
    assert data["period"]["end"] == "2026-03-03"
    assert all({"rule", "text", "clause"} <= set(r) for r in data["reasons"])


def test_missing_dates_gives_paid_repair_with_warning():
    verdict = evaluate(Claim(category="phone", claim_date=SALE, fault_code="phone.no_power"), rules(), never)
    assert verdict.remedies == [Remedy.PAID_REPAIR]
    assert verdict.warnings


def test_tv_depreciated_refund_uses_point_one_percent_per_day():
    sale = D(2025, 1, 6)
    history = tuple(PastRepair(received_on=D(2025, 2, 1) + dt.timedelta(days=30 * i),
                               returned_on=D(2025, 2, 6) + dt.timedelta(days=30 * i), occupied_days=5)
                    for i in range(2))
    claim = Claim(category="tv", invoice_date=sale, installed_on=sale, claim_date=D(2025, 6, 5),
                  fault_code="tv.panel", repairs=history, price=Decimal("5000.00"))
    verdict = evaluate(claim, rules("tv", on=sale), never)
    # 1995 rule: exchange or refund; with same-model stock the refund is depreciated at 0.1% a day
    assert {Remedy.EXCHANGE, Remedy.REFUND_DEPRECIATED} <= set(verdict.remedies)
    assert Remedy.REFUND not in verdict.remedies
    assert verdict.depreciated_refund == Decimal("4300.00")  # 150 days - 10 repair days = 140 × 0.1%
    no_stock = evaluate(Claim(**{**claim.__dict__, "same_model_in_stock": False}), rules("tv", on=sale), never)
    assert {Remedy.EXCHANGE, Remedy.REFUND} <= set(no_stock.remedies)
    assert Remedy.REFUND_DEPRECIATED not in no_stock.remedies


def test_phone_depreciation_days_exclude_repair_time():
    history = (PastRepair(received_on=D(2025, 4, 1), returned_on=D(2025, 4, 6), occupied_days=5),
               PastRepair(received_on=D(2025, 5, 1), returned_on=D(2025, 5, 6), occupied_days=5))
    verdict = evaluate(phone(100, repairs=history), rules(), never)
    assert verdict.depreciated_refund == (Decimal("3000.00") * (1 - Decimal("0.005") * 90)).quantize(Decimal("0.01"))


def test_unverified_appliance_depreciation_is_blocked_a17():
    history = _repairs(2, start=D(2025, 4, 1))
    claim = Claim(category="air_conditioner", invoice_date=SALE, claim_date=D(2025, 9, 1), fault_code="ac.fan",
                  repairs=history, price=Decimal("3000"))
    verdict = evaluate(claim, rules("air_conditioner"), never)
    assert Remedy.REFUND_DEPRECIATED not in verdict.remedies
    # blocked with a reason, not turned into a full refund
    assert Remedy.REFUND not in verdict.remedies
    assert verdict.depreciation_blocked
    assert "A17" in {r.rule for r in verdict.reasons}


def test_no_reason_return_exempt_goods():
    claim = phone(2, fault="", channel="online", delivered_on=SALE, no_reason_exempt=True)
    verdict = evaluate(claim, rules(), never)
    assert Remedy.NO_REASON_RETURN not in verdict.remedies
    assert any("不适用七日无理由退货" in r.text for r in verdict.reasons)


def test_no_reason_window_postponed_over_rest_days():
    delivered = D(2025, 9, 24)  # +7 = 1 Oct, National Day holiday to 8 Oct
    holiday = {D(2025, 10, d) for d in range(1, 9)}
    claim = phone(0, fault="", channel="online", delivered_on=delivered, claim_date=D(2025, 10, 9))
    assert Remedy.NO_REASON_RETURN in evaluate(claim, rules(), lambda d: d in holiday).remedies
    assert Remedy.NO_REASON_RETURN not in evaluate(claim, rules(), never).remedies


def test_a_stored_message_keeps_its_source_text_whatever_the_active_language():
    """Verdicts are stored with the untranslated message ids, read from lazy messages of every kind."""
    from django.utils import translation
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from repairs.warranty.types import msgid

    with translation.override("en"):
        assert str(gettext_lazy("电池")) != "电池"  # the catalogue translates it
        assert msgid(gettext_lazy("电池")) == "电池"
        assert msgid(pgettext_lazy("warranty", "电池")) == "电池"
        assert msgid("换货") == "换货"
        assert translation.get_language() == "en"
