"""The vocabulary of the ticket timeline: every event kind, its label and whether the customer sees it.

Each app registers the kinds it writes in its own ``events.py`` (imported from its ``AppConfig.ready``)::

    from tickets.events import register
    register("part.fitted", _("已更换备件"), customer_visible=True)

``ticket_event_add`` refuses a kind nobody registered, and refuses a visibility that contradicts
the registry, so the admin timeline, the exports and the customer's page always have words for an
event and a staff-only kind can never leak to the customer by a wrong flag at one call site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


class UnknownEventKind(LookupError):
    """A service wrote an event kind that no app registered (a programming error, never user input)."""


@dataclass(frozen=True)
class EventKind:
    kind: str
    label: Any  # lazy zh-hans source string; English comes from the catalogue
    # True / False: always shown to the customer or never; None: the writing service decides per
    # event (a note, a message from the customer, a workshop step).
    customer_visible: bool | None
    # Which choices ``from_state`` / ``to_state`` of this kind hold (the ticket's by default).
    states: Any = None
    # The message is typed by staff (a reason, a resolution): the customer sees the label and only
    # what was written for them (``payload["customer_message"]``), never the internal words.
    staff_text: bool = False

    def state_label(self, value: str) -> str:
        if not value:
            return ""
        choices = self.states
        if choices is None:
            from tickets.models import Ticket

            choices = Ticket.Status
        try:
            return str(choices(value).label)
        except ValueError:
            return value


_REGISTRY: dict[str, EventKind] = {}


def register(kind: str, label: Any, *, customer_visible: bool | None, states: Any = None,
             staff_text: bool = False) -> EventKind:
    """Register (or re-register, e.g. on autoreload) an event kind with its zh-hans label."""
    entry = EventKind(kind=kind, label=label, customer_visible=customer_visible, states=states,
                      staff_text=staff_text)
    _REGISTRY[kind] = entry
    return entry


def get(kind: str) -> EventKind:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise UnknownEventKind(f"Event kind {kind!r} is not registered; add it to its app's events.py") from None


def registered() -> dict[str, EventKind]:
    return dict(_REGISTRY)


def check(kind: str, customer_visible: bool | None) -> bool:
    """The visibility to store for an event of ``kind``: the registry's, or the caller's where the
    registry lets the caller decide. Raises UnknownEventKind, or ValueError on a contradiction."""
    entry = get(kind)
    if entry.customer_visible is None:
        return bool(customer_visible)
    if customer_visible is not None and customer_visible != entry.customer_visible:
        raise ValueError(f"Event kind {kind!r} is registered with customer_visible={entry.customer_visible}")
    return entry.customer_visible


def event_label(kind: str) -> str:
    entry = _REGISTRY.get(kind)
    return str(entry.label) if entry is not None else kind


def state_label(kind: str, value: str) -> str:
    """The label of a ``from_state`` / ``to_state`` value of an event of ``kind``."""
    entry = _REGISTRY.get(kind)
    return entry.state_label(value) if entry is not None else EventKind(kind, kind, None).state_label(value)


def customer_text(event: Any) -> str:
    """The words of an event the customer may read (besides its label)."""
    written_for_customer = ((event.payload or {}).get("customer_message") or "").strip()
    if written_for_customer:
        return written_for_customer
    entry = _REGISTRY.get(event.kind)
    if entry is not None and entry.staff_text:
        return ""
    return event.message or ""


def kind_choices() -> list[tuple[str, str]]:
    """(kind, label) pairs sorted by kind, for filters and exports."""
    return [(k, str(v.label)) for k, v in sorted(_REGISTRY.items())]


# -- the hub's own kinds -------------------------------------------------------------------------

# transition name -> (event kind, customer-visible, label)
TRANSITION_EVENTS: dict[str, tuple[str, bool, object]] = {
    "triage": ("ticket.triaged", True, _("已受理，正在安排服务")),
    "assign": ("ticket.assigned", True, _("已为您安排工程师")),
    "release": ("ticket.released", False, _("工程师已退回，重新派工")),
    "start": ("ticket.started", True, _("工程师已开始处理")),
    "wait_customer": ("ticket.waiting_customer", True, _("等待您的确认或补充信息")),
    "wait_parts": ("ticket.waiting_parts", True, _("正在等待备件到货")),
    "resume": ("ticket.resumed", True, _("继续处理中")),
    "submit_qc": ("ticket.quality_check", True, _("维修完成，正在质检")),
    "pass_qc": ("ticket.ready", True, _("质检通过")),
    "rework": ("ticket.rework", False, _("质检未通过，返工")),
    "resolve": ("ticket.resolved", True, _("服务已完成")),
    "close": ("ticket.closed", True, _("工单已关闭")),
    "reopen": ("ticket.reopened", True, _("工单已重新打开")),
    "cancel": ("ticket.cancelled", True, _("工单已取消")),
}

# A transition's message is what staff typed (a reason, a resolution) or a workshop note.
# Assignment words are the system's ("已安排工程师 李工").
for _kind, _visible, _label in TRANSITION_EVENTS.values():
    register(_kind, _label, customer_visible=_visible, staff_text=_kind != "ticket.assigned")

register("ticket.created", _("工单已创建"), customer_visible=True)
register("ticket.note", _("备注"), customer_visible=None)
register("ticket.updated", _("工单信息已更新"), customer_visible=False)
register("ticket.attachment_added", _("已上传附件"), customer_visible=False)
register("ticket.estimate", _("三包与价格预估"), customer_visible=True)
register("ticket.classified", _("自动分类"), customer_visible=False)
register("ticket.recategorized", _("分类已更正"), customer_visible=False)
register("ticket.triage_confirmed", _("分类已确认"), customer_visible=False)
register("ticket.duplicate_report", _("收到重复报修，已合并"), customer_visible=True)
register("ticket.unverified_report", _("同一设备的补充报修（报修人未验证）"), customer_visible=False)
register("ticket.possible_duplicate", _("疑似重复报修（不同报修人）"), customer_visible=False)
register("ticket.customer_message", _("客户留言"), customer_visible=None)
register("invoice.requested", _("已申请电子发票"), customer_visible=True)
register("invoice.issued", _("电子发票已开具"), customer_visible=True)
register("invoice.rejected", _("发票申请未通过"), customer_visible=True)
register("sla.reminder", _("SLA 提醒"), customer_visible=False)
register("sla.escalated", _("SLA 超时升级"), customer_visible=False)
