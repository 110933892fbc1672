"""The 三包 (repair / exchange / refund) policy engine: pure Python, rules as data.

``evaluate(claim, rules, is_rest_day) -> Verdict``; ``load_rule_book()`` and ``rules_for(...)``
resolve the rule set for a device (version in force, region override, brand policies).
"""

from __future__ import annotations

from .engine import delay_triggers, evaluate, summarize
from .rules import FaultCode, RuleBook, RuleSet, load_rule_book, rule_book_from_dict, rules_for
from .types import (
    Claim,
    Component,
    CostBearer,
    CurrentRepair,
    DelayCause,
    Exclusion,
    PastExchange,
    PastRepair,
    Remedy,
    Verdict,
)

__all__ = [
    "Claim", "Component", "CostBearer", "CurrentRepair", "DelayCause", "Exclusion", "FaultCode", "PastExchange",
    "PastRepair", "Remedy", "RuleBook", "RuleSet", "Verdict", "delay_triggers", "evaluate", "load_rule_book",
    "rule_book_from_dict", "rules_for", "summarize",
]
