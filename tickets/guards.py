"""Vetoes on ticket transitions, registered by the apps that own part of a ticket's state.

The hub imports none of those apps. An app whose own record decides where the ticket may go next
(``repairs``: while a repair order is open, the workshop states QC, rework, waiting and resolve
follow the repair order) registers a guard in its ``AppConfig.ready``; ``ticket_transition`` asks
every guard before ``can_proceed``, so no interface (API, admin, task) can move the ticket around
the owner's rules. The owner's own services move the ticket inside ``guards.acting(owner, ticket)``,
which the guard recognises.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Ticket


@dataclass(frozen=True)
class GuardCall:
    """What a guard is asked: may ``by`` run ``transition`` on ``ticket`` now?

    ``owner`` names the app whose services are moving the ticket right now (``guards.acting``), or
    is empty; ``memo`` is shared by the calls of one listing (the admin's buttons) so that a guard
    reads its rows once per ticket, not once per transition.
    """

    ticket: Ticket
    transition: str
    by: AbstractBaseUser | None
    owner: str
    memo: dict[str, Any]


#: A guard returns a localized reason to refuse, or None to let the transition through.
Guard = Callable[[GuardCall], "str | None"]

_guards: dict[str, Guard] = {}
_acting: ContextVar[tuple[tuple[str, int], ...]] = ContextVar("tickets_guards_acting", default=())


def guard_register(name: str, guard: Guard) -> None:
    """Add (or replace, by ``name``) a guard; call it from ``AppConfig.ready``."""
    _guards[name] = guard


def guard_unregister(name: str) -> None:
    _guards.pop(name, None)


def registered() -> dict[str, Guard]:
    return dict(_guards)


@contextlib.contextmanager
def acting(owner: str, ticket_id: int) -> Iterator[None]:
    """Mark that ``owner``'s services are moving ticket ``ticket_id`` inside this block."""
    token = _acting.set((*_acting.get(), (owner, ticket_id)))
    try:
        yield
    finally:
        _acting.reset(token)


def acting_owner(ticket_id: int) -> str:
    for owner, acting_on in reversed(_acting.get()):
        if acting_on == ticket_id:
            return owner
    return ""


def guards_refusal(*, ticket: Ticket, transition: str, by: AbstractBaseUser | None,
                   memo: dict[str, Any] | None = None) -> str | None:
    """The first guard's reason to refuse, or None when every guard lets the transition through."""
    if not _guards:
        return None
    call = GuardCall(ticket=ticket, transition=transition, by=by, owner=acting_owner(ticket.pk),
                     memo=memo if memo is not None else {})
    for guard in _guards.values():
        reason = guard(call)
        if reason:
            return reason
    return None
