"""Payments' guard on ticket transitions (registered with the hub in ``PaymentsConfig.ready``).

A paid repair is handed back against its money: the ticket is not resolved, by the hand-back or
from any other interface (admin buttons, the API, a task), while the approved quote's amount is
neither received nor deferred by a staff member. Unlike the workshop's guard this one lets no
owner through: the workshop's own hand-back is exactly what it holds back.
"""

from __future__ import annotations

from tickets.guards import GuardCall

from .selectors import handback_refusal

GUARDED_TRANSITIONS = frozenset({"resolve"})


def handback_payment_guard(call: GuardCall) -> str | None:
    if call.transition not in GUARDED_TRANSITIONS or call.ticket.pk is None:
        return None
    return handback_refusal(ticket=call.ticket, memo=call.memo)
