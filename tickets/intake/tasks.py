"""django-q2 tasks of the intake feature (arguments are ids; tasks tolerate missing rows)."""

from __future__ import annotations


def classifier_retrain() -> int:
    """Retrain the triage classifier from the corpus and confirmed tickets; returns the model id.

    Scheduled daily by migration ``0005_intake_schedule`` (django-q2 ``Schedule``).
    """
    from .services import classifier_train

    return classifier_train().pk
