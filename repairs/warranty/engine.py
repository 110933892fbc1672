"""The 三包 policy engine: a pure function from a claim and its rules to an explained verdict.

It implements /work/shared/domain/sanbao.md (§1b evaluation order) in two steps:

* the *entitlement*: every remedy the consumer may ask for (``Verdict.options``), each with the
  amount refunded, who pays and the clause it rests on;
* the *decision*: the consumer's choice against those options, the same-model stock and whether the
  model is discontinued, giving one remedy, amount, payer and clause (``Verdict.decision``).

It touches no database and no clock: the rule set, the claim date and the rest-day calendar come in
as arguments, so every rule and boundary is testable with plain values. Rule ids in reasons (C1–C9,
A1–A20) are the spec's. Every sentence is a translatable message with its parameters.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .dates import RestDay, add_days, add_months, postpone
from .rules import RuleSet
from .types import (
    Choice,
    Claim,
    Component,
    CostBearer,
    Decision,
    DecisionStatus,
    Exclusion,
    Extension,
    OnlineAnchor,
    Option,
    PastRepair,
    Period,
    Reason,
    Remedy,
    Trigger,
    Verdict,
    render,
)

REPAIR_GUARANTEE_DAYS = 30      # C6
PROOF_BURDEN_MONTHS = 6         # CPL art. 23 para. 3
BATTERY_FAULT_RATIO = Decimal("0.8")   # A10: capacity below 80% of rated is a listed fault
REFUND_PAYMENT_DAYS = 7         # §6.2: refund within 7 days of receiving the returned goods
CPL23 = "《消费者权益保护法》第二十三条"
CPL24 = "《消费者权益保护法》第二十四条"
CIVIL_CODE_PERIOD = "《民法典》第二百零一条至第二百零三条"
ZERO = Decimal("0.00")
HOST_LABEL = _("整机")


# ----------------------------------------------------------------------------------------------
# Anchors (C1, A2, A20)
# ----------------------------------------------------------------------------------------------

def _later(*days: dt.date | None) -> dt.date | None:
    present = [d for d in days if d]
    return max(present) if present else None


def _online_start(claim: Claim, rules: RuleSet, invoice: dt.date | None) -> dt.date | None:
    """The online purchase's anchor under the policy setting (A2 default: the later of the two)."""
    if rules.online_anchor == OnlineAnchor.DELIVERED:
        return claim.delivered_on or invoice
    if rules.online_anchor == OnlineAnchor.INVOICE:
        return invoice or claim.delivered_on
    return _later(invoice, claim.delivered_on)


def _is_online(claim: Claim) -> bool:
    return claim.channel == "online" and claim.delivered_on is not None


def period_anchor(claim: Claim, rules: RuleSet, reasons: list[Reason]) -> dt.date | None:
    """Start of the 三包有效期: invoice date, or the later install / 签收 date where the rules say so."""
    invoice = claim.invoice_date or claim.sale_date
    if rules.anchor == "install" and claim.installed_on:
        reasons.append(Reason("C1", _("平板电视三包有效期自送货、安装、调试完成之日（%(date)s）起算。"),
                              rules.clause("period"), {"date": claim.installed_on}))
        return claim.installed_on
    if rules.anchor == "delivered":
        invoice = claim.delivered_on or invoice
    if _is_online(claim) and rules.anchor != "delivered":
        source = rules.sources.get("online_anchor") or _("A2 默认规则")
        online = _online_start(claim, rules, invoice)
        reasons.append(Reason("A2", _("网购商品按%(source)s的起算设置（%(setting)s）自 %(date)s 起算。"),
                              rules.clause("period"),
                              {"source": source, "setting": OnlineAnchor.LABELS.get(rules.online_anchor, ""),
                               "date": online}))
        invoice = online
    if rules.anchor == "later_of_invoice_install" and claim.installed_on and invoice \
            and claim.installed_on > invoice:
        reasons.append(Reason("A20", _("安装晚于开票，按对消费者有利的安装完成日（%(date)s）起算。"), "",
                              {"date": claim.installed_on}))
        return claim.installed_on
    if invoice and not _is_online(claim):
        reasons.append(Reason("C1", _("三包有效期自开具发票之日（%(date)s）起算。"), rules.clause("period"),
                              {"date": invoice}))
    return invoice


def window_anchor(claim: Claim, rules: RuleSet, period_start: dt.date | None) -> dt.date | None:
    """Start of the 7-day / 15-day windows: the sale date (C1); flat TVs from installation; A2 online."""
    if rules.window_anchor == "install" and claim.installed_on:
        return claim.installed_on
    if rules.window_anchor == "delivered" and claim.delivered_on:
        return claim.delivered_on
    sale = claim.sale_date or claim.invoice_date
    if rules.anchor == "later_of_invoice_install":
        sale = _later(sale, claim.installed_on)
    if _is_online(claim):
        sale = _online_start(claim, rules, sale) if rules.anchor != "later_of_invoice_install" \
            else _later(sale, _online_start(claim, rules, claim.sale_date or claim.invoice_date))
    return sale or period_start


# ----------------------------------------------------------------------------------------------
# The period of the claimed component (C2–C5, §2.1, §3.1, §4.1, A16)
# ----------------------------------------------------------------------------------------------

def _scope_of(component: str, part: str, rules: RuleSet) -> tuple[str, object, int, str]:
    """(scope key, label, months, source) of the period that covers the claimed component."""
    if component == Component.ACCESSORY:
        spec = rules.accessories.get(part)
        if spec is None:
            return part or "accessory", part or Component.LABELS[Component.ACCESSORY], 0, ""
        return part, spec.get("label", part), int(spec.get("months", 0)), rules.source_of(f"accessories.{part}")
    if component == Component.MAIN_PART and part in rules.main_parts:
        spec = rules.main_parts[part]
        months = max(rules.main_part_months, int(spec.get("months", 0)), rules.host_months)
        source = rules.source_of(f"main_parts.{part}") if int(spec.get("months", 0)) > rules.main_part_months \
            else rules.source_of("main_part_months")
        if months == rules.host_months:
            source = rules.source_of("host_months")
        return part, spec.get("label", part), months, source
    return Component.HOST, HOST_LABEL, rules.host_months, rules.source_of("host_months")


def _same_scope(repair: PastRepair, component: str, part: str) -> bool:
    if component == Component.ACCESSORY:
        return repair.component == Component.ACCESSORY and repair.part == part
    return repair.component != Component.ACCESSORY


def current_repair_days(claim: Claim) -> tuple[int, int]:
    """(occupied, parts-wait) days of the repair in progress up to the claim date (C4, A11)."""
    current = claim.current_repair
    if current is None:
        return 0, 0
    elapsed = max((claim.claim_date - current.received_on).days, 0)
    parts = min(max(current.parts_wait_days, 0), elapsed)
    occupied = max(elapsed - parts - max(current.consumer_wait_days, 0), 0)
    return occupied, parts


def compute_period(
    claim: Claim, rules: RuleSet, anchor: dt.date | None, component: str, part: str, is_rest_day: RestDay,
    reasons: list[Reason],
) -> Period:
    scope, label, months, source = _scope_of(component, part, rules)
    start = anchor
    # C5: an exchange of the whole unit restarts the periods of the unit (host, main and other parts);
    # the accessories keep their own periods, and an exchanged accessory restarts only its own (A16).
    for exchange in sorted(claim.exchanges, key=lambda e: e.on):
        whole = exchange.component == Component.HOST and not exchange.part
        own = component == Component.ACCESSORY and exchange.component == Component.ACCESSORY and exchange.part == part
        if not (start and exchange.on >= start):
            continue
        if whole and component == Component.ACCESSORY:
            reasons.append(Reason("A16", _("整机于 %(date)s 换货，附件“%(label)s”不随之重新计算，仍按原有效期。"),
                                  rules.clause("accessory"), {"date": exchange.on, "label": label}))
        elif whole:
            start = exchange.on
            reasons.append(Reason("C5", _("换机后三包有效期自换货之日（%(date)s）重新计算。"), rules.clause("period"),
                                  {"date": exchange.on}))
        elif own:
            start = exchange.on
            reasons.append(Reason("A16", _("更换%(label)s后其三包有效期自换货之日（%(date)s）重新计算。"),
                                  rules.clause("period"), {"label": label, "date": exchange.on}))
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
    now_occupied, now_parts = current_repair_days(claim)
    end = nominal_end
    if repair_days:
        period.extensions.append(Extension("repair_days", repair_days, _("修理占用天数")))
        end = add_days(end, repair_days)
    if parts_days:
        period.extensions.append(Extension("parts_wait_days", parts_days, _("无零配件待修天数")))
        end = add_days(end, parts_days)
    if now_occupied or now_parts:
        period.extensions.append(Extension("current_repair_days", now_occupied + now_parts, _("本次修理已占用天数")))
        end = add_days(end, now_occupied + now_parts)
    if repair_days or parts_days or now_occupied or now_parts:
        reasons.append(Reason("C4", _("有效期扣除修理占用 %(repair)s 日、待修 %(parts)s 日，顺延至 %(end)s。"),
                              rules.clause("period"),
                              {"repair": repair_days + now_occupied, "parts": parts_days + now_parts, "end": end}))
    postponed = postpone(end, is_rest_day)
    if postponed != end:
        period.extensions.append(Extension("holiday", (postponed - end).days, _("最后一日为法定休假日")))
        reasons.append(Reason("C3", _("有效期最后一日 %(end)s 为休息日，顺延至休息日后第一个工作日 %(next)s。"),
                              CIVIL_CODE_PERIOD, {"end": end, "next": postponed}))
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
    claim: Claim, rules: RuleSet, part: str, receipt: dt.date | None, reported_on: dt.date, reasons: list[Reason],
) -> Exclusion | None:
    if not claim.has_invoice and not claim.has_card:
        if claim.can_prove_in_period:
            reasons.append(Reason("C7", _("无发票和三包凭证，但能证明在三包有效期内，仍应修理、换货。")))
        else:
            reasons.append(Reason("C7", _("无三包凭证且无有效发票，不能证明在三包有效期内，不实行三包。")))
            return Exclusion(code="no_documents")
    burden_until = add_months(receipt, PROOF_BURDEN_MONTHS) if receipt else None
    for exclusion in claim.exclusions:
        label = rules.exclusions.get(exclusion.code, exclusion.code)
        if exclusion.parts and part not in exclusion.parts:
            reasons.append(Reason("§5", _("排除事由“%(label)s”只影响 %(parts)s，不影响本次申请。"), "",
                                  {"label": label, "parts": list(exclusion.parts)}))
            continue
        if burden_until and reported_on <= burden_until and not exclusion.evidence:
            reasons.append(Reason("C9", _("收货后六个月内（至 %(until)s）由经营者举证；“%(label)s”未附证据，不予排除。"),
                                  CPL23, {"until": burden_until, "label": label}))
            continue
        if exclusion.evidence:
            reasons.append(Reason("C9", _("存在排除事由：%(label)s（证据：%(evidence)s），不实行三包，可收费修理。"),
                                  rules.clause("fault_table"), {"label": label, "evidence": ", ".join(exclusion.evidence)}))
        else:
            reasons.append(Reason("C9", _("存在排除事由：%(label)s，不实行三包，可收费修理。"), rules.clause("fault_table"),
                                  {"label": label}))
        return exclusion
    return None


# ----------------------------------------------------------------------------------------------
# evaluate: the entitlement, then the decision
# ----------------------------------------------------------------------------------------------

class _Options:
    """The entitlement being built: the first grant of a remedy fixes its payer and clause."""

    def __init__(self) -> None:
        self.by_remedy: dict[str, Option] = {}

    def grant(self, remedy: str, payer: str, clause: str = "", *, amount: Decimal | None = None,
              deadline: dt.date | None = None, note: object = "", note_params: dict | None = None) -> None:
        if remedy in self.by_remedy:
            return
        if amount is None and remedy in (Remedy.EXCHANGE, Remedy.FREE_REPAIR):
            amount = ZERO
        self.by_remedy[remedy] = Option(remedy=remedy, payer=payer, clause=clause, amount=amount, deadline=deadline,
                                        note=note, note_params=note_params or {})

    def __contains__(self, remedy: str) -> bool:
        return remedy in self.by_remedy

    def get(self, remedy: str) -> Option | None:
        return self.by_remedy.get(remedy)

    def discard(self, remedy: str) -> None:
        self.by_remedy.pop(remedy, None)


def _battery_listed(claim: Claim, part: str, listed: bool, reasons: list[Reason], clause: str) -> bool:
    """A10: the measured capacity decides whether a battery fault is a listed performance fault."""
    if part != "battery" or not claim.battery_rated_mah or claim.battery_measured_mah is None:
        return listed
    measured, rated = Decimal(claim.battery_measured_mah), Decimal(claim.battery_rated_mah)
    percent = (measured * 100 / rated).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    params = {"measured": claim.battery_measured_mah, "rated": claim.battery_rated_mah, "percent": str(percent)}
    if measured < rated * BATTERY_FAULT_RATIO:
        reasons.append(Reason("A10", _("电池实测容量 %(measured)s mAh，为额定 %(rated)s mAh 的 %(percent)s%%，"
                                       "低于 80%%，属于性能故障。"), clause, params))
        return True
    reasons.append(Reason("A10", _("电池实测容量 %(measured)s mAh，为额定 %(rated)s mAh 的 %(percent)s%%，"
                                   "不低于 80%%，不属于性能故障。"), clause, params))
    return False


def evaluate(claim: Claim, rules: RuleSet, is_rest_day: RestDay) -> Verdict:
    """Decide the entitlement and the decision for one claim under one resolved rule set (``rules_for``).

    The claim is judged on the day it was made: the day the repair in progress was received, else
    ``claim_date``. The delay triggers and the refund depreciation use ``claim_date`` (the day asked).
    """
    reasons: list[Reason] = []
    warnings: list[object] = list(rules.unverified)
    options = _Options()
    fault = rules.fault(claim.fault_code)
    component = claim.component or (fault.component if fault else Component.HOST)
    part = claim.part or (fault.part if fault else "")
    listed = claim.fault_listed if claim.fault_listed is not None else bool(fault and fault.listed)
    better = sorted({v for k, v in rules.sources.items() if k != "online_anchor"})
    if better:
        reasons.append(Reason("§0", _("适用更优规定：%(sources)s（法定为最低标准，取对消费者最有利者）。"), "",
                              {"sources": better}))
    reported_on = claim.current_repair.received_on if claim.current_repair else claim.claim_date

    anchor = period_anchor(claim, rules, reasons)
    period = compute_period(claim, rules, anchor, component, part, is_rest_day, reasons)
    win_anchor = window_anchor(claim, rules, anchor)
    day_index = (reported_on - win_anchor).days if win_anchor else None
    receipt = claim.delivered_on or claim.installed_on or claim.sale_date or claim.invoice_date
    in_period = bool(period.end and period.start and period.start <= reported_on <= period.end)
    triggers = delay_triggers(claim, rules)

    statutory_bearer = CostBearer.SELLER if rules.statutory and period.source == rules.regulation \
        else CostBearer.PRODUCER
    if fault is None and claim.fault_code:
        reasons.append(Reason("C8", _("故障代码 %(code)s 不在本品类性能故障表中，按一般维修处理。"),
                              rules.clause("fault_table"), {"code": claim.fault_code}))
    elif fault is not None:
        listed = _battery_listed(claim, part, listed, reasons, rules.clause("fault_table"))
        message = _("故障“%(label)s”属于性能故障表所列故障。") if listed else _("故障“%(label)s”不属于性能故障表所列故障。")
        reasons.append(Reason("C8", message, rules.clause("fault_table"), {"label": fault.label}))

    exclusion = _applicable_exclusion(claim, rules, part, receipt, reported_on, reasons)

    # C6 / A9: the same fault within 30 days of hand-back is repaired free by the repairer.
    guarantee = _repair_guarantee(claim, reported_on)
    if guarantee is not None:
        options.grant(Remedy.FREE_REPAIR, CostBearer.REPAIRER, rules.clause("period"))
        reasons.append(Reason("C6", _("同一故障在上次交验（%(date)s）后 30 日内复发，修理者免费维修。"),
                              rules.clause("period"), {"date": guarantee.returned_on}))

    new_parts = False
    if exclusion is None and win_anchor is not None:
        if component == Component.ACCESSORY:
            _accessory(claim, rules, part, period, in_period, listed, options, reasons, warnings)
        else:
            refund_end = postpone(add_days(win_anchor, rules.refund_days), is_rest_day) if rules.refund_days else None
            exchange_end = postpone(add_days(win_anchor, rules.exchange_days), is_rest_day) \
                if rules.exchange_days else None
            in_refund = refund_end is not None and win_anchor <= reported_on <= refund_end
            in_exchange = exchange_end is not None and win_anchor <= reported_on <= exchange_end
            window_bearer = statutory_bearer if rules.statutory else CostBearer.SELLER
            if listed and in_refund:
                options.grant(Remedy.REFUND, window_bearer, rules.clause("refund_window"), amount=claim.price)
                options.grant(Remedy.EXCHANGE, window_bearer, rules.clause("refund_window"))
                options.grant(Remedy.FREE_REPAIR, window_bearer, rules.clause("refund_window"))
                reasons.append(Reason("§1b", _("售出后第 %(day)s 日（7 日内，截至 %(end)s）出现性能故障，"
                                               "可选择退货、换货或修理。"), rules.clause("refund_window"),
                                      {"day": day_index, "end": refund_end}))
            elif listed and in_exchange:
                options.grant(Remedy.EXCHANGE, statutory_bearer, rules.clause("exchange_window"))
                options.grant(Remedy.FREE_REPAIR, statutory_bearer, rules.clause("exchange_window"))
                reasons.append(Reason("§1b", _("售出后第 %(day)s 日（第 8 至 15 日，截至 %(end)s）出现性能故障，"
                                               "可选择换货或修理。"), rules.clause("exchange_window"),
                                      {"day": day_index, "end": exchange_end}))
            if in_period:
                host_end = _host_end(claim, rules, anchor, is_rest_day)
                covered = component != Component.OTHER_PART or (host_end is not None and reported_on <= host_end)
                if component == Component.MAIN_PART and period.scope != Component.HOST \
                        and host_end and reported_on > host_end:
                    reasons.append(Reason("§3.2", _("整机有效期已过（%(end)s），主要部件“%(label)s”在 %(months)s 个月"
                                                    "有效期内，免费修理（含工时）。"), rules.clause("main_part"),
                                          {"end": host_end, "label": period.label, "months": period.months}))
                if covered:
                    options.grant(Remedy.FREE_REPAIR, statutory_bearer, rules.clause("period"))
                    if not (listed and (in_refund or in_exchange)):
                        reasons.append(Reason("§1b", _("%(label)s在三包有效期内（截至 %(end)s），免费修理。"),
                                              rules.clause("period"), {"label": period.label, "end": period.end}))
                    if listed:
                        _repeat_and_delay(claim, rules, period, triggers, options, reasons)
                    new_parts = _new_parts(rules, component, part, period, reasons)
                else:
                    reasons.append(Reason("§3.2", _("非主要部件在整机有效期外损坏，收费维修。"), rules.clause("period")))
            elif period.end:
                reasons.append(Reason("C9", _("%(label)s三包有效期已于 %(end)s 届满，收费维修。"),
                                      rules.clause("period"), {"label": period.label, "end": period.end}))
            if not rules.statutory and listed and not in_refund:
                _quality_defect(claim, rules, win_anchor, reported_on, options, reasons)
    elif win_anchor is None and exclusion is None:
        warnings.append(_("缺少购买/开票日期，无法确认三包有效期。"))
        reasons.append(Reason("C7", _("缺少购买凭证日期，无法确认是否在三包有效期内，按收费维修处理，补充凭证后可重新判定。")))

    no_stock = not claim.same_model_in_stock or claim.model_discontinued
    # No same model (out of stock or discontinued) and the consumer refuses another → full refund (A11).
    if Remedy.EXCHANGE in options and no_stock and claim.consumer_refuses_other_model \
            and component != Component.ACCESSORY:
        exchange = options.get(Remedy.EXCHANGE)
        options.grant(Remedy.REFUND, exchange.payer, rules.clause("exchange_window"), amount=claim.price)
        message = _("该型号已停产，消费者不愿调换其他型号，全额退货。") if claim.model_discontinued \
            else _("无同型号同规格商品且消费者不愿调换其他型号，全额退货。")
        reasons.append(Reason("A11", message, rules.clause("exchange_window")))

    depreciated, blocked = _depreciation(claim, rules, anchor, component, day_index, no_stock, options, reasons,
                                         warnings)

    # A5: a refund needs a price document.
    if not claim.has_invoice and (Remedy.REFUND in options or Remedy.REFUND_DEPRECIATED in options):
        options.discard(Remedy.REFUND)
        options.discard(Remedy.REFUND_DEPRECIATED)
        reasons.append(Reason("A5", _("无发票等价格凭证，退货金额无法确定，仅可修理或换货。")))

    unconfirmed = _no_reason_return(claim, rules, reported_on, is_rest_day, options, reasons)

    in_warranty = any(r != Remedy.NO_REASON_RETURN for r in options.by_remedy)
    if not in_warranty:
        options.grant(Remedy.PAID_REPAIR, CostBearer.CONSUMER)
    ordered = [options.get(r) for r in Remedy.ORDER if r in options]
    bearer = next((o.payer for o in ordered if o.remedy not in (Remedy.PAID_REPAIR, Remedy.NO_REASON_RETURN)),
                  CostBearer.CONSUMER)
    verdict = Verdict(
        remedies=[o.remedy for o in ordered], in_warranty=in_warranty, cost_bearer=bearer, period=period,
        reasons=reasons, summary="", rule_set=rules.id, regulation=rules.regulation, day_index=day_index,
        scope=period.scope, remedy_costs={o.remedy: o.payer for o in ordered}, depreciated_refund=depreciated,
        triggers=triggers, exclusion=exclusion.code if exclusion else "", warnings=warnings, options=ordered,
        new_parts_required=new_parts, depreciation_blocked=blocked, no_reason_unconfirmed=unconfirmed,
    )
    verdict.decision = decide(verdict, claim)
    verdict.summary_message, verdict.summary_params = summary_parts(verdict)
    verdict.summary = render(verdict.summary_message, verdict.summary_params)
    return verdict


def _host_end(claim: Claim, rules: RuleSet, anchor: dt.date | None, is_rest_day: RestDay) -> dt.date | None:
    return compute_period(claim, rules, anchor, Component.HOST, "", is_rest_day, []).end


def _repair_guarantee(claim: Claim, reported_on: dt.date) -> PastRepair | None:
    if not claim.fault_code:
        return None
    for repair in sorted(claim.repairs, key=lambda r: r.returned_on or dt.date.min, reverse=True):
        if repair.returned_on and repair.fault_code == claim.fault_code \
                and 0 <= (reported_on - repair.returned_on).days <= REPAIR_GUARANTEE_DAYS:
            return repair
    return None


def _new_parts(rules: RuleSet, component: str, part: str, period: Period, reasons: list[Reason]) -> bool:
    """Main parts under the flat-TV notice (and where the rules data says so) are repaired with new parts."""
    if not rules.needs_new_parts(part if component == Component.MAIN_PART else ""):
        return False
    reasons.append(Reason("§4.1", _("三包有效期内维修“%(label)s”须使用新的零部件。"),
                          rules.clause("main_part") if component == Component.MAIN_PART else rules.clause("period"),
                          {"label": period.label}))
    return True


def _quality_defect(claim: Claim, rules: RuleSet, win_anchor: dt.date, reported_on: dt.date, options: _Options,
                    reasons: list[Reason]) -> None:
    """§6.1: goods outside the national catalogues that fail quality requirements — after day 7, repair
    or exchange by the seller (CPL art. 24), who pays the shipping; a better brand promise adds to it."""
    if rules.quality_claim_months:
        until = add_months(win_anchor, rules.quality_claim_months)
        if reported_on > until:
            reasons.append(Reason("§6.1", _("收货已超过 %(months)s 个月（%(until)s），不再按质量不合格主张修理或更换。"),
                                  CPL24, {"months": rules.quality_claim_months, "until": until}))
            return
    options.grant(Remedy.EXCHANGE, CostBearer.SELLER, CPL24)
    options.grant(Remedy.FREE_REPAIR, CostBearer.SELLER, CPL24)
    reasons.append(Reason("§6.1", _("该品类无国家三包目录；收货 7 日后商品不符合质量要求，可要求经营者修理或更换，"
                                    "运输等必要费用由经营者承担。"), CPL24))


def _accessory(claim, rules, part, period, in_period, listed, options: _Options, reasons, warnings) -> None:
    if period.months <= 0:
        reasons.append(Reason("§2.1", _("附件“%(label)s”不在三包目录内，按品牌政策或收费维修处理。"), rules.clause("period"),
                              {"label": period.label}))
        return
    if not in_period:
        reasons.append(Reason("§2.4", _("附件“%(label)s”三包有效期（%(months)s 个月）已于 %(end)s 届满，"
                                        "即使整机仍在保修期内也收费。"), rules.clause("accessory"),
                              {"label": period.label, "months": period.months, "end": period.end}))
        return
    bearer = CostBearer.SELLER if rules.statutory else CostBearer.PRODUCER
    if not listed:
        options.grant(Remedy.FREE_REPAIR, bearer, rules.clause("accessory"))
        reasons.append(Reason("C8", _("附件“%(label)s”非性能故障，在有效期内免费维修。"), rules.clause("accessory"),
                              {"label": period.label}))
        return
    options.grant(Remedy.EXCHANGE, bearer, rules.clause("accessory"))
    reasons.append(Reason("§2.4", _("附件“%(label)s”在 %(months)s 个月有效期内（截至 %(end)s）出现性能故障，"
                                    "免费更换同型号附件。"), rules.clause("accessory"),
                          {"label": period.label, "months": period.months, "end": period.end}))
    swaps = sum(1 for e in claim.exchanges if e.component == Component.ACCESSORY and e.part == part)
    if swaps < rules.accessory_refund_after_exchanges:
        return
    # §2.4: refunded at the accessory's own price: for one sold with the host, its separate selling
    # price on the day of return (the host price never applies).
    amount = claim.accessory_price
    if claim.accessory_bundled:
        note = _("随机附件，按退货当日该附件单独销售价格退款。")
    else:
        note = _("单独购买的附件，按其发票价格退款。")
    options.grant(Remedy.REFUND, bearer, rules.clause("accessory"), amount=amount, note=note)
    reasons.append(Reason("§2.4", _("附件已更换 %(n)s 次仍不能正常使用，予以退货。"), rules.clause("accessory"), {"n": swaps}))
    if amount is None:
        warnings.append(_("附件退货须填写该附件退货当日的单独销售价格。"))
        reasons.append(Reason("§2.4", _("未填写该附件的单独销售价格，退款金额待定。"), rules.clause("accessory")))
    else:
        reasons.append(Reason("§2.4", _("%(note)s退款 %(amount)s 元。"), rules.clause("accessory"),
                              {"note": note, "amount": amount}))


def _repeat_and_delay(claim, rules, period, triggers, options: _Options, reasons) -> None:
    bearer = CostBearer.SELLER if rules.statutory else CostBearer.PRODUCER
    if rules.repeat_repair_count:
        done = [r for r in claim.repairs
                if r.returned_on and r.listed_fault and r.under_warranty and r.component != Component.ACCESSORY
                and period.start and r.received_on >= period.start]
        if len(done) >= rules.repeat_repair_count:
            options.grant(Remedy.EXCHANGE, bearer, rules.clause("repeat_repair"))
            no_stock = not claim.same_model_in_stock or claim.model_discontinued
            if rules.repeat_allows_refund:
                # the refund article: the full invoice price when the same model cannot be supplied;
                # with stock, a consumer who insists gets the depreciated price (A11, see _depreciation)
                if no_stock:
                    options.grant(Remedy.REFUND, bearer, rules.clause("repeat_repair"), amount=claim.price)
                message = _("三包有效期内已修理 %(n)s 次仍出现性能故障，凭维修记录免费换货或退货。")
            else:
                message = _("三包有效期内已修理 %(n)s 次仍出现性能故障，凭维修记录免费换货。")
            reasons.append(Reason("A8", message, rules.clause("repeat_repair"), {"n": len(done)}))
    for trigger in triggers:
        if not trigger.fired:
            continue
        if trigger.kind == "repairer_delay":
            options.grant(Remedy.EXCHANGE, CostBearer.REPAIRER, trigger.clause)
            reasons.append(Reason("§1b", _("因修理者自身原因修理超过 %(days)s 日，免费换货，费用由修理者承担。"),
                                  trigger.clause, {"days": trigger.limit_days}))
        else:
            options.grant(Remedy.EXCHANGE, CostBearer.SELLER, trigger.clause)
            reasons.append(Reason("§1b", _("因生产者未供应零配件，自送修之日起超过 %(days)s 日未修好，由销售者免费换货。"),
                                  trigger.clause, {"days": trigger.limit_days}))


def _depreciation(claim, rules, anchor, component, day_index, no_stock, options: _Options, reasons,
                  warnings) -> tuple[Decimal | None, bool]:
    """A11 / A17: with same-model stock the consumer who insists on a refund gets the invoice price minus
    depreciation. Without a verified rate it is blocked; a result of zero is never offered."""
    if not (Remedy.EXCHANGE in options and Remedy.REFUND not in options and component != Component.ACCESSORY
            and not no_stock and day_index is not None and day_index > rules.exchange_days):
        return None, False
    payer = options.get(Remedy.EXCHANGE).payer
    clause = rules.clause("repeat_repair")
    if rules.depreciation_per_day is None:
        warnings.append(_("A17：本品类折旧率未经核实，暂不提供折旧退货。"))
        reasons.append(Reason("A17", _("本品类的折旧率尚未核实：有同型号库存而消费者坚持退货时，折旧退款暂不能计算，"
                                       "须待折旧率核实后办理（不按全额退款）。"), clause))
        return None, True
    if claim.price is None or anchor is None:
        reasons.append(Reason("A11", _("缺少发票价格，无法计算折旧退款。"), clause))
        return None, False
    deducted = sum(r.occupied_days + r.parts_wait_days for r in claim.repairs if r.received_on >= anchor)
    if claim.current_repair is not None:
        deducted += sum(current_repair_days(claim))
    days = max((claim.claim_date - anchor).days - deducted, 0)
    value = claim.price * (Decimal(1) - rules.depreciation_per_day * days)
    value = max(value, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rate = (rules.depreciation_per_day * 100).normalize()
    source = rules.sources.get("depreciation_per_day") or rules.regulation
    params = {"rate": str(rate), "days": days, "deducted": deducted, "amount": value, "source": source}
    if value <= 0:
        reasons.append(Reason("A11", _("按每日 %(rate)s%% 折旧（使用 %(days)s 日，已扣除修理占用和待修 %(deducted)s 日），"
                                       "退款金额为零，不提供折旧退货。"), clause, params))
        return None, False
    options.grant(Remedy.REFUND_DEPRECIATED, payer, clause, amount=value)
    reasons.append(Reason("A11", _("有同型号库存而消费者坚持退货：按发票价扣除每日 %(rate)s%% 折旧（使用 %(days)s 日，"
                                   "已扣除修理占用和待修 %(deducted)s 日），退款 %(amount)s 元（折旧率来源：%(source)s）。"),
                          clause, params))
    return value, False


def _no_reason_return(claim, rules, reported_on, is_rest_day, options: _Options, reasons) -> bool:
    """The online no-reason return (§6.2); True when it hinges on questions not yet asked (intact goods)."""
    config = rules.no_reason_return or {}
    if claim.channel not in config.get("channels", ["online"]) or not claim.delivered_on:
        return False
    article = config.get("article", "《消费者权益保护法》第二十五条")
    end = postpone(add_days(claim.delivered_on, int(config.get("days", 7))), is_rest_day)
    if not claim.delivered_on <= reported_on <= end:
        reasons.append(Reason("§6.2", _("七日无理由退货期限（签收次日起 7 日，截至 %(end)s）已过。"), article, {"end": end}))
        return False
    if claim.no_reason_exempt or rules.category in config.get("exempt_categories", []):
        reasons.append(Reason("§6.2", _("该商品经消费者确认不适用七日无理由退货。"), article))
        return False
    if claim.goods_intact is None:
        reasons.append(Reason("§6.2", _("尚未确认商品是否完好，七日无理由退货待确认。"), article))
        return True
    if not claim.goods_intact:
        reasons.append(Reason("§6.2", _("商品不完好（非合理检查所致），不适用七日无理由退货。"), article))
        return False
    if claim.activated and not claim.activated_for_inspection_only:
        reasons.append(Reason("A19", _("商品已激活且并非仅为检查质量和功能所需，视为不完好，不适用七日无理由退货。"), article))
        return False
    if claim.activated:
        reasons.append(Reason("A19", _("商品仅为合理检查质量和功能而激活，不影响商品完好。"), article))
    deadline = postpone(add_days(claim.goods_returned_on, REFUND_PAYMENT_DAYS), is_rest_day) \
        if claim.goods_returned_on else None
    options.grant(Remedy.NO_REASON_RETURN, CostBearer.CONSUMER, article, amount=claim.price, deadline=deadline,
                  note=_("退回运费由消费者承担；商家收到退回商品之日起 7 日内退款。"))
    reasons.append(Reason("§6.2", _("网购商品签收（%(date)s）后 7 日内（截至 %(end)s），商品完好，可无理由退货，"
                                    "退回运费由消费者承担。"), article, {"date": claim.delivered_on, "end": end}))
    if deadline:
        reasons.append(Reason("§6.2", _("商家已于 %(returned)s 收到退回商品，应在 %(deadline)s 前退款。"), article,
                              {"returned": claim.goods_returned_on, "deadline": deadline}))
    else:
        reasons.append(Reason("§6.2", _("退款期限：商家收到退回商品之日起 7 日内。"), article))
    return False


# ----------------------------------------------------------------------------------------------
# The decision
# ----------------------------------------------------------------------------------------------

def _from_option(status: str, choice: str, option: Option, reasons: list[Reason]) -> Decision:
    return Decision(status=status, choice=choice, remedy=option.remedy, payer=option.payer, amount=option.amount,
                    clause=option.clause, deadline=option.deadline, reasons=reasons)


def _fallback(verdict: Verdict, choice: str, reasons: list[Reason]) -> Decision:
    for remedy in (Remedy.EXCHANGE, Remedy.FREE_REPAIR, Remedy.PAID_REPAIR):
        if choice == Choice.EXCHANGE and remedy == Remedy.EXCHANGE:
            continue
        option = verdict.option(remedy)
        if option is not None:
            reasons.append(Reason("§1b", _("消费者选择的%(choice)s不在可选方式内，按%(remedy)s处理。"), option.clause,
                                  {"choice": Choice.LABELS[choice], "remedy": Remedy.LABELS[remedy]}))
            return _from_option(DecisionStatus.SUBSTITUTED, choice, option, reasons)
    paid = Option(Remedy.PAID_REPAIR, CostBearer.CONSUMER)
    return _from_option(DecisionStatus.SUBSTITUTED, choice, paid, reasons)


def decide(verdict: Verdict, claim: Claim) -> Decision:
    """The consumer's choice against the entitlement: one remedy, its amount, payer and clause."""
    choice = claim.choice
    reasons: list[Reason] = []
    if choice not in Choice.ALL:
        return Decision(status=DecisionStatus.PENDING)
    no_stock = not claim.same_model_in_stock or claim.model_discontinued
    if choice == Choice.REFUND:
        for remedy in (Remedy.REFUND, Remedy.REFUND_DEPRECIATED, Remedy.NO_REASON_RETURN):
            option = verdict.option(remedy)
            if option is None:
                continue
            if option.amount is None:
                reasons.append(Reason("§2.4" if verdict.scope != Component.HOST and remedy == Remedy.REFUND else "A5",
                                      _("退款金额无法确定（缺少价格），退货暂不能办理。"), option.clause))
                return Decision(status=DecisionStatus.BLOCKED, choice=choice, remedy=remedy, payer=option.payer,
                                clause=option.clause, reasons=reasons)
            if remedy == Remedy.REFUND_DEPRECIATED:
                reasons.append(Reason("A11", _("有同型号库存，消费者坚持退货：按折旧后金额退款。"), option.clause))
            elif remedy == Remedy.NO_REASON_RETURN:
                reasons.append(Reason("§6.2", _("按七日无理由退货办理：退回运费由消费者承担，商家收到退回商品之日起 7 日内退款。"),
                                      option.clause))
            return _from_option(DecisionStatus.DECIDED, choice, option, reasons)
        if verdict.depreciation_blocked:
            exchange = verdict.option(Remedy.EXCHANGE)
            reasons.append(Reason("A17", _("有同型号库存而消费者坚持退货，但本品类折旧率尚未核实，退货暂不能办理；可先换货。"),
                                  exchange.clause if exchange else ""))
            return Decision(status=DecisionStatus.BLOCKED, choice=choice, remedy=Remedy.REFUND_DEPRECIATED,
                            payer=exchange.payer if exchange else "", clause=exchange.clause if exchange else "",
                            reasons=reasons)
        return _fallback(verdict, choice, reasons)
    if choice == Choice.EXCHANGE:
        option = verdict.option(Remedy.EXCHANGE)
        if option is None:
            return _fallback(verdict, choice, reasons)
        if no_stock and claim.consumer_refuses_other_model and verdict.option(Remedy.REFUND) is not None:
            refund = verdict.option(Remedy.REFUND)
            reasons.append(Reason("A11", _("无同型号商品可换（缺货或已停产），消费者不愿调换其他型号：全额退货。"), refund.clause))
            if refund.amount is None:
                return Decision(status=DecisionStatus.BLOCKED, choice=choice, remedy=Remedy.REFUND, payer=refund.payer,
                                clause=refund.clause, reasons=reasons)
            return _from_option(DecisionStatus.SUBSTITUTED, choice, refund, reasons)
        if no_stock:
            reasons.append(Reason("A11", _("无同型号商品可换（缺货或已停产），消费者同意调换同品牌性能不低于原机的其他型号。"),
                                  option.clause))
        else:
            reasons.append(Reason("C5", _("调换同型号同规格的新商品，三包有效期自换货之日起重新计算。"), option.clause))
        return _from_option(DecisionStatus.DECIDED, choice, option, reasons)
    option = verdict.option(Remedy.FREE_REPAIR)
    if option is not None:
        return _from_option(DecisionStatus.DECIDED, choice, option, reasons)
    paid = verdict.option(Remedy.PAID_REPAIR) or Option(Remedy.PAID_REPAIR, CostBearer.CONSUMER)
    reasons.append(Reason("C9", _("不在三包免费范围内，收费维修。"), paid.clause))
    return _from_option(DecisionStatus.SUBSTITUTED if verdict.in_warranty else DecisionStatus.DECIDED, choice, paid,
                        reasons)


# ----------------------------------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------------------------------

def summary_parts(verdict: Verdict) -> tuple[object, dict]:
    """One line for the customer (message and parameters): the period, the remedies and who pays."""
    params: dict = {"remedies": [Remedy.LABELS[r] for r in verdict.remedies],
                    "payer": CostBearer.LABELS[verdict.cost_bearer]}
    period = verdict.period
    if verdict.exclusion:
        message = _("不在三包范围（存在排除事由）：可选%(remedies)s；费用由%(payer)s承担。")
    elif verdict.in_warranty and period and period.end:
        message = _("%(label)s在三包有效期内（截至 %(end)s）：可选%(remedies)s；费用由%(payer)s承担。")
        params.update(label=period.label, end=period.end)
    elif verdict.in_warranty:
        message = _("符合三包条件：可选%(remedies)s；费用由%(payer)s承担。")
    elif period and period.end:
        message = _("%(label)s三包有效期已于 %(end)s 届满：可选%(remedies)s；费用由%(payer)s承担。")
        params.update(label=period.label, end=period.end)
    else:
        message = _("不在三包范围：可选%(remedies)s；费用由%(payer)s承担。")
    return message, params


def summarize(verdict: Verdict) -> str:
    message, params = summary_parts(verdict)
    return render(message, params)
