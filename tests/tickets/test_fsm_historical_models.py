"""Migration state models leave no transition receivers behind; real models keep their transitions."""

from __future__ import annotations

import weakref

import django_fsm
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import class_prepared

from tickets.models import Ticket


def _historical_fsm_receivers() -> list:
    found = []
    for entry in class_prepared.receivers:
        receiver = entry[1]
        if isinstance(receiver, weakref.ReferenceType):
            receiver = receiver()
        field = getattr(receiver, "__self__", None)
        if isinstance(field, django_fsm.FSMFieldMixin) and field.model.__module__ == "__fake__":
            found.append(field)
    return found


def test_rendering_every_migration_state_connects_no_transition_receiver():
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    historical_ticket = state.apps.get_model("tickets", "Ticket")
    assert isinstance(historical_ticket._meta.get_field("status"), django_fsm.FSMFieldMixin)
    assert _historical_fsm_receivers() == []


def test_real_models_still_collect_their_transitions():
    transitions = Ticket._meta.get_field("status").transitions[Ticket]
    assert transitions, "the ticket's state machine lost its transitions"
