"""The 三包 policy engine: a pure function from a claim and its rules to an explained verdict.

It implements /work/shared/domain/sanbao.md (§1b evaluation order). It touches no database and no
clock: the rule set, the claim date and the rest-day calendar come in as arguments, so every rule
and boundary is testable with plain values. Rule ids in reasons (C1–C9, A1–A20) are the spec's.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .dates import RestDay, add_days, add_months, months_between_label, postpone
from .rules import RuleSet
from .types import (
    Claim,
    Component,
    CostBearer,
    Exclusion,
    Extension,
    PastRepair,
    Period,
    Reason,
    Remedy,
    Trigger,
    Verdict,
)

REPAIR_GUARANTEE_DAYS = 30      # C6
PROOF_BURDEN_MONTHS = 6         # CPL art. 23 para. 3
CPL23 = "《消费者权益保护法》第二十三条"
CIVIL_CODE_PERIOD = "《民法典》第二百零一条至第二百零三条"


# ----------------------------------------------------------------------------------------------
# Anchors (C1, A2, A20)
# ----------------------------------------------------------------------------------------------

def _later(*days: dt.date | None) -> dt.date | None:
    present = [d for d in days if d]
    return max(present) if present else None


def period_anchor(claim: Claim, rules: RuleSet, reasons: list[Reason]) -> dt.date | None:
    """Start of the 三包有效期: invoice date, or the later install / 签收 date where the rules say so."""
    invoice = claim.invoice_date or claim.sale_date
    if rules.anchor == "install":
        if claim.installed_on:
            reasons.append(Reason("C1", f"平板电视三包有效期自送货、安装、调试完成之日（{claim.installed_on}）起算。",
                                  rules.clause("period")))
            return claim.installed_on
        anchor = invoice
    elif rules.anchor == "later_of_invoice_install":
        anchor = _later(invoice, claim.installed_on)
        if claim.installed_on and invoice and claim.installed_on > invoice:
            reasons.append(Reason("A20", f"安装晚于开票，按对消费者有利的安装完成日（{claim.installed_on}）起算。"))
            return anchor
    elif rules.anchor == "delivered":
        anchor = claim.delivered_on or invoice
    else:
        anchor = invoice
    if claim.channel == "online" and claim.delivered_on and anchor and claim.delivered_on > anchor:
        reasons.append(Reason("A2", f"网购商品按开票日与签收日中较晚者（签收 {claim.delivered_on}）起算。"))
        return claim.delivered_on
    if anchor:
        reasons.append(Reason("C1", f"三包有效期自开具发票之日（{anchor}）起算。", rules.clause("period")))
    return anchor


def window_anchor(claim: Claim, rules: RuleSet, period_start: dt.date | None) -> dt.date | None:
    """Start of the 7-day / 15-day windows: the sale date (C1); flat TVs from installation; A2 online."""
    if rules.window_anchor == "install" and claim.installed_on:
        return claim.installed_on
    if rules.window_anchor == "delivered" and claim.delivered_on:
        return claim.delivered_on
    sale = claim.sale_date or claim.invoice_date
    if rules.anchor == "later_of_invoice_install":
        sale = _later(sale, claim.installed_on)
    if claim.channel == "online" and claim.delivered_on:
        sale = _later(sale, claim.delivered_on)
    return sale or period_start


# ----------------------------------------------------------------------------------------------
# The period of the claimed component (C2–C5, §2.1, §3.1, §4.1, A16)
# ----------------------------------------------------------------------------------------------

def _scope_of(component: str, part: str, rules: RuleSet) -> tuple[str, str, int, str]:
    """(scope key, label, months, source) of the period that covers the claimed component."""
    if component == Component.ACCESSORY:
        spec = rules.accessories.get(part)
        if spec is None:
            return part or "accessory", part or "附件", 0, ""
        return part, spec.get("label", part), int(spec.get("months", 0)), rules.source_of(f"accessories.{part}")
    if component == Component.MAIN_PART and part in rules.main_parts:
        spec = rules.main_parts[part]
        months = max(rules.main_part_months, int(spec.get("months", 0)), rules.host_months)
        source = rules.source_of(f"main_parts.{part}") if int(spec.get("months", 0)) > rules.main_part_months \
            else rules.source_of("main_part_months")
        if months == rules.host_months:
            source = rules.source_of("host_months")
        return part, spec.get("label", part), months, source
    return Component.HOST, "整机", rules.host_months, rules.source_of("host_months")


def _same_scope(repair: PastRepair, component: str, part: str) -> bool:
    if component == Component.ACCESSORY:
        return repair.component == Component.ACCESSORY and repair.part == part
    return repair.component != Component.ACCESSORY


def compute_period(
    claim: Claim, rules: RuleSet, anchor: dt.date | None, component: str, part: str, is_rest_day: RestDay,
    reasons: list[Reason],
) -> Period:
    scope, label, months, source = _scope_of(component, part, rules)
    start = anchor
    # C5: an exchange of the whole unit restarts every period of the new unit; A16: an exchanged
    # accessory restarts its own period; a replaced main part does not (unless a brand says so).
    for exchange in sorted(claim.exchanges, key=lambda e: e.on):
        whole = exchange.component == Component.HOST and not exchange.part
        own = component == Component.ACCESSORY and exchange.component == Component.ACCESSORY and exchange.part == part
        if start and exchange.on >= start and (whole or own):
            start = exchange.on
            reasons.append(Reason("C5" if whole else "A16",
                                  f"{'换机' if whole else '更换' + label}后三包有效期自换货之日（{exchange.on}）重新计算。",
                                  rules.clause("period")))
    if start is None or months <= 0:
        return Period(scope=scope, label=label, start=start, months=months, nominal_end=None, end=None,
                      source=source)
    nominal_end = add_months(start, months)
    period = Period(scope=scope, label=label, start=start, months=months, nominal_end=nominal_end,
                    end=nominal_end, source=source)
    repair_days = parts_days = 0
    for repair in claim.repairs:
        if repair.received_on >= start and _same_scope(repair, component, part):
            repair_days += max(repair.occupied_days, 0)
            parts_days += max(repair.parts_wait_days, 0)
    end = nominal_end
    if repair_days:
        period.extensions.append(Extension("repair_days", repair_days, "修理占用天数"))
        end = add_days(end, repair_days)
    if parts_days:
        period.extensions.append(Extension("parts_wait_days", parts_days, "无零配件待修天数"))
        end = add_days(end, parts_days)
    if repair_days or parts_days:
        reasons.append(Reason("C4", f"有效期扣除修理占用 {repair_days} 日、待修 {parts_days} 日，顺延至 {end}。",
                              rules.clause("period")))
    postponed = postpone(end, is_rest_day)
    if postponed != end:
        period.extensions.append(Extension("holiday", (postponed - end).days, f"{end} 为法定休假日"))
        reasons.append(Reason("C3", f"有效期最后一日 {end} 为休息日，顺延至休息日后第一个工作日 {postponed}。",
                              CIVIL_CODE_PERIOD))
        end = postponed
    period.end = end
    return period


# ----------------------------------------------------------------------------------------------
# Delay triggers (30 / 60 / 90 days)
# ----------------------------------------------------------------------------------------------

def delay_triggers(claim: Claim, rules: RuleSet) -> list[Trigger]:
    """When the current repair's exchange triggers fire (the scheduler warns before these dates).

    Repairer delay: more than ``repairer_delay_days`` in repair for the repairer's own reasons
    (parts-waiting and consumer-waiting days do not count). Parts delay: not repaired more than
    ``parts_delay_days`` after 送修 because the producer did not supply parts (60 phone / 90 1995 rule).
    """
    current = claim.current_repair
    if current is None:
        return []
    triggers = []
    if rules.repairer_delay_days:
        excluded = current.parts_wait_days + current.consumer_wait_days
        fires_on = add_days(current.received_on, rules.repairer_delay_days + excluded + 1)
        triggers.append(Trigger("repairer_delay", rules.repairer_delay_days, fires_on,
                                fired=claim.claim_date >= fires_on, clause=rules.clause("repairer_delay")))
    if rules.parts_delay_days and current.waiting_for_producer_parts:
        fires_on = add_days(current.received_on, rules.parts_delay_days + 1)
        triggers.append(Trigger("parts_delay", rules.parts_delay_days, fires_on,
                                fired=claim.claim_date >= fires_on, clause=rules.clause("parts_delay")))
    return triggers


# ----------------------------------------------------------------------------------------------
# Exclusions (C7, C9, §5, CPL art. 23)
# ----------------------------------------------------------------------------------------------

def _applicable_exclusion(
    claim: Claim, rules: RuleSet, part: str, receipt: dt.date | None, reasons: list[Reason],
) -> Exclusion | None:
    if not claim.has_invoice and not claim.has_card:
        if claim.can_prove_in_period:
            reasons.append(Reason("C7", "无发票和三包凭证，但能证明在三包有效期内，仍应修理、换货。"))
        else:
            reasons.append(Reason("C7", "无三包凭证且无有效发票，不能证明在三包有效期内，不实行三包。"))
            return Exclusion(code="no_documents")
    burden_until = add_months(receipt, PROOF_BURDEN_MONTHS) if receipt else None
    for exclusion in claim.exclusions:
        if exclusion.parts and part not in exclusion.parts:
            reasons.append(Reason("§5", f"排除事由“{rules.exclusions.get(exclusion.code, exclusion.code)}”"
                                        f"只影响 {'、'.join(exclusion.parts)}，不影响本次申请。"))
            continue
        label = rules.exclusions.get(exclusion.code, exclusion.code)
        if burden_until and claim.claim_date <= burden_until and not exclusion.evidence:
            reasons.append(Reason("C9", f"收货后六个月内（至 {burden_until}）由经营者举证；“{label}”未附证据，不予排除。",
                                  CPL23))
            continue
        evidence = f"（证据：{', '.join(exclusion.evidence)}）" if exclusion.evidence else ""
        reasons.append(Reason("C9", f"存在排除事由：{label}{evidence}，不实行三包，可收费修理。", rules.clause("fault_table")))
        return exclusion
    return None


# ----------------------------------------------------------------------------------------------
# evaluate
# ----------------------------------------------------------------------------------------------

def evaluate(claim: Claim, rules: RuleSet, is_rest_day: RestDay) -> Verdict:
    """Decide the remedies for one claim under one resolved rule set (see ``rules_for``).

    Returns a Verdict listing the allowed remedies, the period end with every extension and holiday
    postponement applied, who bears the cost, and the reasons with the rule ids and articles.
    """
    reasons: list[Reason] = []
    warnings: list[str] = list(rules.unverified)
    remedies: set[str] = set()
    costs: dict[str, str] = {}
    fault = rules.fault(claim.fault_code)
    component = claim.component or (fault.component if fault else Component.HOST)
    part = claim.part or (fault.part if fault else "")
    listed = claim.fault_listed if claim.fault_listed is not None else bool(fault and fault.listed)
    if rules.applied:
        reasons.append(Reason("§0", "适用更优规定：" + "、".join(sorted({rules.sources[k] for k in rules.sources})) +
                              "（法定为最低标准，取对消费者最有利者）。"))

    anchor = period_anchor(claim, rules, reasons)
    period = compute_period(claim, rules, anchor, component, part, is_rest_day, reasons)
    win_anchor = window_anchor(claim, rules, anchor)
    day_index = (claim.claim_date - win_anchor).days if win_anchor else None
    receipt = claim.delivered_on or claim.installed_on or claim.sale_date or claim.invoice_date
    in_period = bool(period.end and period.start and period.start <= claim.claim_date <= period.end)
    triggers = delay_triggers(claim, rules)

    def grant(remedy: str, bearer: str) -> None:
        remedies.add(remedy)
        costs.setdefault(remedy, bearer)

    statutory_bearer = CostBearer.SELLER if rules.statutory and period.source == rules.regulation \
        else CostBearer.PRODUCER
    if fault is None and claim.fault_code:
        reasons.append(Reason("C8", f"故障代码 {claim.fault_code} 不在本品类性能故障表中，按一般维修处理。",
                              rules.clause("fault_table")))
    elif fault is not None:
        reasons.append(Reason("C8", f"故障“{fault.label}”{'属于' if listed else '不属于'}性能故障表所列故障。",
                              rules.clause("fault_table")))

    exclusion = _applicable_exclusion(claim, rules, part, receipt, reasons)

    # C6 / A9: the same fault within 30 days of hand-back is repaired free by the repairer.
    guarantee = _repair_guarantee(claim)
    if guarantee is not None:
        grant(Remedy.FREE_REPAIR, CostBearer.REPAIRER)
        reasons.append(Reason("C6", f"同一故障在上次交验（{guarantee.returned_on}）后 30 日内复发，修理者免费维修。",
                              rules.clause("period")))

    if exclusion is None and win_anchor is not None:
        if component == Component.ACCESSORY:
            _accessory(claim, rules, part, period, in_period, listed, grant, reasons)
        else:
            refund_end = postpone(add_days(win_anchor, rules.refund_days), is_rest_day) if rules.refund_days else None
            exchange_end = postpone(add_days(win_anchor, rules.exchange_days), is_rest_day) \
                if rules.exchange_days else None
            in_refund = refund_end is not None and win_anchor <= claim.claim_date <= refund_end
            in_exchange = exchange_end is not None and win_anchor <= claim.claim_date <= exchange_end
            if listed and in_refund:
                for remedy in (Remedy.REFUND, Remedy.EXCHANGE, Remedy.FREE_REPAIR):
                    grant(remedy, statutory_bearer if rules.statutory else CostBearer.SELLER)
                reasons.append(Reason("§1b", f"售出后第 {day_index} 日（7 日内，截至 {refund_end}）出现性能故障，"
                                             "可选择退货、换货或修理。", rules.clause("refund_window")))
            elif listed and in_exchange:
                grant(Remedy.EXCHANGE, statutory_bearer)
                grant(Remedy.FREE_REPAIR, statutory_bearer)
                reasons.append(Reason("§1b", f"售出后第 {day_index} 日（第 8 至 15 日，截至 {exchange_end}）出现性能故障，"
                                             "可选择换货或修理。", rules.clause("exchange_window")))
            if in_period:
                covered = component != Component.OTHER_PART or claim.claim_date <= _host_end(claim, rules, anchor,
                                                                                              is_rest_day)
                if component == Component.MAIN_PART and period.scope != Component.HOST:
                    host_end = _host_end(claim, rules, anchor, is_rest_day)
                    if host_end and claim.claim_date > host_end:
                        reasons.append(Reason("§3.2", f"整机有效期已过（{host_end}），主要部件“{period.label}”在"
                                                      f"{months_between_label(period.months)}有效期内，免费修理（含工时）。",
                                              rules.clause("main_part")))
                if covered:
                    grant(Remedy.FREE_REPAIR, statutory_bearer)
                    if not (listed and (in_refund or in_exchange)):
                        reasons.append(Reason("§1b", f"{period.label}在三包有效期内（截至 {period.end}），免费修理。",
                                              rules.clause("period")))
                    if listed:
                        _repeat_and_delay(claim, rules, period, triggers, grant, reasons)
                else:
                    reasons.append(Reason("§3.2", "非主要部件在整机有效期外损坏，收费维修。", rules.clause("period")))
            elif period.end:
                reasons.append(Reason("C9", f"{period.label}三包有效期已于 {period.end} 届满，收费维修。",
                                      rules.clause("period")))
            elif not rules.statutory and not (in_refund or in_exchange):
                reasons.append(Reason("A6", "该品类无国家三包目录，且无品牌承诺覆盖，按消法第二十四条处理：7 日后收费维修。",
                                      rules.regulation))
    elif win_anchor is None and exclusion is None:
        warnings.append("缺少购买/开票日期，无法确认三包有效期。")
        reasons.append(Reason("C7", "缺少购买凭证日期，无法确认是否在三包有效期内，按收费维修处理，补充凭证后可重新判定。"))

    # No stock of the same model and the consumer refuses another → full refund (§2.3, §4.2, A11).
    if Remedy.EXCHANGE in remedies and not claim.same_model_in_stock and claim.consumer_refuses_other_model:
        grant(Remedy.REFUND, costs.get(Remedy.EXCHANGE, statutory_bearer))
        reasons.append(Reason("A11", "无同型号同规格商品且消费者不愿调换其他型号，全额退货。", rules.clause("exchange_window")))

    depreciated = None
    if Remedy.EXCHANGE in remedies and Remedy.REFUND not in remedies and component != Component.ACCESSORY \
            and claim.same_model_in_stock and day_index is not None and day_index > rules.exchange_days:
        if rules.depreciation_per_day is None:
            warnings.append("A17: 本品类折旧率未经核实，暂不提供折旧退货。")
        else:
            depreciated = _depreciated_refund(claim, rules, anchor)
            grant(Remedy.REFUND_DEPRECIATED, costs.get(Remedy.EXCHANGE, statutory_bearer))
            reasons.append(Reason("A11", f"有同型号库存而消费者坚持退货：按发票价扣除每日 {rules.depreciation_per_day * 100}% "
                                         f"折旧退款{f'（{depreciated} 元）' if depreciated is not None else ''}。",
                                  rules.clause("repeat_repair")))

    # A5: a refund needs a price document.
    if not claim.has_invoice and remedies & {Remedy.REFUND, Remedy.REFUND_DEPRECIATED}:
        remedies.discard(Remedy.REFUND)
        remedies.discard(Remedy.REFUND_DEPRECIATED)
        reasons.append(Reason("A5", "无发票等价格凭证，退货金额无法确定，仅可修理或换货。"))

    _no_reason_return(claim, rules, is_rest_day, grant, reasons)

    in_warranty = bool(remedies - {Remedy.NO_REASON_RETURN})
    if not in_warranty:
        grant(Remedy.PAID_REPAIR, CostBearer.CONSUMER)
    ordered = [r for r in Remedy.ORDER if r in remedies]
    bearer = CostBearer.CONSUMER
    for remedy in ordered:
        if remedy not in (Remedy.PAID_REPAIR, Remedy.NO_REASON_RETURN):
            bearer = costs[remedy]
            break
    verdict = Verdict(
        remedies=ordered, in_warranty=in_warranty, cost_bearer=bearer, period=period, reasons=reasons,
        summary="", rule_set=rules.id, regulation=rules.regulation, day_index=day_index,
        scope=period.scope, remedy_costs={r: costs[r] for r in ordered}, depreciated_refund=depreciated,
        triggers=triggers, exclusion=exclusion.code if exclusion else "", warnings=warnings,
    )
    verdict.summary = summarize(verdict)
    return verdict


def _host_end(claim: Claim, rules: RuleSet, anchor: dt.date | None, is_rest_day: RestDay) -> dt.date | None:
    return compute_period(claim, rules, anchor, Component.HOST, "", is_rest_day, []).end


def _repair_guarantee(claim: Claim) -> PastRepair | None:
    if not claim.fault_code:
        return None
    for repair in sorted(claim.repairs, key=lambda r: r.returned_on or dt.date.min, reverse=True):
        if repair.returned_on and repair.fault_code == claim.fault_code \
                and 0 <= (claim.claim_date - repair.returned_on).days <= REPAIR_GUARANTEE_DAYS:
            return repair
    return None


def _accessory(claim, rules, part, period, in_period, listed, grant, reasons) -> None:
    if period.months <= 0:
        reasons.append(Reason("§2.1", f"附件“{period.label}”不在三包目录内，按品牌政策或收费维修处理。", rules.clause("period")))
        return
    if not in_period:
        reasons.append(Reason("§2.4", f"附件“{period.label}”三包有效期（{months_between_label(period.months)}）"
                                      f"已于 {period.end} 届满，即使整机仍在保修期内也收费。", rules.clause("accessory")))
        return
    bearer = CostBearer.SELLER if rules.statutory else CostBearer.PRODUCER
    if not listed:
        grant(Remedy.FREE_REPAIR, bearer)
        reasons.append(Reason("C8", f"附件“{period.label}”非性能故障，在有效期内免费维修。", rules.clause("accessory")))
        return
    grant(Remedy.EXCHANGE, bearer)
    reasons.append(Reason("§2.4", f"附件“{period.label}”在 {months_between_label(period.months)} 有效期内（截至 "
                                  f"{period.end}）出现性能故障，免费更换同型号附件。", rules.clause("accessory")))
    swaps = sum(1 for e in claim.exchanges if e.component == Component.ACCESSORY and e.part == part)
    if swaps >= rules.accessory_refund_after_exchanges:
        grant(Remedy.REFUND, bearer)
        reasons.append(Reason("§2.4", f"附件已更换 {swaps} 次仍不能正常使用，予以退货。", rules.clause("accessory")))


def _repeat_and_delay(claim, rules, period, triggers, grant, reasons) -> None:
    bearer = CostBearer.SELLER if rules.statutory else CostBearer.PRODUCER
    if rules.repeat_repair_count:
        done = [r for r in claim.repairs
                if r.returned_on and r.listed_fault and r.under_warranty and r.component != Component.ACCESSORY
                and period.start and r.received_on >= period.start]
        if len(done) >= rules.repeat_repair_count:
            grant(Remedy.EXCHANGE, bearer)
            text = f"三包有效期内已修理 {len(done)} 次仍出现性能故障，凭维修记录免费换货"
            if rules.repeat_allows_refund:
                grant(Remedy.REFUND, bearer)
                text += "或退货"
            reasons.append(Reason("A8", text + "。", rules.clause("repeat_repair")))
    for trigger in triggers:
        if not trigger.fired:
            continue
        if trigger.kind == "repairer_delay":
            grant(Remedy.EXCHANGE, CostBearer.REPAIRER)
            reasons.append(Reason("§1b", f"因修理者自身原因修理超过 {trigger.limit_days} 日，免费换货，费用由修理者承担。",
                                  trigger.clause))
        else:
            grant(Remedy.EXCHANGE, CostBearer.SELLER)
            reasons.append(Reason("§1b", f"因生产者未供应零配件，自送修之日起超过 {trigger.limit_days} 日未修好，"
                                         "由销售者免费换货。", trigger.clause))


def _depreciated_refund(claim: Claim, rules: RuleSet, anchor: dt.date | None) -> Decimal | None:
    if claim.price is None or anchor is None or rules.depreciation_per_day is None:
        return None
    deducted = sum(r.occupied_days + r.parts_wait_days for r in claim.repairs if r.received_on >= anchor)
    used = max((claim.claim_date - anchor).days - deducted, 0)
    value = claim.price * (Decimal(1) - rules.depreciation_per_day * used)
    return max(value, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _no_reason_return(claim, rules, is_rest_day, grant, reasons) -> None:
    config = rules.no_reason_return or {}
    if claim.channel not in config.get("channels", ["online"]) or not claim.delivered_on:
        return
    article = config.get("article", "《消费者权益保护法》第二十五条")
    end = postpone(add_days(claim.delivered_on, int(config.get("days", 7))), is_rest_day)
    if not claim.delivered_on <= claim.claim_date <= end:
        reasons.append(Reason("§6.2", f"七日无理由退货期限（签收次日起 7 日，截至 {end}）已过。", article))
        return
    if claim.no_reason_exempt or rules.category in config.get("exempt_categories", []):
        reasons.append(Reason("§6.2", "该商品经消费者确认不适用七日无理由退货。", article))
        return
    if not claim.goods_intact:
        reasons.append(Reason("§6.2", "商品不完好（非合理检查所致），不适用七日无理由退货。", article))
        return
    grant(Remedy.NO_REASON_RETURN, CostBearer.CONSUMER)
    reasons.append(Reason("§6.2", f"网购商品签收（{claim.delivered_on}）后 7 日内（截至 {end}），商品完好，"
                                  "可无理由退货，退回运费由消费者承担。", article))


def summarize(verdict: Verdict) -> str:
    """One line of Chinese for the customer: the period, the remedies and who pays."""
    labels = "、".join(Remedy.LABELS[r] for r in verdict.remedies)
    period = verdict.period
    if verdict.exclusion:
        head = "不在三包范围（存在排除事由）"
    elif verdict.in_warranty and period and period.end:
        head = f"{period.label}在三包有效期内（截至 {period.end}）"
    elif verdict.in_warranty:
        head = "符合三包条件"
    elif period and period.end:
        head = f"{period.label}三包有效期已于 {period.end} 届满"
    else:
        head = "不在三包范围"
    from .types import CostBearer as CB

    return f"{head}：可选{labels}；费用由{CB.LABELS[verdict.cost_bearer]}承担。"
