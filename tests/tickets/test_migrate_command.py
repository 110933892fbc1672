"""The project's `migrate` is Django's, and leaves the garbage collector as it found it."""

from __future__ import annotations

import gc

import pytest
from django.core.management import call_command, get_commands


@pytest.mark.django_db
def test_migrate_restores_the_collector():
    assert get_commands()["migrate"] == "tickets"
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    call_command("migrate", verbosity=0)
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
