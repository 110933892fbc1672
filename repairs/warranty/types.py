"""Value types of the 三包 engine: what a claim holds and what a verdict says (pure data, no ORM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


class Remedy:
    REFUND = "refund"
    EXCHANGE = "exchange"
    FREE_REPAIR = "free_repair"
    PAID_REPAIR = "paid_repair"
    REFUND_DEPRECIATED = "refund_depreciated"
    NO_REASON_RETURN = "no_reason_return"

    LABELS = {
        REFUND: "退货（全额退款）",
        EXCHANGE: "换货",
        FREE_REPAIR: "免费维修",
        PAID_REPAIR: "收费维修",
        REFUND_DEPRECIATED: "退货（扣除折旧）",
        NO_REASON_RETURN: "七日无理由退货",
    }
    ORDER = [REFUND, EXCHANGE, FREE_REPAIR, REFUND_DEPRECIATED, NO_REASON_RETURN, PAID_REPAIR]


class Component:
    HOST = "host"
    ACCESSORY = "accessory"
    MAIN_PART = "main_part"
    OTHER_PART = "other_part"

    LABELS = {HOST: "整机", ACCESSORY: "附件", MAIN_PART: "主要部件", OTHER_PART: "其他部件"}


class CostBearer:
    SELLER = "seller"
    PRODUCER = "producer"
    REPAIRER = "repairer"
    CONSUMER = "consumer"

    LABELS = {SELLER: "销售者", PRODUCER: "生产者（品牌）", REPAIRER: "修理者", CONSUMER: "消费者"}


class DelayCause:
    NONE = "none"
    REPAIRER = "repairer"
    PRODUCER_PARTS = "producer_parts"
    CONSUMER = "consumer"


@dataclass(frozen=True)
class PastRepair:
    """A completed (or ongoing) repair from the 维修记录: the evidence for C4, C6 and the repeat rule."""

    received_on: dt.date
    returned_on: dt.date | None = None
    occupied_days: int = 0          # days occupied by the repair itself (修理占用)
    parts_wait_days: int = 0        # days waiting for parts (无零配件待修)
    fault_code: str = ""
    component: str = Component.HOST
    part: str = ""
    listed_fault: bool = True
    under_warranty: bool = True     # was handled as a 三包 repair (paid repairs do not count)


@dataclass(frozen=True)
class PastExchange:
    """An exchange done under 三包: of the whole unit (part="") or of one accessory / main part."""

    on: dt.date
    component: str = Component.HOST
    part: str = ""


@dataclass(frozen=True)
class Exclusion:
    code: str                           # misuse, liquid, drop, disassembly, no_documents, ...
    evidence: tuple[str, ...] = ()      # attachment ids or document references
    note: str = ""
    parts: tuple[str, ...] = ()         # only these parts are affected (empty: the whole claim)


@dataclass(frozen=True)
class CurrentRepair:
    """The repair in progress, for the 30-day (repairer) and 60/90-day (parts) exchange triggers."""

    received_on: dt.date
    parts_wait_days: int = 0
    consumer_wait_days: int = 0
    waiting_for_producer_parts: bool = False


@dataclass(frozen=True)
class Claim:
    category: str
    claim_date: dt.date
    invoice_date: dt.date | None = None
    sale_date: dt.date | None = None
    delivered_on: dt.date | None = None        # 签收
    installed_on: dt.date | None = None        # installation and commissioning complete
    channel: str = "store"                     # online / store / operator / ...
    brand: str = ""
    region: str = ""
    price: Decimal | None = None
    has_invoice: bool = True
    has_card: bool = True
    can_prove_in_period: bool = False
    fault_code: str = ""
    fault_listed: bool | None = None           # None: look it up in the rule set's fault table
    component: str = ""                        # host / accessory / main_part / other_part ("" = from fault)
    part: str = ""                             # accessory or main-part code, e.g. battery, compressor
    repairs: tuple[PastRepair, ...] = ()
    exchanges: tuple[PastExchange, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    current_repair: CurrentRepair | None = None
    same_model_in_stock: bool = True
    consumer_refuses_other_model: bool = False
    goods_intact: bool = True                  # for the no-reason return
    no_reason_exempt: bool = False             # confirmed by the consumer at checkout


@dataclass
class Reason:
    rule: str          # C1..C9, A1..A20, §x.y, or an article of the regulation
    text: str
    clause: str = ""   # the regulation's article the conclusion rests on

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Extension:
    kind: str          # repair_days / parts_wait_days / holiday
    days: int
    note: str = ""


@dataclass
class Period:
    scope: str                     # host / battery / compressor / ...
    label: str
    start: dt.date | None
    months: int
    nominal_end: dt.date | None
    end: dt.date | None
    extensions: list[Extension] = field(default_factory=list)
    source: str = ""               # statutory / brand policy name / region override

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope, "label": self.label, "months": self.months, "source": self.source,
            "start": _iso(self.start), "nominal_end": _iso(self.nominal_end), "end": _iso(self.end),
            "extensions": [asdict(e) for e in self.extensions],
        }


@dataclass
class Trigger:
    kind: str          # repairer_delay / parts_delay
    limit_days: int
    fires_on: dt.date
    fired: bool
    clause: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "limit_days": self.limit_days, "fires_on": _iso(self.fires_on),
                "fired": self.fired, "clause": self.clause}


@dataclass
class Verdict:
    remedies: list[str]
    in_warranty: bool
    cost_bearer: str
    period: Period | None
    reasons: list[Reason]
    summary: str
    rule_set: str
    regulation: str
    day_index: int | None = None
    scope: str = Component.HOST
    remedy_costs: dict[str, str] = field(default_factory=dict)
    depreciated_refund: Decimal | None = None
    triggers: list[Trigger] = field(default_factory=list)
    exclusion: str = ""
    warnings: list[str] = field(default_factory=list)

    def allows(self, remedy: str) -> bool:
        return remedy in self.remedies

    @property
    def is_free(self) -> bool:
        return any(r != Remedy.PAID_REPAIR for r in self.remedies) and self.cost_bearer != CostBearer.CONSUMER

    def as_dict(self) -> dict[str, Any]:
        return {
            "remedies": list(self.remedies),
            "remedy_labels": [Remedy.LABELS[r] for r in self.remedies],
            "in_warranty": self.in_warranty,
            "cost_bearer": self.cost_bearer,
            "cost_bearer_label": CostBearer.LABELS[self.cost_bearer],
            "remedy_costs": dict(self.remedy_costs),
            "period": self.period.as_dict() if self.period else None,
            "reasons": [r.as_dict() for r in self.reasons],
            "summary": self.summary,
            "rule_set": self.rule_set,
            "regulation": self.regulation,
            "day_index": self.day_index,
            "scope": self.scope,
            "depreciated_refund": str(self.depreciated_refund) if self.depreciated_refund is not None else None,
            "triggers": [t.as_dict() for t in self.triggers],
            "exclusion": self.exclusion,
            "warnings": list(self.warnings),
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
