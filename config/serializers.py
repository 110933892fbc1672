"""Serializer bases shared by the APIs."""

from __future__ import annotations

import copy
import threading

from django.utils.translation import get_language
from rest_framework import serializers

_prototypes: dict[tuple[type, str | None], dict] = {}
_prototypes_lock = threading.Lock()


class ReusedFieldsSerializer(serializers.Serializer):
    """A ``Serializer`` whose instances bind shallow copies of prepared fields.

    DRF deep-copies every declared field for each serializer instance, which rebuilds each field
    from its arguments: for the intake's twenty-odd fields that was a tenth of what opening a ticket
    costs. Binding only sets the copy's name, parent, label and source; the rest (validators, error
    messages, a list field's child) is configuration the copies can share, with one exception: a
    length or range validator words its message once, in the language of the first error it
    reports. So the prepared fields are deep copies made once per class and language, and a
    request only ever shares them with requests in its own language.

    Only for serializers without nested serializers, whose fields hold state of their own.
    """

    def get_fields(self) -> dict:
        key = (type(self), get_language())
        prepared = _prototypes.get(key)
        if prepared is None:
            with _prototypes_lock:
                prepared = _prototypes.setdefault(key, copy.deepcopy(self._declared_fields))
        return {name: copy.copy(field) for name, field in prepared.items()}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        nested = [name for name, field in cls._declared_fields.items()
                  if isinstance(field, serializers.BaseSerializer)]
        assert not nested, f"{cls.__name__}: nested serializers need their own copies ({nested})"
