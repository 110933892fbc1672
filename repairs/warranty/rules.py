"""三包 rule sets as data: loading, choosing the version in force, region overrides and brand policies.

The numbers live in ``repairs/data/sanbao_rules.json`` (versioned by ``effective_from``) and may be
extended by ``WarrantyRuleSet`` rows edited in the admin (the service layer passes them in). Nothing
here touches the database.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "sanbao_rules.json"
FALLBACK = "*"


@dataclass(frozen=True)
class FaultCode:
    code: str
    label: str
    component: str
    part: str = ""
    listed: bool = True


@dataclass
class RuleSet:
    id: str
    category: str
    name: str
    regulation: str
    effective_from: dt.date
    statutory: bool
    anchor: str                      # invoice / install / later_of_invoice_install / delivered
    host_months: int
    refund_days: int
    exchange_days: int
    main_part_months: int = 0
    main_parts: dict[str, dict] = field(default_factory=dict)
    accessories: dict[str, dict] = field(default_factory=dict)
    accessory_refund_after_exchanges: int = 2
    repeat_repair_count: int = 2
    repeat_allows_refund: bool = False
    repairer_delay_days: int = 30
    parts_delay_days: int = 60
    depreciation_per_day: Decimal | None = None
    window_anchor: str = ""          # anchor of the 7/15-day windows ("" = sale date, C1)
    articles: dict[str, str] = field(default_factory=dict)
    fault_codes: dict[str, FaultCode] = field(default_factory=dict)
    qc_checklist: list[dict] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    region_overrides: dict[str, dict] = field(default_factory=dict)
    exclusions: dict[str, str] = field(default_factory=dict)
    no_reason_return: dict[str, Any] = field(default_factory=dict)
    new_parts_only: bool = False
    # A2: the start of an online purchase's period; a seller or brand policy may set another anchor
    online_anchor: str = "later_of_invoice_delivered"
    # goods without a national catalogue entry (CPL art. 24): how long a quality defect may be raised
    quality_claim_months: int = 0
    # filled when region overrides / brand policies are applied: field -> source label
    sources: dict[str, str] = field(default_factory=dict)
    applied: list[str] = field(default_factory=list)

    def clause(self, key: str) -> str:
        article = self.articles.get(key, "")
        return f"{self.regulation}{article}" if article else self.regulation

    def fault(self, code: str) -> FaultCode | None:
        return self.fault_codes.get(code)

    def needs_new_parts(self, part: str) -> bool:
        """Whether a repair of ``part`` (or any repair, when the rule says so) must use new parts."""
        return self.new_parts_only or bool((self.main_parts.get(part) or {}).get("new_parts"))

    def source_of(self, key: str) -> str:
        return self.sources.get(key, self.regulation if self.statutory else self.name)


def _parse_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def rule_set_from_dict(data: dict[str, Any], *, shared: dict[str, Any] | None = None) -> RuleSet:
    """Build a RuleSet from its data-file (or database JSON) form; unknown keys are ignored."""
    shared = shared or {}
    rate = data.get("depreciation_per_day")
    faults = {
        f["code"]: FaultCode(code=f["code"], label=f["label"], component=f.get("component", "host"),
                             part=f.get("part", ""), listed=bool(f.get("listed", True)))
        for f in data.get("fault_codes", [])
    }
    return RuleSet(
        id=data["id"], category=data["category"], name=data.get("name", data["id"]),
        regulation=data.get("regulation", ""), effective_from=_parse_date(data["effective_from"]),
        statutory=bool(data.get("statutory", True)), anchor=data.get("anchor", "invoice"),
        host_months=int(data.get("host_months", 12)), refund_days=int(data.get("refund_days", 7)),
        exchange_days=int(data.get("exchange_days", 15)), main_part_months=int(data.get("main_part_months", 0)),
        main_parts=dict(data.get("main_parts", {})), accessories=dict(data.get("accessories", {})),
        accessory_refund_after_exchanges=int(data.get("accessory_refund_after_exchanges", 2)),
        repeat_repair_count=int(data.get("repeat_repair_count", 2)),
        repeat_allows_refund=bool(data.get("repeat_allows_refund", False)),
        repairer_delay_days=int(data.get("repairer_delay_days", 30)),
        parts_delay_days=int(data.get("parts_delay_days", 60)),
        depreciation_per_day=Decimal(str(rate)) if rate not in (None, "") else None,
        window_anchor=data.get("window_anchor", ""), articles=dict(data.get("articles", {})),
        fault_codes=faults, qc_checklist=list(data.get("qc_checklist", [])),
        unverified=list(data.get("unverified", [])), region_overrides=dict(data.get("region_overrides", {})),
        exclusions=dict(shared.get("exclusions", {})), no_reason_return=dict(shared.get("no_reason_return", {})),
        new_parts_only=bool(data.get("new_parts_only", False)),
        online_anchor=data.get("online_anchor") or "later_of_invoice_delivered",
        quality_claim_months=int(data.get("quality_claim_months", 0)),
    )


@dataclass
class RuleBook:
    """Every rule set and brand policy, all versions."""

    rule_sets: list[RuleSet]
    brand_policies: list[dict[str, Any]]
    exclusions: dict[str, str]
    no_reason_return: dict[str, Any]
    version: str = ""
    seller_policies: list[dict[str, Any]] = field(default_factory=list)

    def versions(self, category: str) -> list[RuleSet]:
        return sorted((r for r in self.rule_sets if r.category == category), key=lambda r: r.effective_from)

    def base_for(self, category: str, on: dt.date) -> RuleSet:
        """The rule set in force on ``on`` (the purchase date) for the category, else the CPL fallback."""
        return copy.deepcopy(self._in_force(category, on))

    def _in_force(self, category: str, on: dt.date) -> RuleSet:
        """``base_for`` without the copy: the book's own rule set, never to be changed."""
        for candidates in (self.versions(category), self.versions(FALLBACK)):
            in_force = [r for r in candidates if r.effective_from <= on]
            if in_force:
                return in_force[-1]
            if candidates:  # bought before the first version: the earliest one is the closest rule
                return candidates[0]
        raise LookupError(f"no warranty rule set for category {category!r}")

    def fault_table(self, category: str, on: dt.date | None = None) -> list[FaultCode]:
        on = on or dt.date.max
        return list(self.base_for(category, on).fault_codes.values())

    def checklist(self, category: str, on: dt.date | None = None) -> list[dict]:
        return self.base_for(category, on or dt.date.max).qc_checklist


def rule_book_from_dict(data: dict[str, Any], *, extra_rule_sets: list[dict[str, Any]] | None = None) -> RuleBook:
    shared = {"exclusions": data.get("exclusions", {}), "no_reason_return": data.get("no_reason_return", {})}
    sets = [rule_set_from_dict(r, shared=shared) for r in data.get("rule_sets", [])]
    for extra in extra_rule_sets or []:
        rs = rule_set_from_dict(extra, shared=shared)
        sets = [s for s in sets if s.id != rs.id] + [rs]
    return RuleBook(rule_sets=sets, brand_policies=list(data.get("brand_policies", [])),
                    exclusions=shared["exclusions"], no_reason_return=shared["no_reason_return"],
                    version=data.get("version", ""), seller_policies=list(data.get("seller_policies", [])))


@lru_cache(maxsize=1)
def _file_data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def load_rule_book(*, extra_rule_sets: list[dict[str, Any]] | None = None) -> RuleBook:
    """The rule book from the versioned data file plus optional database rule sets (same JSON form)."""
    return rule_book_from_dict(_file_data(), extra_rule_sets=extra_rule_sets)


_MERGEABLE_INT = ("host_months", "refund_days", "exchange_days", "main_part_months")


def _adjustable_copy(rules: RuleSet) -> RuleSet:
    """A copy of a book's rule set for one device: what the policies and the rate table adjust (the
    numbers, the part tables, the sources, the applied list) is its own; the rest (fault codes,
    articles, checklists, which nothing changes) is shared with the book. Every intake previews 三包,
    and a deep copy of the whole set cost more than the preview itself."""
    return dataclasses.replace(rules, main_parts=dict(rules.main_parts), accessories=dict(rules.accessories),
                               sources=dict(rules.sources), applied=list(rules.applied))


def rules_for(book: RuleBook, *, category: str, on: dt.date, region: str = "", brand: str = "",
              seller: str = "") -> RuleSet:
    """Resolve the rules for one device: version in force, region override, brand then seller policies.

    The statutory rule is the floor; a region override or a brand promise can only make it more
    favourable to the consumer (the longer period, the longer window, the extra part), §0 and A14.
    The online-sale anchor is a policy setting (A2): the seller's, else the brand's, else the default.
    """
    rules = _adjustable_copy(book._in_force(category, on))
    region = (region or "").strip().lower()
    if region and region in rules.region_overrides:
        override = rules.region_overrides[region]
        _merge(rules, override, source=override.get("note", region))
        rules.applied.append(f"region:{region}")
    for policy in book.brand_policies:
        if brand and policy.get("brand") == brand and category in policy.get("categories", []) \
                and _parse_date(policy.get("effective_from", "1900-01-01")) <= on:
            _merge(rules, policy, source=policy.get("name", policy.get("id", brand)))
            rules.applied.append(f"brand:{policy.get('id', brand)}")
            _set_online_anchor(rules, policy, source=policy.get("name", policy.get("id", brand)))
    seller = (seller or "").strip()
    for policy in book.seller_policies:
        if seller and policy.get("seller") == seller \
                and category in policy.get("categories", [category]) \
                and _parse_date(policy.get("effective_from", "1900-01-01")) <= on:
            _merge(rules, policy, source=policy.get("name", seller))
            rules.applied.append(f"seller:{policy.get('id', seller)}")
            _set_online_anchor(rules, policy, source=policy.get("name", seller))
    return rules


def _set_online_anchor(rules: RuleSet, policy: dict[str, Any], *, source: str) -> None:
    # a setting, not a number to compare: the latest applicable policy (the seller's) decides
    if policy.get("online_anchor"):
        rules.online_anchor = policy["online_anchor"]
        rules.sources["online_anchor"] = source


def _merge(rules: RuleSet, data: dict[str, Any], *, source: str) -> None:
    for key in _MERGEABLE_INT:
        if key in data and int(data[key]) > getattr(rules, key):
            setattr(rules, key, int(data[key]))
            rules.sources[key] = source
    for key in ("main_parts", "accessories"):
        for code, spec in (data.get(key) or {}).items():
            current = getattr(rules, key).get(code)
            if current is None or int(spec.get("months", 0)) > int(current.get("months", 0)):
                getattr(rules, key)[code] = {**(current or {}), **spec}
                rules.sources[f"{key}.{code}"] = source
