"""Value types of the 三包 engine: what a claim holds and what a verdict says (pure data, no ORM).

Every sentence the engine writes is a translatable message (``gettext_lazy``) plus its parameters,
so a verdict stored in Chinese is shown in the reader's language later: ``render`` translates the
message and every string parameter at display time (clause references stay as written).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: The class of the proxies ``gettext_lazy`` returns (each ``lazy`` call makes its own).
_GETTEXT_LAZY = type(_(""))


def msgid(message: Any) -> str:
    """The untranslated (zh-hans) source text of a lazy message: what a stored verdict keeps."""
    if isinstance(message, str):
        return message
    if type(message) is _GETTEXT_LAZY and len(message._args) == 1:
        # The proxy holds its message id: no switch of the active language (a dozen per 三包 preview,
        # on every report) to have gettext hand it back untranslated.
        return message._args[0]
    with translation.override(None):
        return str(message)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return msgid(value)


def _translated(value: Any) -> Any:
    if isinstance(value, list):
        return gettext("、").join(str(_translated(v)) for v in value)
    if isinstance(value, str) and value:
        return gettext(value)  # a label kept as its msgid ("电池", "换货") or a date: unchanged if unknown
    return value


def render(message: Any, params: dict[str, Any] | None = None) -> str:
    """Translate a stored message and its string parameters into the active language."""
    text = gettext(msgid(message)) if message else ""
    if params:
        text = text % {k: _translated(_plain(v)) for k, v in params.items()}
    return text


class Remedy:
    REFUND = "refund"
    EXCHANGE = "exchange"
    FREE_REPAIR = "free_repair"
    PAID_REPAIR = "paid_repair"
    REFUND_DEPRECIATED = "refund_depreciated"
    NO_REASON_RETURN = "no_reason_return"

    LABELS = {
        REFUND: _("退货（全额退款）"),
        EXCHANGE: _("换货"),
        FREE_REPAIR: _("免费维修"),
        PAID_REPAIR: _("收费维修"),
        REFUND_DEPRECIATED: _("退货（扣除折旧）"),
        NO_REASON_RETURN: _("七日无理由退货"),
    }
    ORDER = [REFUND, EXCHANGE, FREE_REPAIR, REFUND_DEPRECIATED, NO_REASON_RETURN, PAID_REPAIR]
    REFUNDS = (REFUND, REFUND_DEPRECIATED, NO_REASON_RETURN)


class Choice:
    """What the consumer asks for (the decision step's main input)."""

    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"

    LABELS = {REFUND: _("退货"), EXCHANGE: _("换货"), REPAIR: _("维修")}
    ALL = (REFUND, EXCHANGE, REPAIR)


class DecisionStatus:
    PENDING = "pending"          # the consumer has not chosen yet
    DECIDED = "decided"          # the choice is granted as asked
    SUBSTITUTED = "substituted"  # the choice is not available: the best available remedy instead
    BLOCKED = "blocked"          # the choice is owed but cannot be settled yet (missing rate or price)

    LABELS = {PENDING: _("待消费者选择"), DECIDED: _("已决定"), SUBSTITUTED: _("按可行方式处理"),
              BLOCKED: _("暂不能处理")}


class Component:
    HOST = "host"
    ACCESSORY = "accessory"
    MAIN_PART = "main_part"
    OTHER_PART = "other_part"

    LABELS = {HOST: _("整机"), ACCESSORY: _("附件"), MAIN_PART: _("主要部件"), OTHER_PART: _("其他部件")}


class CostBearer:
    SELLER = "seller"
    PRODUCER = "producer"
    REPAIRER = "repairer"
    CONSUMER = "consumer"

    LABELS = {SELLER: _("销售者"), PRODUCER: _("生产者（品牌）"), REPAIRER: _("修理者"), CONSUMER: _("消费者")}


class OnlineAnchor:
    """Which date starts the 三包 period of goods bought online (a seller or brand policy setting, A2)."""

    LATER = "later_of_invoice_delivered"
    DELIVERED = "delivered"
    INVOICE = "invoice"

    LABELS = {LATER: _("开票日与签收日中较晚者"), DELIVERED: _("签收日"), INVOICE: _("开票日")}
    ALL = (LATER, DELIVERED, INVOICE)


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
    """The repair in progress: the claim was made when it was received; its days count (C4, A11)."""

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
    # the decision step: the consumer's choice and what the seller can supply
    choice: str = ""                           # refund / exchange / repair ("" = not chosen yet)
    same_model_in_stock: bool = True
    model_discontinued: bool = False
    consumer_refuses_other_model: bool = False
    # an accessory sold with the host (bundled) is refunded at its separate selling price (§2.4)
    accessory_bundled: bool = False
    accessory_price: Decimal | None = None     # its separate selling price on the day of return
    # A10: a battery whose measured capacity is below 80% of rated has a listed fault
    battery_measured_mah: int | None = None
    battery_rated_mah: int | None = None
    # the online no-reason return (§6.2, A19); None = not asked
    goods_intact: bool | None = True
    activated: bool = False
    activated_for_inspection_only: bool = False
    no_reason_exempt: bool = False             # confirmed by the consumer at checkout
    goods_returned_on: dt.date | None = None   # the seller received the returned goods


@dataclass
class Reason:
    rule: str          # C1..C9, A1..A20, §x.y, or an article of the regulation
    message: Any       # a lazy translatable message with %(name)s placeholders
    clause: str = ""   # the regulation's article the conclusion rests on
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return render(self.message, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "clause": self.clause, "message": msgid(self.message),
                "params": {k: _plain(v) for k, v in self.params.items()}}


@dataclass
class Extension:
    kind: str          # repair_days / parts_wait_days / current_repair_days / holiday
    days: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "days": self.days, "note": msgid(self.note)}


@dataclass
class Period:
    scope: str                     # host / battery / compressor / ...
    label: Any
    start: dt.date | None
    months: int
    nominal_end: dt.date | None
    end: dt.date | None
    extensions: list[Extension] = field(default_factory=list)
    source: str = ""               # statutory / brand policy name / region override

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope, "label": msgid(self.label), "months": self.months, "source": self.source,
            "start": _iso(self.start), "nominal_end": _iso(self.nominal_end), "end": _iso(self.end),
            "extensions": [e.as_dict() for e in self.extensions],
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
class Option:
    """One remedy the consumer is entitled to: who pays, how much is refunded, on which clause."""

    remedy: str
    payer: str
    clause: str = ""
    amount: Decimal | None = None      # refunds: the sum paid back; free remedies: 0.00; paid repair: None
    deadline: dt.date | None = None    # refunds with a statutory payment deadline
    note: Any = ""
    note_params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"remedy": self.remedy, "label": msgid(Remedy.LABELS[self.remedy]), "payer": self.payer,
                "payer_label": msgid(CostBearer.LABELS[self.payer]), "clause": self.clause,
                "amount": str(self.amount) if self.amount is not None else None, "deadline": _iso(self.deadline),
                "note": render(self.note, self.note_params) if self.note else "",
                "note_message": msgid(self.note) if self.note else "",
                "note_params": {k: _plain(v) for k, v in self.note_params.items()}}


@dataclass
class Decision:
    """The second step: the consumer's choice against the options, stock and model availability."""

    status: str
    choice: str = ""
    remedy: str = ""
    payer: str = ""
    amount: Decimal | None = None
    clause: str = ""
    deadline: dt.date | None = None
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "choice": self.choice, "remedy": self.remedy, "payer": self.payer,
                "amount": str(self.amount) if self.amount is not None else None, "clause": self.clause,
                "deadline": _iso(self.deadline), "reasons": [r.as_dict() for r in self.reasons]}


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
    warnings: list[Any] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    decision: Decision | None = None
    new_parts_required: bool = False
    depreciation_blocked: bool = False
    no_reason_unconfirmed: bool = False   # the no-reason window is open but intactness was not asked
    summary_message: Any = ""
    summary_params: dict[str, Any] = field(default_factory=dict)

    def allows(self, remedy: str) -> bool:
        return remedy in self.remedies

    def option(self, remedy: str) -> Option | None:
        return next((o for o in self.options if o.remedy == remedy), None)

    @property
    def is_free(self) -> bool:
        return any(r != Remedy.PAID_REPAIR for r in self.remedies) and self.cost_bearer != CostBearer.CONSUMER

    def as_dict(self) -> dict[str, Any]:
        return {
            "remedies": list(self.remedies),
            "remedy_labels": [str(Remedy.LABELS[r]) for r in self.remedies],
            "in_warranty": self.in_warranty,
            "cost_bearer": self.cost_bearer,
            "cost_bearer_label": str(CostBearer.LABELS[self.cost_bearer]),
            "remedy_costs": dict(self.remedy_costs),
            "options": [o.as_dict() for o in self.options],
            "decision": self.decision.as_dict() if self.decision else None,
            "period": self.period.as_dict() if self.period else None,
            "reasons": [r.as_dict() for r in self.reasons],
            "summary": self.summary,
            "summary_message": msgid(self.summary_message) if self.summary_message else "",
            "summary_params": {k: _plain(v) for k, v in self.summary_params.items()},
            "rule_set": self.rule_set,
            "regulation": self.regulation,
            "day_index": self.day_index,
            "scope": self.scope,
            "depreciated_refund": str(self.depreciated_refund) if self.depreciated_refund is not None else None,
            "depreciation_blocked": self.depreciation_blocked,
            "no_reason_unconfirmed": self.no_reason_unconfirmed,
            "new_parts_required": self.new_parts_required,
            "triggers": [t.as_dict() for t in self.triggers],
            "exclusion": self.exclusion,
            "warnings": [msgid(w) for w in self.warnings],
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
