"""Shared helpers of the workshop services: locking, permissions, audit rows and the ticket follower.

A repair order and its ticket move together: every repair-order transition names the ticket state
it implies (``TICKET_STATE_FOR``) and ``ticket_follow`` walks the ticket's own FSM there through
``tickets.services.ticket_transition`` inside the same transaction, so the two never disagree.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from tickets import guards, policy
from tickets.exceptions import ConflictError
from tickets.models import Ticket
from tickets.services import ticket_event_add, ticket_transition

from ..exceptions import RepairInvalidTransition
from ..guards import OWNER as GUARD_OWNER
from ..models import RepairOrder, RepairStatusChange

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

S = RepairOrder.Status
T = Ticket.Status

TICKET_STATE_FOR: dict[str, str] = {
    S.DIAGNOSING: T.IN_PROGRESS, S.QUOTING: T.IN_PROGRESS, S.AWAITING_APPROVAL: T.WAITING_CUSTOMER,
    S.APPROVED: T.IN_PROGRESS, S.REPAIRING: T.IN_PROGRESS, S.AWAITING_PARTS: T.WAITING_PARTS,
    S.QC: T.QUALITY_CHECK, S.PASSED: T.READY, S.REWORK: T.IN_PROGRESS, S.DECLINED: T.IN_PROGRESS,
    S.UNREPAIRABLE: T.IN_PROGRESS, S.REPLACED: T.RESOLVED, S.REFUNDED: T.RESOLVED,
}

# The ticket FSM edges the workshop may walk: (from, transition) -> to.
TICKET_EDGES: dict[str, list[tuple[str, str]]] = {
    T.ASSIGNED: [("start", T.IN_PROGRESS)],
    T.IN_PROGRESS: [("wait_customer", T.WAITING_CUSTOMER), ("wait_parts", T.WAITING_PARTS),
                    ("submit_qc", T.QUALITY_CHECK), ("resolve", T.RESOLVED)],
    T.WAITING_CUSTOMER: [("resume", T.IN_PROGRESS)],
    T.WAITING_PARTS: [("resume", T.IN_PROGRESS)],
    T.QUALITY_CHECK: [("pass_qc", T.READY), ("rework", T.IN_PROGRESS)],
    T.READY: [("resolve", T.RESOLVED)],
}

STATE_EVENT_KIND = "repair.status_changed"


def ticket_path(source: str, target: str) -> list[str]:
    """Shortest list of ticket transitions from ``source`` to ``target`` (empty when already there)."""
    if source == target:
        return []
    seen, queue = {source}, deque([(source, [])])
    while queue:
        state, path = queue.popleft()
        for name, nxt in TICKET_EDGES.get(state, []):
            if nxt == target:
                return [*path, name]
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, name]))
    raise RepairInvalidTransition(
        _("工单当前为“%(state)s”，维修单无法进入此状态。") % {"state": T(source).label},
        extra={"ticket_state": source, "wanted": target},
    )


def ticket_follow(*, ticket: Ticket, target: str, by: AbstractBaseUser | None, message: str = "",
                  updates: dict[str, Any] | None = None) -> Ticket:
    """Walk the ticket to ``target`` through its own FSM (permission-checked, one event per step).

    The repair order's services are the owner of the ticket's workshop states, so the walk runs
    inside ``guards.acting``: the workshop's guard lets these steps through and no others."""
    with guards.acting(GUARD_OWNER, ticket.pk):
        for name in ticket_path(ticket.status, target):
            ticket = ticket_transition(ticket=ticket, transition=name, by=by, message=message,
                                       updates=updates if name == "resolve" else None)
    return ticket


def lock_repair_order(repair_order: RepairOrder) -> RepairOrder:
    return (RepairOrder.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__device", "ticket__device__product_model", "ticket__product_model",
                            "ticket__customer", "technician", "center")
            .get(pk=repair_order.pk))


def lock_ticket(ticket_id: int) -> Ticket:
    return (Ticket.objects.select_for_update(of=("self",)).select_related("device", "product_model", "customer")
            .get(pk=ticket_id))


def require_perm(by: AbstractBaseUser | None, perm: str, *, ticket: Ticket | None = None) -> None:
    """System actors (``by=None``) pass; users need the permission and the ticket in their scope
    (a technician's own jobs, a manager's centres: ``tickets.policy``)."""
    policy.require(by, perm, ticket)


def run_transition(
    *,
    repair_order: RepairOrder,
    transition: str,
    by: AbstractBaseUser | None,
    note: str = "",
    payload: dict | None = None,
    customer_visible: bool = False,
    message: str = "",
    ticket_updates: dict[str, Any] | None = None,
) -> RepairOrder:
    """Run one repair-order transition and move the ticket along; must run inside ``transaction.atomic``.

    Writes the RepairStatusChange audit row and a ticket event. Raises RepairInvalidTransition,
    ConflictError (concurrent change) or the ticket's own errors; the caller's transaction rolls back.
    """
    method = getattr(repair_order, transition)
    if not can_proceed(method):
        raise RepairInvalidTransition(
            _("维修单当前为“%(state)s”，不能执行此操作。") % {"state": repair_order.get_status_display()},
            extra={"state": repair_order.status, "transition": transition},
        )
    source = repair_order.status
    method()
    try:
        repair_order.save()
    except ConcurrentTransition:
        raise ConflictError(_("维修单已被他人更新，请刷新后重试。"))
    RepairStatusChange.objects.create(repair_order=repair_order, from_state=source, to_state=repair_order.status,
                                      actor=by if getattr(by, "pk", None) else None, note=note,
                                      payload=payload or {})
    ticket = repair_order.ticket
    target = TICKET_STATE_FOR[repair_order.status]
    if ticket.status != target:
        repair_order.ticket = ticket_follow(ticket=ticket, target=target, by=by, message=message or note,
                                            updates=ticket_updates)
    ticket_event_add(
        ticket=repair_order.ticket, kind=STATE_EVENT_KIND, by=by, customer_visible=customer_visible,
        message=message or _("维修单：%(state)s") % {"state": repair_order.get_status_display()},
        payload={"repair_order": repair_order.pk, "from": source, "to": repair_order.status, **(payload or {})},
        from_state=source, to_state=repair_order.status,
    )
    return repair_order


def on_commit_robust(func) -> None:
    transaction.on_commit(func, robust=True)
