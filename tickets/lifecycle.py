"""What the hub does after each step of a ticket's life, in order. Read top to bottom.

The hub's services call these functions inside their own transaction, right after they wrote the
change and its timeline event, so every row below is committed or rolled back together with the
change it follows. Only the live broadcast and the domain signals wait for the commit.

After a ticket is created (``ticket_create``):
  1. the SLA clock starts at the creation time;
  2. the domain signal ``ticket_created`` is queued for after the commit;
  3. classify and route: a confident prediction (or a category given at intake) triages the
     ticket, which is a transition and runs the steps below for it;
  4. the estimate, once: the triage already made it when it ran;
  5. the customer messages of the new customer-visible events (the outbox rows);
  6. the ``ticket.created`` webhook rows.

An intake that answers before the rest is done (``ticket_create(..., deferred=True)``, the REST
intake of integrations) splits the steps above: in its transaction only what the answer shows, the
estimate on the category given or predicted (the triage confirms that category), priced before the
row is written and stored with it (``before_create``), then the ``ticket_created`` signal; after
the commit a django-q2 worker runs the rest in its own transaction (``after_create_deferred``): the
SLA clock from the creation time, classify and route (with the steps of every transition below, so
dispatch and a second estimate also happen in workers), the messages (the "received" milestone,
followed by whatever the triage and dispatch reached) and the ``ticket.created`` webhook rows. Those
rows are written together with the SLA clock, so a ticket without a clock is one whose messages are
not written yet either: each step is idempotent, and a sweep (``after_create_sweep``) runs them for a
ticket whose task never reached the queue (the outbox sweep would still turn the timeline into
messages).

After every transition (``ticket_transition``):
  1. the SLA clock: pause, resume, stop, re-match the policy, record the first response;
  2. the estimate, when the transition changes what it rests on (the category arrives, a reopen);
  3. the customer messages of the new customer-visible events;
  4. the ``ticket.state_changed`` webhook rows;
  5. after the commit: the live broadcast (queued by ``ticket_event_add``) and the domain signal
     ``ticket_transitioned`` for the other apps (dispatch, surveys), whose receivers only enqueue
     django-q2 tasks.

After the category is set or changed (``triage_run``, ``triage_correct``):
  1. after the commit: the domain signal ``ticket_categorized`` (a service complaint opens its
     follow-up in surveys; the triage's own transition runs the steps above first).

After an edit of the ticket's descriptive fields (``ticket_update``):
  1. the SLA clock is re-matched when the policy's inputs changed (category, priority, centre);
  2. the estimate, when what it rests on changed (category, product, device);
  3. the customer messages, if the edit wrote a customer-visible event.

Any other customer-visible event (a quote, a repair step, a merged report, a note to the customer)
gets its outbox rows as it is written (``customer_event_written``), again in the same transaction.
While one of the steps above runs for a ticket, those rows wait for its "customer messages" step,
so that messages follow the order of the events and see the SLA and estimate they may quote.

The hub never listens to its own signals; the other apps never write the hub's rows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Ticket, TicketEvent

logger = logging.getLogger("tickets.lifecycle")

#: Transitions after which the estimate is computed again: triage brings the fault category, a
#: reopened ticket may come back with a different fault.
ESTIMATE_AFTER_TRANSITIONS = frozenset({"triage", "reopen"})
#: Fields of ``ticket_update`` that the SLA policy and calendar depend on.
SLA_FIELDS = frozenset({"fault_category", "priority", "service_center", "department"})
#: Fields of ``ticket_update`` that the price range and the 三包 preview depend on.
ESTIMATE_FIELDS = frozenset({"fault_category", "product_model", "device"})

_messages_held: ContextVar[tuple[int, ...]] = ContextVar("tickets_lifecycle_messages_held", default=())
_being_created: ContextVar[tuple[int, ...]] = ContextVar("tickets_lifecycle_being_created", default=())


# ---------------------------------------------------------------------------------------------
# After commit
# ---------------------------------------------------------------------------------------------

def after_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Run ``func(*args, **kwargs)`` once the transaction commits; a failure is logged and does not
    stop the other callbacks.

    The callback is a named function (not a ``functools.partial``): Django logs a failed robust
    callback by its ``__qualname__``, and a partial has none, which turned one failure into an
    error that skipped every later callback.
    """
    def run_after_commit() -> None:
        func(*args, **kwargs)

    run_after_commit.__qualname__ = f"after_commit({getattr(func, '__qualname__', repr(func))})"
    transaction.on_commit(run_after_commit, robust=True)


def _send_created(ticket_id: int) -> None:
    from .models import Ticket
    from .signals import ticket_created

    ticket_created.send_robust(sender=Ticket, ticket_id=ticket_id)


def _send_transitioned(ticket_id: int, transition: str, from_state: str, to_state: str,
                       actor_id: int | None) -> None:
    from .models import Ticket
    from .signals import ticket_transitioned

    ticket_transitioned.send_robust(sender=Ticket, ticket_id=ticket_id, transition=transition,
                                    from_state=from_state, to_state=to_state, actor_id=actor_id)


def _send_categorized(ticket_id: int, category_code: str, previous_code: str | None, actor_id: int | None) -> None:
    from .models import Ticket
    from .signals import ticket_categorized

    ticket_categorized.send_robust(sender=Ticket, ticket_id=ticket_id, category_code=category_code,
                                   previous_code=previous_code, actor_id=actor_id)


# ---------------------------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------------------------

@contextlib.contextmanager
def holding_messages(ticket_id: int) -> Iterator[None]:
    """Customer-visible events written inside this block get their outbox rows at the step's
    "customer messages" point instead of one by one."""
    token = _messages_held.set((*_messages_held.get(), ticket_id))
    try:
        yield
    finally:
        _messages_held.reset(token)


@contextlib.contextmanager
def being_created(ticket_id: int) -> Iterator[None]:
    """The ticket is being created in this transaction: nobody can watch it live before the commit
    (the progress page and the job socket join only a committed ticket, and read its whole state
    when they do), so its events need no broadcast (``may_be_watched``)."""
    token = _being_created.set((*_being_created.get(), ticket_id))
    try:
        yield
    finally:
        _being_created.reset(token)


def may_be_watched(ticket_id: int) -> bool:
    """Whether a live page may be watching the ticket when this transaction commits."""
    return ticket_id not in _being_created.get()


def after_create(*, ticket: Ticket, by: AbstractBaseUser | None, classify: bool = True,
                 deferred: bool = False) -> None:
    """The reactions to a new ticket; runs inside ``ticket_create``'s transaction. ``classify=False``
    is for a caller that triages the ticket itself right after (replayed history, fixtures).
    ``deferred=True`` keeps only what the reporter's answer shows here and queues the rest for a
    worker (``after_create_deferred``)."""
    from .sla.services import sla_clock_start

    if deferred:
        # The messages too wait for the worker: the "received" one goes out with what the triage
        # and dispatch reached, in order, and the answer does not wait for their rows.
        after_commit(_send_created, ticket.pk)
        after_commit(_enqueue_after_create, ticket.pk)
        return
    sla_clock_start(ticket_id=ticket.pk)
    # Queued before the triage's own signal, so other apps hear "created" before "triaged".
    after_commit(_send_created, ticket.pk)
    triaged = _classify_and_route(ticket) if classify else False
    if not triaged:
        _estimate(ticket)
    _customer_messages(ticket)
    _webhooks(ticket, event="ticket.created", data={}, key=f"ticket.created:{ticket.pk}")


def before_create(*, ticket: Ticket, deferred: bool = False) -> bool:
    """What is decided before a new ticket's row is written; True when ``ticket_create`` writes an
    estimate event after the ``ticket.created`` one. An intake that answers first shows the estimate
    on the category given or predicted: it is priced here and stored with the row, the one write.
    Only reads happen here and no savepoint guards them: an estimate that raises is logged and the
    ticket is stored without one, but a database error in these reads fails the whole intake, which
    is rolled back and answers nothing, so the sender's retry (same key) creates the ticket then."""
    if not deferred:
        return False
    from .intake.estimate import estimate_unsaved

    return estimate_unsaved(ticket=ticket, category=ticket.fault_category or ticket.predicted_category)


def after_create_deferred(*, ticket_id: int) -> None:
    """The reactions ``after_create(deferred=True)`` left for a worker, in the order of the synchronous
    path, in one transaction; harmless to run again (each step is idempotent) or for a missing ticket."""
    from .models import Ticket as TicketModel
    from .sla.services import sla_clock_start

    with transaction.atomic():
        ticket = (TicketModel.objects.select_for_update(of=("self",))
                  .select_related("product_model", "customer", "fault_category").filter(pk=ticket_id).first())
        if ticket is None:
            return
        with holding_messages(ticket.pk):
            sla_clock_start(ticket_id=ticket.pk)
            triaged = _classify_and_route(ticket) if ticket.status == TicketModel.Status.NEW else False
            if not triaged:
                _estimate(ticket)
            _customer_messages(ticket)
            _webhooks(ticket, event="ticket.created", data={}, key=f"ticket.created:{ticket.pk}")


def _enqueue_after_create(ticket_id: int) -> None:
    from django_q.tasks import async_task

    async_task("tickets.tasks.ticket_after_create_task", ticket_id, task_name=f"after-create-{ticket_id}")


def after_transition(*, ticket: Ticket, transition: str, from_state: str, event: TicketEvent,
                     by: AbstractBaseUser | None) -> None:
    """The reactions to one transition; runs inside ``ticket_transition``'s transaction."""
    from .sla.services import sla_on_transition

    sla_on_transition(ticket_id=ticket.pk, transition=transition, from_state=from_state, to_state=ticket.status)
    if transition in ESTIMATE_AFTER_TRANSITIONS:
        _estimate(ticket)
    _customer_messages(ticket)
    _webhooks(ticket, event="ticket.state_changed",
              data={"transition": transition, "from_state": from_state, "to_state": ticket.status},
              key=f"ticket.state_changed:{ticket.pk}:{event.pk}")
    after_commit(_send_transitioned, ticket.pk, transition, from_state, ticket.status, getattr(by, "pk", None))


def after_update(*, ticket: Ticket, changed: dict[str, tuple[Any, Any]], by: AbstractBaseUser | None) -> None:
    """The reactions to an edit of descriptive fields; runs inside ``ticket_update``'s transaction."""
    from django.utils.translation import gettext as _

    from .sla.services import sla_clock_recalculate

    if SLA_FIELDS & set(changed):
        sla_clock_recalculate(ticket_id=ticket.pk, reason=_("工单信息修改后重新匹配策略与网点日历"))
    if ESTIMATE_FIELDS & set(changed):
        _estimate(ticket)
    _customer_messages(ticket)


def after_categorized(*, ticket: Ticket, category_code: str, previous_code: str | None,
                      by: AbstractBaseUser | None) -> None:
    """The ticket's category was set or changed; runs inside the categorizing service's transaction."""
    if category_code != previous_code:
        after_commit(_send_categorized, ticket.pk, category_code, previous_code, getattr(by, "pk", None))


def customer_event_written(*, ticket: Ticket, event: TicketEvent) -> None:
    """A customer-visible event was written (by any app's service): its outbox rows are written now,
    in the same transaction, unless a step above is running for this ticket and will write them."""
    if ticket.pk in _messages_held.get():
        return
    _customer_messages(ticket)


# ---------------------------------------------------------------------------------------------
# The reactions, each in one place
# ---------------------------------------------------------------------------------------------

def _classify_and_route(ticket: Ticket) -> bool:
    """Triage a new ticket; True when it was triaged. A failed classification leaves the ticket new,
    in the triage queue: it must never cost the customer the report itself."""
    from .intake.services import triage_run
    from .models import Ticket as TicketModel

    try:
        with transaction.atomic():
            triage_run(ticket_id=ticket.pk, ticket=ticket)
    except Exception:
        logger.exception("triage failed for ticket %s", ticket.pk)
        ticket.refresh_from_db()  # the savepoint rolled back what the triage had set on it
        return False
    return ticket.status != TicketModel.Status.NEW


def _estimate(ticket: Ticket, *, category: Any = None) -> None:
    """The price range and the 三包 preview; an estimate that fails is logged and the change goes on
    (staff can see the ticket has none, and the next step that needs it computes it again).
    ``category``: the fault to price when the ticket has none yet (the classifier's prediction)."""
    from .intake.estimate import estimate_refresh

    try:
        with transaction.atomic():
            estimate_refresh(ticket_id=ticket.pk, ticket=ticket if category is not None else None,
                             category=category)
    except Exception:
        logger.exception("estimate failed for ticket %s", ticket.pk)


def _customer_messages(ticket: Ticket) -> None:
    from .outbox.services import outbox_collect_events

    outbox_collect_events(ticket_id=ticket.pk)


def _webhooks(ticket: Ticket, *, event: str, data: dict, key: str) -> None:
    from .outbox.webhooks import webhook_enqueue

    webhook_enqueue(event=event, ticket=ticket, data=data, key=key)
