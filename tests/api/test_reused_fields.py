"""The intake's input serializer binds shallow copies of its fields: each instance validates on
its own, with the errors, defaults and conversions a plain DRF serializer gives."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers

from config.serializers import ReusedFieldsSerializer
from tickets.intake.api import IntakeTicketCreateApi

Reused = IntakeTicketCreateApi.IntakeTicketInputSerializer
# the same declarations on DRF's own base, to compare with
Plain = type("Plain", (serializers.Serializer,), {
    name: field for name, field in Reused._declared_fields.items()} | {
    "validate_attachments": Reused.validate_attachments, "validate_product_model": Reused.validate_product_model})

CASES = [
    {"phone": "13812345678", "description": "屏幕碎了", "latitude": "31.2304", "service_mode": "on_site",
     "attachments": [{"filename": "a.jpg", "data": "aGVsbG8="}]},
    {"phone": "", "description": "x" * 5, "latitude": "123", "service_mode": "teleport",
     "purchase_date": "2026-02-30", "attachments": [{"filename": "a.jpg", "data": "not base64!"}]},
    {"description": "  trimmed  ", "appointment_start": "2026-12-01T09:00:00+08:00", "attachments": "x"},
    {"phone": "1" * 31, "email": "e" * 255, "attachments": [{}] * 10},
]


@pytest.mark.django_db
@pytest.mark.parametrize("data", CASES)
def test_it_validates_as_a_plain_serializer_does_in_each_language_in_turn(data):
    # a length validator words its message once: alternating languages must not carry one over
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            mine, plain = Reused(data=data), Plain(data=data)
            assert mine.is_valid() == plain.is_valid()
            assert mine.errors == plain.errors
            if not mine.errors:
                assert mine.validated_data == plain.validated_data


def test_each_instance_binds_fields_of_its_own_and_leaves_the_declared_ones_alone():
    first, second = Reused(data=CASES[0]), Reused(data=CASES[1])
    assert first.is_valid()
    assert not second.is_valid()
    assert first.validated_data["service_mode"] == "on_site"
    for name, field in first.fields.items():
        assert field is not second.fields[name]
        assert field.parent is first
        assert second.fields[name].parent is second
    assert all(field.parent is None and field.field_name is None for field in Reused._declared_fields.values())


def test_a_nested_serializer_is_refused():
    class Inner(serializers.Serializer):
        x = serializers.IntegerField()

    with pytest.raises(AssertionError, match="nested"):
        type("Outer", (ReusedFieldsSerializer,), {"inner": Inner()})
