"""The 三包 (repair / exchange / refund) policy engine: pure Python, rules as data.

``evaluate(claim, rules, is_rest_day) -> Verdict``; ``load_rule_book()`` and ``rules_for(...)``
resolve the rule set for a device (version in force, region override, brand policies).
"""

from __future__ import annotations

from .engine import decide, delay_triggers, evaluate, summarize
from .rules import FaultCode, RuleBook, RuleSet, load_rule_book, rule_book_from_dict, rules_for
from .types import (
    Choice,
    Claim,
    Component,
    CostBearer,
    CurrentRepair,
    Decision,
    DecisionStatus,
    DelayCause,
    Exclusion,
    OnlineAnchor,
    Option,
    PastExchange,
    PastRepair,
    Remedy,
    Verdict,
    render,
)

__all__ = [
    "Choice", "Claim", "Component", "CostBearer", "CurrentRepair", "Decision", "DecisionStatus", "DelayCause",
    "Exclusion", "FaultCode", "OnlineAnchor", "Option", "PastExchange", "PastRepair", "Remedy", "RuleBook", "RuleSet",
    "Verdict", "decide", "delay_triggers", "evaluate", "load_rule_book", "render", "rule_book_from_dict", "rules_for",
    "summarize",
]
