"""Thread-safe replacements for django-fsm-2's model mixins.

The library lets ``refresh_from_db`` reload a ``protected=True`` state field by switching the
field's ``protected`` flag off and on again. The flag lives on the field, which every instance of
the model shares across threads: while one request reloads its ticket, another request's reload
can switch the flag back on under it and fail with "Direct status modification is not allowed",
so a lost race answered 500 instead of 409. These mixins reload the state without touching the
flag: the protection only refuses a write while the value is already on the instance, so the
reload takes the old value off the instance first and lets Django set the fresh one.
"""

from __future__ import annotations

from typing import Any

import django_fsm
from django.db import models
from django.db.models.signals import class_prepared


def _protected_state_names(instance: models.Model, fields: Any) -> list[str]:
    wanted = None if fields is None else set(fields)
    return [
        f.attname for f in instance._meta.concrete_fields
        if isinstance(f, django_fsm.FSMFieldMixin) and f.protected and (wanted is None or f.attname in wanted
                                                                         or f.name in wanted)
    ]


def _reload(instance: models.Model, *args: Any, **kwargs: Any) -> None:
    fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
    saved = {name: instance.__dict__.pop(name) for name in _protected_state_names(instance, fields)
             if name in instance.__dict__}
    try:
        # next in the MRO after the library's mixin, whose override is the one that flips the flag
        super(django_fsm.FSMModelMixin, instance).refresh_from_db(*args, **kwargs)
    except BaseException:
        for name, value in saved.items():
            instance.__dict__.setdefault(name, value)
        raise


class FSMModelMixin(django_fsm.FSMModelMixin):
    """``django_fsm.FSMModelMixin`` whose ``refresh_from_db`` is safe under threads."""

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        _reload(self, *args, **kwargs)


class ConcurrentTransitionMixin(django_fsm.ConcurrentTransitionMixin):
    """``django_fsm.ConcurrentTransitionMixin`` (optimistic locking on the state) whose
    ``refresh_from_db`` is safe under threads; a reload also becomes the new expected state."""

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        _reload(self, *args, **kwargs)
        self._update_initial_state()

    @property
    def state_fields(self) -> tuple:
        # The library finds the state fields by testing every field of the model, on every instance
        # it creates: a page of twenty jobs tested a thousand fields to find twenty states. A model's
        # state fields are fixed once its class is prepared, so each class finds them once.
        cls = type(self)
        found = cls.__dict__.get("_fsm_state_fields")
        if found is None:
            found = tuple(f for f in self._meta.fields if isinstance(f, django_fsm.FSMFieldMixin))
            cls._fsm_state_fields = found
        return found


def skip_transitions_on_historical_models() -> None:
    """Stop every migration state model from adding a receiver that each later model class calls.

    Each ``FSMField`` connects its own ``class_prepared`` receiver to find its model's transitions.
    ``migrate`` renders the historical models some thirteen thousand times on a fresh database; the
    receivers of every rendered copy of the state models stay connected, so each new class called
    hundreds of them, about a fifth of a fresh ``migrate``'s time. Historical models (``__fake__``)
    carry no transition methods, so their fields have nothing to collect.
    """
    if getattr(django_fsm.FSMFieldMixin.contribute_to_class, "_skips_historical", False):
        return
    contribute = django_fsm.FSMFieldMixin.contribute_to_class

    def contribute_to_class(self, cls, name, *args, **kwargs):
        contribute(self, cls, name, *args, **kwargs)
        if cls.__module__ == "__fake__":
            class_prepared.disconnect(self._collect_transitions)

    contribute_to_class._skips_historical = True
    django_fsm.FSMFieldMixin.contribute_to_class = contribute_to_class
