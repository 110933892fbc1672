"""Every model staff can reach has a decided scope: each model registered in the admin, and each model an
API endpoint reads or writes, either has a scope rule in ``tickets.policy.SCOPES`` or is declared global
(``GLOBAL``). A model nobody decided about is closed: a role narrowed to a centre or to its own jobs
reaches none of its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import URLResolver, get_resolver
from rest_framework import serializers
from rest_framework.views import APIView

from repairs.models import WarrantyCard
from tests import factories
from tickets import policy
from tickets.models import Ticket


def _declared(model) -> bool:
    label = model._meta.concrete_model._meta.label_lower
    return label in policy.SCOPES or label in policy.GLOBAL


def test_every_admin_model_has_a_rule_or_is_declared_global():
    undecided = sorted(m._meta.label_lower for m in admin.site._registry if not _declared(m))
    assert undecided == []


def _api_views(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, route)
            continue
        cls = getattr(pattern.callback, "cls", None)
        if cls is not None and issubclass(cls, APIView):
            yield route, cls


def _serializer_models(serializer, seen) -> set:
    if id(serializer) in seen:
        return set()
    seen.add(id(serializer))
    found = set()
    meta = getattr(serializer, "Meta", None)
    if getattr(meta, "model", None) is not None:
        found.add(meta.model)
    for field in serializer.fields.values():
        field = getattr(field, "child", None) or getattr(field, "child_relation", None) or field
        if isinstance(field, serializers.BaseSerializer):
            found |= _serializer_models(field, seen)
        queryset = getattr(field, "queryset", None)
        if queryset is not None:
            found.add(queryset.model)
    return found


def _view_models(cls) -> set:
    found = set()
    queryset = getattr(cls, "queryset", None)
    if queryset is not None:
        found.add(queryset.model)
    candidates = [getattr(cls, "serializer_class", None)]
    candidates += [value for value in vars(cls).values() if isinstance(value, type)]
    for base in cls.__mro__:
        candidates += [value for value in vars(base).values() if isinstance(value, type)]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, serializers.BaseSerializer):
            try:
                found |= _serializer_models(candidate(), set())
            except Exception:  # noqa: BLE001, S112 - a serializer that needs its view's context
                continue
    return found


def test_every_api_model_has_a_rule_or_is_declared_global():
    seen = {}
    for route, cls in _api_views():
        for model in _view_models(cls):
            seen.setdefault(model._meta.label_lower, (route, model))
    assert "tickets.ticket" in seen  # the walk reaches the technicians' job endpoints
    undecided = sorted(f"{label} ({route})" for label, (route, model) in seen.items() if not _declared(model))
    assert undecided == []


@pytest.fixture
def two_centres(db):
    centres = {}
    for code, n in (("A01", 1), ("B01", 2)):
        centre = factories.ServiceCenterFactory(code=code)
        ticket = factories.TicketFactory(customer__phone=f"1370000{n:04d}")
        device = factories.DeviceFactory(owner=ticket.customer)
        Ticket.objects.filter(pk=ticket.pk).update(service_center=centre, device=device)
        card = WarrantyCard.objects.create(
            number=f"WC-{code}", device=device, product_model="X1", serial_number=device.serial_number,
            sale_date=dt.date(2026, 1, 1), consumer_name="王小明", consumer_phone=f"1370000{n:04d}")
        centres[code] = (centre, card)
    manager = factories.UserFactory(username="mgr", is_staff=True)
    centres["A01"][0].managers.add(manager)
    return centres, manager


def test_a_warranty_card_is_seen_only_where_its_device_is_serviced(two_centres):
    centres, manager = two_centres
    visible = set(policy.scope_queryset(manager, WarrantyCard.objects.all()))
    assert visible == {centres["A01"][1]}
    assert not policy.in_scope(manager, centres["B01"][1])


def test_a_model_without_a_rule_is_closed_to_narrowed_roles(two_centres, monkeypatch, superuser):
    centres, manager = two_centres
    monkeypatch.delitem(policy.SCOPES, "repairs.warrantycard")
    assert not policy.scope_queryset(manager, WarrantyCard.objects.all()).exists()
    assert not policy.in_scope(manager, centres["A01"][1])
    assert policy.scope_queryset(superuser, WarrantyCard.objects.all()).count() == 2
