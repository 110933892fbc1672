"""The whole ticket transition matrix, permissions, events and the concurrency guard."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests import factories
from tickets import services
from tickets.exceptions import ConflictError, InvalidTransition, PermissionDeniedError
from tickets.models import OutboxMessage, Ticket, TicketEvent

S = Ticket.Status
ALLOWED = {
    "triage": {S.NEW: S.TRIAGED},
    "assign": {S.TRIAGED: S.ASSIGNED, S.REOPENED: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED},
    "release": {S.ASSIGNED: S.TRIAGED},
    "start": {S.ASSIGNED: S.IN_PROGRESS},
    "wait_customer": {S.IN_PROGRESS: S.WAITING_CUSTOMER},
    "wait_parts": {S.IN_PROGRESS: S.WAITING_PARTS},
    "resume": {S.WAITING_CUSTOMER: S.IN_PROGRESS, S.WAITING_PARTS: S.IN_PROGRESS},
    "submit_qc": {S.IN_PROGRESS: S.QUALITY_CHECK},
    "pass_qc": {S.QUALITY_CHECK: S.READY},
    "rework": {S.QUALITY_CHECK: S.IN_PROGRESS},
    "resolve": {S.IN_PROGRESS: S.RESOLVED, S.READY: S.RESOLVED},
    "close": {S.RESOLVED: S.CLOSED},
    "reopen": {S.RESOLVED: S.REOPENED},
    "cancel": {s: S.CANCELLED for s in Ticket.OPEN_STATES},
}
MATRIX = [(t, s) for t in services.TRANSITIONS for s in S.values]


def _ticket_in(state: str) -> Ticket:
    ticket = factories.TicketFactory()
    Ticket.objects.filter(pk=ticket.pk).update(status=state)
    ticket.refresh_from_db()
    return ticket


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "state"), MATRIX)
def test_transition_matrix(transition, state):
    ticket = _ticket_in(state)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    expected = ALLOWED[transition].get(state)
    updates = {}
    if transition == "assign":
        tech = factories.TechnicianFactory()
        updates = {"technician": tech}
    if expected is None:
        with pytest.raises(InvalidTransition) as err:
            services.ticket_transition(ticket=ticket, transition=transition, by=None, updates=updates)
        assert err.value.code == "invalid_transition"
        assert str(err.value)
        ticket.refresh_from_db()
        assert ticket.status == state
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
    else:
        services.ticket_transition(ticket=ticket, transition=transition, by=None, updates=updates)
        ticket.refresh_from_db()
        assert ticket.status == expected
        event = TicketEvent.objects.filter(ticket=ticket).latest("id")
        assert (event.from_state, event.to_state) == (state, expected)


@pytest.mark.django_db
def test_state_field_is_protected():
    ticket = factories.TicketFactory()
    with pytest.raises(AttributeError):
        ticket.status = S.CLOSED


@pytest.mark.django_db
def test_permissions_are_checked(technician, agent):
    ticket = _ticket_in(S.ASSIGNED)
    with pytest.raises(PermissionDeniedError):
        services.ticket_transition(ticket=ticket, transition="start", by=agent)
    # a technician may only work their own tickets
    with pytest.raises(PermissionDeniedError):
        services.ticket_transition(ticket=ticket, transition="start", by=technician.user)
    Ticket.objects.filter(pk=ticket.pk).update(technician=technician)
    ticket.refresh_from_db()
    services.ticket_transition(ticket=ticket, transition="start", by=technician.user)
    assert ticket.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_available_transitions_for_user(agent):
    ticket = factories.TicketFactory()
    assert services.ticket_available_transitions(ticket=ticket, by=agent) == ["triage", "cancel"]


@pytest.mark.django_db
def test_stale_instance_gets_conflict():
    ticket = factories.TicketFactory()
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_transition(ticket=ticket, transition="cancel", by=None, message="x")
    # the stale copy still believes it is NEW; the optimistic lock refuses the save
    with pytest.raises(ConflictError):
        services.ticket_transition(ticket=stale, transition="triage", by=None,
                                   updates={"fault_category": factories.FaultCategoryFactory()})
    ticket.refresh_from_db()
    assert ticket.status == S.CANCELLED
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.triaged").count() == 0


def test_each_model_knows_its_own_state_fields():
    """The optimistic lock compares the state fields a model declares, found once per class."""
    from parts.models import Reservation, Transfer
    from repairs.models import RepairOrder

    for model in (Ticket, RepairOrder, Reservation, Transfer, Ticket):
        expected = tuple(f for f in model._meta.fields if f.get_internal_type() == "CharField"
                         and type(f).__name__ == "FSMField")
        assert expected, model
        assert model().state_fields == expected, model
    assert Ticket().state_fields == (Ticket._meta.get_field("status"),)


@pytest.mark.django_db
def test_side_effects_only_after_commit(django_capture_on_commit_callbacks):
    ticket = factories.TicketFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.ticket_transition(ticket=ticket, transition="cancel", by=None)
    # the outbox rows are written with the change; only their delivery, the broadcast and the
    # domain signal wait for the commit
    assert OutboxMessage.objects.filter(ticket=ticket, milestone="cancelled").exists()
    assert len(callbacks) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_one_wins():
    ticket = factories.TicketFactory()
    # Receivers of ticket_created (triage, dispatch) have run on commit; start the race from a
    # known state with two transitions that both leave it.
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    baseline = TicketEvent.objects.filter(ticket=ticket).count()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(transition):
        try:
            copy = Ticket.objects.get(pk=ticket.pk)
            barrier.wait()
            services.ticket_transition(ticket=copy, transition=transition, by=None, message="race")
            results.append("ok")
        except (ConflictError, InvalidTransition):
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in ("wait_customer", "cancel")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    ticket.refresh_from_db()
    assert ticket.status in (S.WAITING_CUSTOMER, S.CANCELLED)
    new_events = TicketEvent.objects.filter(ticket=ticket).order_by("id")[baseline:]
    assert [e.to_state for e in new_events if e.to_state] == [ticket.status]  # one transition recorded
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choices_are_named_as_django_names_them(language):
    """Our models keep each field's choices as a dict instead of rebuilding it per call; the names
    must be Django's own, in the language of the moment, unknown values shown as they are."""
    from django.db import models
    from django.utils import translation

    from repairs.models import RepairOrder

    for model, name in ((Ticket, "status"), (Ticket, "channel"), (Ticket, "priority"), (RepairOrder, "status")):
        field = model._meta.get_field(name)
        with translation.override(language):
            for value in [*(v for v, _label in field.flatchoices), "unheard_of", ""]:
                obj = model()
                obj.__dict__[field.attname] = value
                shown = getattr(obj, f"get_{name}_display")()
                assert shown == models.Model._get_FIELD_display(obj, field), (model, value)
                assert isinstance(shown, str)
