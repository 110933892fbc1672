"""The one policy: every admin asks it, every centre-owned model has a rule, and the rules agree."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from tests import factories
from tickets import policy
from tickets.admin_mixins import PolicyAdminMixin
from tickets.models import Ticket

# Models that hang off a ticket or a centre but are deliberately shared: the warranty card follows the
# device wherever it is repaired; a walk-through of a diagnosis tree is mostly the customer's own.
SHARED = {"repairs.warrantycard", "tickets.idempotencyrecord"}


OWNERS = {"repairs.servicecenter", "tickets.ticket", "repairs.technician", "repairs.repairorder", "parts.location",
          "surveys.response", "parts.defectivereturn"}


def _reaches_centre_or_ticket(model) -> bool:
    for field in model._meta.concrete_fields:
        if not field.is_relation or field.related_model is None:
            continue
        if field.related_model._meta.label_lower in OWNERS:
            return True
    return False


def test_every_model_that_belongs_to_a_centre_has_a_scope_rule():
    missing = []
    for model in apps.get_models():
        label = model._meta.concrete_model._meta.label_lower
        if label in SHARED or model._meta.app_label not in ("tickets", "repairs", "parts", "surveys"):
            continue
        if _reaches_centre_or_ticket(model) and policy.rule_for(model) is None:
            missing.append(label)
    assert missing == []


def test_every_admin_and_inline_asks_the_policy():
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("tickets", "repairs", "parts", "surveys", "knowledge"):
            continue
        if not isinstance(model_admin, PolicyAdminMixin):
            offenders.append(type(model_admin).__name__)
        offenders += [inline.__name__ for inline in model_admin.inlines if not issubclass(inline, PolicyAdminMixin)]
    assert offenders == []


@pytest.mark.django_db
def test_scope_of_each_kind_of_user(agent, dispatcher, manager, technician, superuser):
    centre, other = factories.ServiceCenterFactory(code="PA"), factories.ServiceCenterFactory(code="PB")
    centre.managers.add(manager)
    mine = factories.TicketFactory()
    theirs = factories.TicketFactory()
    Ticket.objects.filter(pk=mine.pk).update(service_center=centre, technician=technician)
    Ticket.objects.filter(pk=theirs.pk).update(service_center=other)
    everyone = {mine.pk, theirs.pk}
    for user, expected in [(agent, everyone), (dispatcher, everyone), (superuser, everyone),
                           (manager, {mine.pk}), (technician.user, {mine.pk})]:
        policy.forget(user)
        assert set(policy.scope_queryset(user, Ticket.objects.all()).values_list("pk", flat=True)) == expected
    assert policy.can(manager, "tickets.view_ticket", mine)
    assert not policy.can(manager, "tickets.view_ticket", theirs)
    assert not policy.can(None, "tickets.view_ticket")


@pytest.mark.django_db
def test_a_manager_without_a_centre_sees_no_centre_rows(manager):
    factories.TicketFactory()
    assert not policy.scope_queryset(manager, Ticket.objects.all()).exists()


def test_masks():
    assert policy.mask_phone("13900001234") == "139****1234"
    assert policy.mask_email("wang@example.com") == "w***@example.com"
    assert policy.mask_name("王小明") == "王**"
    assert policy.mask_address("上海市浦东新区世纪大道 100 号") == "上海市浦东新区****"
