"""The 三包 engine's two steps (entitlement, then decision) and the statutory rules it used to miss.

Each rule is tested on both sides of its boundary with plain values (the engine is a pure function).
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.utils.functional import Promise

from repairs.warranty import (
    Choice,
    Claim,
    Component,
    CostBearer,
    CurrentRepair,
    DecisionStatus,
    PastExchange,
    PastRepair,
    Remedy,
    evaluate,
    load_rule_book,
    rule_book_from_dict,
    rules_for,
)
from repairs.warranty.card import decision_card

D = dt.date
BOOK = load_rule_book()
SALE = D(2025, 3, 3)  # a Monday
PRICE = Decimal("3000.00")


def never(day: dt.date) -> bool:
    return False


def rules(category="phone", on=SALE, **kw):
    return rules_for(BOOK, category=category, on=on, **kw)


def phone(days_after: int, fault="phone.no_power", **kw) -> Claim:
    base = {"category": "phone", "invoice_date": SALE, "sale_date": SALE, "fault_code": fault,
            "claim_date": SALE + dt.timedelta(days=days_after), "price": PRICE}
    base.update(kw)
    return Claim(**base)


def two_repairs(start=D(2025, 4, 1), occupied=0):
    return tuple(PastRepair(received_on=start + dt.timedelta(days=30 * i),
                            returned_on=start + dt.timedelta(days=30 * i + occupied), occupied_days=occupied,
                            fault_code=f"phone.f{i}") for i in range(2))


def rule_ids(verdict) -> set[str]:
    return {r.rule for r in verdict.reasons}


# -- 1. entitlement: every option with amount, payer and clause ------------------------------------

def test_entitlement_options_carry_amount_payer_and_clause():
    verdict = evaluate(phone(3), rules(), never)
    refund, exchange, repair = verdict.options
    assert (refund.remedy, refund.amount, refund.payer) == (Remedy.REFUND, PRICE, CostBearer.SELLER)
    assert "第十一条" in refund.clause
    assert (exchange.remedy, exchange.amount) == (Remedy.EXCHANGE, Decimal("0.00"))
    assert (repair.remedy, repair.amount) == (Remedy.FREE_REPAIR, Decimal("0.00"))
    assert verdict.decision.status == DecisionStatus.PENDING  # no choice yet: nothing decided
    stored = verdict.as_dict()
    assert stored["options"][0] == {**stored["options"][0], "remedy": "refund", "amount": "3000.00", "payer": "seller"}
    assert stored["decision"]["status"] == "pending"


# -- 1. decision: the consumer's choice, stock and model availability ------------------------------

def test_choice_refund_in_seven_days_is_decided_at_invoice_price():
    decision = evaluate(phone(7, choice=Choice.REFUND), rules(), never).decision
    assert (decision.status, decision.remedy, decision.amount, decision.payer) == \
        (DecisionStatus.DECIDED, Remedy.REFUND, PRICE, CostBearer.SELLER)
    assert "第十一条" in decision.clause
    late = evaluate(phone(8, choice=Choice.REFUND), rules(), never).decision
    assert late.status == DecisionStatus.SUBSTITUTED
    assert late.remedy == Remedy.EXCHANGE  # day 8: refund no longer owed, exchange is


def test_consumer_insists_on_refund_with_stock_gets_the_depreciated_amount():
    verdict = evaluate(phone(100, repairs=two_repairs(), choice=Choice.REFUND), rules(), never)
    assert verdict.decision.remedy == Remedy.REFUND_DEPRECIATED
    assert verdict.decision.amount == Decimal("1500.00")  # 100 days × 0.5%
    assert verdict.decision.status == DecisionStatus.DECIDED


def test_no_stock_and_consumer_refuses_other_model_is_decided_as_full_refund():
    claim = phone(100, repairs=two_repairs(), choice=Choice.EXCHANGE, same_model_in_stock=False,
                  consumer_refuses_other_model=True)
    decision = evaluate(claim, rules(), never).decision
    assert (decision.remedy, decision.amount) == (Remedy.REFUND, PRICE)
    accepts = evaluate(Claim(**{**claim.__dict__, "consumer_refuses_other_model": False}), rules(), never).decision
    assert accepts.remedy == Remedy.EXCHANGE
    assert any("其他型号" in r.text for r in accepts.reasons)


def test_discontinued_model_counts_as_no_same_model():
    claim = phone(100, repairs=two_repairs(), choice=Choice.EXCHANGE, model_discontinued=True,
                  consumer_refuses_other_model=True)
    verdict = evaluate(claim, rules(), never)
    assert verdict.decision.remedy == Remedy.REFUND
    assert verdict.decision.amount == PRICE
    assert any("停产" in r.text for r in verdict.reasons)
    in_production = evaluate(Claim(**{**claim.__dict__, "model_discontinued": False}), rules(), never)
    assert in_production.decision.remedy == Remedy.EXCHANGE


def test_choice_outside_the_options_falls_back_to_the_best_available():
    assert evaluate(phone(20, choice=Choice.EXCHANGE), rules(), never).decision.remedy == Remedy.FREE_REPAIR
    out = evaluate(phone(400, choice=Choice.REPAIR), rules(), never).decision
    assert (out.remedy, out.payer, out.amount) == (Remedy.PAID_REPAIR, CostBearer.CONSUMER, None)


@pytest.mark.parametrize(("day", "offered"), [(199, True), (200, False)])
def test_a_depreciated_refund_of_zero_is_never_offered(day, offered):
    verdict = evaluate(phone(day, repairs=two_repairs(), choice=Choice.REFUND), rules(), never)
    assert (Remedy.REFUND_DEPRECIATED in verdict.remedies) is offered
    if offered:
        assert verdict.option(Remedy.REFUND_DEPRECIATED).amount == Decimal("15.00")
    else:
        assert verdict.decision.remedy == Remedy.EXCHANGE  # not a refund of ¥0.00
        assert all(o.amount != Decimal("0.00") for o in verdict.options if o.remedy in Remedy.REFUNDS)


# -- 2. an exchange of the host leaves the accessories' periods alone (C5, A16) --------------------

@pytest.mark.parametrize(("claim_date", "expected"), [
    (D(2025, 9, 3), [Remedy.EXCHANGE]),     # the battery's own 6 months from the sale
    (D(2025, 9, 4), [Remedy.PAID_REPAIR]),  # the host exchange on 1 May did not restart it
])
def test_host_exchange_does_not_restart_the_battery(claim_date, expected):
    host_swap = (PastExchange(on=D(2025, 5, 1)),)
    verdict = evaluate(phone(0, fault="phone.battery", claim_date=claim_date, exchanges=host_swap), rules(), never)
    assert verdict.remedies == expected
    assert verdict.period.start == SALE
    assert "A16" in rule_ids(verdict)
    host = evaluate(phone(0, claim_date=D(2026, 4, 1), exchanges=host_swap), rules(), never)
    assert host.period.start == D(2025, 5, 1)  # the exchanged host restarts (C5)
    assert host.remedies == [Remedy.FREE_REPAIR]


# -- 3. a repair in progress counts (C4, parts-delay trigger, A11) ---------------------------------

def _waiting(received=D(2026, 2, 20), parts=61):
    return CurrentRepair(received_on=received, parts_wait_days=parts, waiting_for_producer_parts=True)


@pytest.mark.parametrize(("claim_date", "fired"), [(D(2026, 4, 21), False), (D(2026, 4, 22), True)])
def test_parts_delay_fires_the_exchange_during_the_repair(claim_date, fired):
    # received 20 Feb 2026, inside the period ending 3 Mar 2026; asked in April, after the nominal end
    verdict = evaluate(phone(0, claim_date=claim_date, current_repair=_waiting(parts=(claim_date - D(2026, 2, 20)).days)),
                       rules(), never)
    trigger = {t.kind: t for t in verdict.triggers}["parts_delay"]
    assert trigger.fired is fired
    assert (Remedy.EXCHANGE in verdict.remedies) is fired
    assert Remedy.PAID_REPAIR not in verdict.remedies
    if fired:
        assert verdict.option(Remedy.EXCHANGE).payer == CostBearer.SELLER
        assert "第十六条" in verdict.option(Remedy.EXCHANGE).clause


def test_parts_wait_of_the_current_repair_extends_the_period():
    current = CurrentRepair(received_on=D(2026, 2, 20), parts_wait_days=30)
    verdict = evaluate(phone(0, claim_date=D(2026, 3, 22), current_repair=current), rules(), never)
    assert verdict.period.nominal_end == D(2026, 3, 3)
    assert verdict.period.end == D(2026, 4, 2)  # + 30 days elapsed in this repair (all waiting for parts)
    assert [e.kind for e in verdict.period.extensions] == ["current_repair_days"]
    assert "C4" in rule_ids(verdict)


def test_depreciation_deducts_the_current_repair_days():
    current = CurrentRepair(received_on=D(2025, 6, 1), parts_wait_days=10)
    at = D(2025, 6, 21)  # 110 days after the sale, 20 of them in this repair
    without = evaluate(phone(0, claim_date=at, repairs=two_repairs()), rules(), never)
    with_repair = evaluate(phone(0, claim_date=at, repairs=two_repairs(), current_repair=current), rules(), never)
    assert without.depreciated_refund == PRICE * (1 - Decimal("0.005") * 110)
    assert with_repair.depreciated_refund == PRICE * (1 - Decimal("0.005") * 90)


# -- 4. a bundled accessory exchanged twice is refunded at its separate price (§2.4) --------------

def _charger_swaps(n):
    return tuple(PastExchange(on=D(2025, 4, 1) + dt.timedelta(days=30 * i), component=Component.ACCESSORY,
                              part="charger") for i in range(n))


@pytest.mark.parametrize(("swaps", "refund"), [(1, False), (2, True)])
def test_bundled_charger_refund_after_two_exchanges(swaps, refund):
    claim = phone(0, fault="phone.charger", claim_date=D(2025, 8, 1), exchanges=_charger_swaps(swaps),
                  accessory_bundled=True, accessory_price=Decimal("99.00"), choice=Choice.REFUND)
    verdict = evaluate(claim, rules(), never)
    assert (Remedy.REFUND in verdict.remedies) is refund
    if refund:
        assert verdict.option(Remedy.REFUND).amount == Decimal("99.00")  # never the host's 3000
        assert (verdict.decision.remedy, verdict.decision.amount) == (Remedy.REFUND, Decimal("99.00"))
        assert any("单独销售价格" in r.text for r in verdict.reasons)
    else:
        assert verdict.decision.remedy == Remedy.EXCHANGE


def test_bundled_accessory_refund_without_its_price_is_blocked():
    claim = phone(0, fault="phone.headset", claim_date=D(2025, 5, 1), exchanges=tuple(
        PastExchange(on=D(2025, 3, 20) + dt.timedelta(days=10 * i), component=Component.ACCESSORY, part="headset")
        for i in range(2)), accessory_bundled=True, choice=Choice.REFUND)
    verdict = evaluate(claim, rules(), never)
    assert verdict.option(Remedy.REFUND).amount is None
    assert verdict.decision.status == DecisionStatus.BLOCKED
    assert verdict.decision.amount is None


# -- 5. the online-sale anchor is a policy setting with the A2 default -----------------------------

def _online(days_after_sale, **kw):
    return phone(days_after_sale, channel="online", delivered_on=SALE + dt.timedelta(days=5), **kw)


def test_online_anchor_default_is_the_later_date_and_cited():
    verdict = evaluate(_online(12), rules(), never)
    assert verdict.day_index == 7
    assert Remedy.REFUND in verdict.remedies
    reason = next(r for r in verdict.reasons if r.rule == "A2")
    assert "A2 默认规则" in reason.text
    assert "开票日与签收日中较晚者" in reason.text
    assert Remedy.REFUND not in evaluate(_online(13), rules(), never).remedies


def test_brand_and_seller_policy_set_the_online_anchor():
    data = {"rule_sets": [{"id": "p", "category": "phone", "effective_from": "2001-01-01", "host_months": 12,
                           "regulation": "《规定》"}],
            "brand_policies": [{"id": "b", "brand": "B", "categories": ["phone"], "name": "B 品牌网购政策",
                                "online_anchor": "invoice"}],
            "seller_policies": [{"id": "s", "seller": "某旗舰店", "name": "某旗舰店三包设置",
                                 "online_anchor": "delivered"}]}
    book = rule_book_from_dict(data)
    brand = evaluate(_online(12), rules_for(book, category="phone", on=SALE, brand="B"), never)
    assert brand.day_index == 12  # from the invoice date: the 7-day refund is gone
    assert Remedy.REFUND not in brand.remedies
    assert any("B 品牌网购政策" in r.text and "开票日" in r.text for r in brand.reasons if r.rule == "A2")
    seller = evaluate(_online(12), rules_for(book, category="phone", on=SALE, brand="B", seller="某旗舰店"), never)
    assert seller.day_index == 7  # the seller's setting (签收日) decides
    assert any("某旗舰店三包设置" in r.text for r in seller.reasons if r.rule == "A2")


# -- 6. main-part repair with new parts ----------------------------------------------------------

@pytest.mark.parametrize(("category", "fault", "on", "claim_date", "new_parts"), [
    ("tv", "tv.backlight", D(2025, 1, 6), D(2027, 6, 1), True),        # flat TV backlight, main-part period
    ("tv", "tv.backlight", D(2025, 1, 6), D(2028, 1, 7), False),       # after 3 years: paid, no requirement
    ("fridge", "fridge.no_cooling", SALE, D(2027, 1, 1), True),        # compressor
    ("fridge", "fridge.door_seal", SALE, D(2025, 9, 1), False),        # not a main part
])
def test_main_part_repair_with_new_parts(category, fault, on, claim_date, new_parts):
    claim = Claim(category=category, invoice_date=on, installed_on=on, claim_date=claim_date, fault_code=fault)
    verdict = evaluate(claim, rules(category, on=on), never)
    assert verdict.new_parts_required is new_parts
    assert any("新的零部件" in r.text for r in verdict.reasons) is new_parts
    assert verdict.as_dict()["new_parts_required"] is new_parts


# -- 7. white goods' depreciation rates (A17) ----------------------------------------------------

def _fridge_parts_delay(**kw):
    current = CurrentRepair(received_on=D(2025, 6, 1), parts_wait_days=91, waiting_for_producer_parts=True)
    return Claim(category="fridge", invoice_date=SALE, claim_date=D(2025, 8, 31), fault_code="fridge.no_cooling",
                 current_repair=current, price=Decimal("4000.00"), choice=Choice.REFUND, **kw)


def test_unverified_white_goods_rate_blocks_the_depreciated_refund():
    verdict = evaluate(_fridge_parts_delay(), rules("fridge"), never)
    assert Remedy.EXCHANGE in verdict.remedies
    assert Remedy.REFUND not in verdict.remedies
    assert Remedy.REFUND_DEPRECIATED not in verdict.remedies
    assert verdict.depreciation_blocked
    assert verdict.decision.status == DecisionStatus.BLOCKED
    assert verdict.decision.amount is None  # not computed as a full refund
    assert any(r.rule == "A17" for r in verdict.decision.reasons)


def test_verified_white_goods_rate_computes_the_depreciated_refund():
    fridge = rules("fridge")
    fridge.depreciation_per_day = Decimal("0.001")
    fridge.sources["depreciation_per_day"] = "测试核实来源"
    verdict = evaluate(_fridge_parts_delay(), fridge, never)
    # 181 days since the sale, 91 of them waiting for parts in this repair → 90 days × 0.1%
    assert verdict.decision.remedy == Remedy.REFUND_DEPRECIATED
    assert verdict.decision.amount == Decimal("3640.00")
    assert any("测试核实来源" in r.text for r in verdict.reasons)


# -- 8. unlisted products after day 7: CPL art. 24 (§6.1) -----------------------------------------

def _tablet(day, fault="general.no_power", brand=""):
    return Claim(category="tablet", invoice_date=SALE, delivered_on=SALE, claim_date=SALE + dt.timedelta(days=day),
                 fault_code=fault, brand=brand, price=Decimal("2000"))


@pytest.mark.parametrize(("day", "expected"), [
    (7, [Remedy.REFUND, Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (8, [Remedy.EXCHANGE, Remedy.FREE_REPAIR]),
    (730, [Remedy.EXCHANGE, Remedy.FREE_REPAIR]),   # 2027-03-03: two years after receipt
    (731, [Remedy.PAID_REPAIR]),
])
def test_unlisted_product_quality_defect(day, expected):
    verdict = evaluate(_tablet(day), rules("tablet"), never)
    assert verdict.remedies == expected
    if day > 7 and expected != [Remedy.PAID_REPAIR]:
        assert verdict.option(Remedy.EXCHANGE).payer == CostBearer.SELLER
        assert "第二十四条" in verdict.option(Remedy.EXCHANGE).clause
        assert "§6.1" in rule_ids(verdict)


def test_unlisted_product_without_a_quality_defect_is_paid():
    assert evaluate(_tablet(8, fault="general.cosmetic"), rules("tablet"), never).remedies == [Remedy.PAID_REPAIR]


def test_better_brand_policy_still_wins_for_unlisted_products():
    data = {"rule_sets": [r for r in _raw()["rule_sets"] if r["id"] == "cpl-fallback"],
            "brand_policies": [{"id": "g", "brand": "G", "categories": ["tablet"], "name": "G 十五天包退",
                                "refund_days": 15, "host_months": 12}]}
    book = rule_book_from_dict(data)
    verdict = evaluate(_tablet(10, brand="G"), rules_for(book, category="tablet", on=SALE, brand="G"), never)
    assert Remedy.REFUND in verdict.remedies  # the brand's 15-day refund beats the statutory 7 days
    assert any("G 十五天包退" in r.text for r in verdict.reasons if r.rule == "§0")
    bare = evaluate(_tablet(10), rules_for(book, category="tablet", on=SALE), never)
    assert Remedy.REFUND not in bare.remedies


def _raw():
    import json

    from repairs.warranty.rules import DATA_FILE

    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


# -- 9. the 7-day no-reason return (§6.2, A19) ---------------------------------------------------

def _no_reason(**kw):
    return phone(0, fault="", channel="online", delivered_on=SALE, claim_date=SALE + dt.timedelta(days=3), **kw)


def test_no_reason_return_states_the_refund_deadline():
    verdict = evaluate(_no_reason(), rules(), never)
    assert Remedy.NO_REASON_RETURN in verdict.remedies
    assert any("收到退回商品之日起 7 日内" in r.text for r in verdict.reasons)
    returned = evaluate(_no_reason(goods_returned_on=D(2025, 3, 10), choice=Choice.REFUND), rules(), never)
    option = returned.option(Remedy.NO_REASON_RETURN)
    assert option.deadline == D(2025, 3, 17)
    assert option.amount == PRICE
    assert (returned.decision.remedy, returned.decision.deadline) == (Remedy.NO_REASON_RETURN, D(2025, 3, 17))


@pytest.mark.parametrize(("kw", "offered", "rule"), [
    ({"goods_intact": None}, False, "§6.2"),                                     # not asked yet
    ({"goods_intact": False}, False, "§6.2"),
    ({"activated": True, "activated_for_inspection_only": False}, False, "A19"),
    ({"activated": True, "activated_for_inspection_only": True}, True, "A19"),
    ({}, True, "§6.2"),
])
def test_no_reason_return_needs_intact_goods_activation_only_for_inspection(kw, offered, rule):
    verdict = evaluate(_no_reason(**kw), rules(), never)
    assert (Remedy.NO_REASON_RETURN in verdict.remedies) is offered
    assert rule in rule_ids(verdict)


# -- 10. battery capacity is a number (A10) -----------------------------------------------------

@pytest.mark.parametrize(("measured", "listed"), [(3199, True), (3200, False)])
def test_battery_below_80_percent_of_rated_is_a_listed_fault(measured, listed):
    claim = phone(0, fault="phone.battery", claim_date=D(2025, 6, 1), battery_measured_mah=measured,
                  battery_rated_mah=4000)
    verdict = evaluate(claim, rules(), never)
    assert verdict.remedies == ([Remedy.EXCHANGE] if listed else [Remedy.FREE_REPAIR])
    reason = next(r for r in verdict.reasons if r.rule == "A10")
    assert ("不低于 80%" not in reason.text) is listed


# -- 11. reasons and summaries are translatable, clause references kept --------------------------

def test_reasons_are_lazy_translatable_messages_with_their_clauses():
    verdict = evaluate(phone(3, choice=Choice.REFUND), rules(), never)
    assert all(isinstance(r.message, Promise) for r in verdict.reasons)
    assert isinstance(verdict.summary_message, Promise)
    stored = verdict.as_dict()
    first = stored["reasons"][0]
    assert "%(" in first["message"]
    assert first["params"]
    assert any("第十一条" in r["clause"] for r in stored["reasons"])


def test_rendering_goes_through_gettext():
    verdict = evaluate(phone(3, choice=Choice.REFUND), rules(), never)
    stored = verdict.as_dict()

    def fake_gettext(message):
        return {"售出后第 %(day)s 日（7 日内，截至 %(end)s）出现性能故障，可选择退货、换货或修理。":
                "Fault on day %(day)s after sale (within 7 days, until %(end)s): refund, exchange or repair.",
                "换货": "Exchange"}.get(message, message)

    with mock.patch("repairs.warranty.types.gettext", fake_gettext):
        assert any(r.text == "Fault on day 3 after sale (within 7 days, until 2025-03-10): refund, exchange or repair."
                   for r in verdict.reasons)
        card = decision_card(stored)  # a stored verdict is re-rendered in the reader's language
        assert "Fault on day 3 after sale (within 7 days, until 2025-03-10): refund, exchange or repair." in \
            [r["text"] for r in card["reasons"]]
        assert any("第十一条" in r["clause"] for r in card["reasons"])  # clause references kept


def test_engine_has_no_chinese_f_strings():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for name in ("engine.py", "types.py", "card.py", "rules.py", "dates.py"):
        tree = ast.parse((Path(__file__).resolve().parents[2] / "repairs" / "warranty" / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                assert not cjk.search(literal), (name, node.lineno, literal)
