"""Reference data an intake reads on every report is kept by the process for a short while: an edit
made in this process is seen at once, one made by another process within ``REFERENCE_CACHE_SECONDS``,
and no caller can change what the next request reads."""

from __future__ import annotations

import pytest

from tests import factories
from tickets.models import ProductModel
from tickets.reference import fault_category_by_code, product_model_by_code


@pytest.fixture
def model(db):
    return ProductModel.objects.create(brand="测试", name="测试 X1", code="REF-X1", category="phone")


def test_a_model_is_read_once_and_an_edit_in_this_process_is_seen_at_once(model, django_assert_num_queries):
    assert product_model_by_code("REF-X1").name == "测试 X1"
    with django_assert_num_queries(0):
        assert product_model_by_code("REF-X1").pk == model.pk
    model.name = "测试 X1 Pro"
    model.save()
    assert product_model_by_code("REF-X1").name == "测试 X1 Pro"
    model.delete()
    assert product_model_by_code("REF-X1") is None


def test_a_change_from_another_process_is_seen_when_the_kept_row_expires(model, settings):
    assert product_model_by_code("REF-X1").name == "测试 X1"
    ProductModel.objects.filter(pk=model.pk).update(name="改名")  # no signal: as another process writes
    assert product_model_by_code("REF-X1").name == "测试 X1"
    settings.REFERENCE_CACHE_SECONDS = 0
    assert product_model_by_code("REF-X1").name == "改名"


def test_an_unknown_code_is_found_once_created(db):
    assert product_model_by_code("REF-NEW") is None
    ProductModel.objects.create(brand="测试", name="新机", code="REF-NEW", category="phone")
    assert product_model_by_code("REF-NEW").name == "新机"


def test_callers_get_copies(model):
    first = product_model_by_code("REF-X1")
    first.name = "被调用方改了"
    assert product_model_by_code("REF-X1").name == "测试 X1"


def test_a_fault_category_follows_its_edits(db):
    category = factories.FaultCategoryFactory(code="ref.display", department="hardware")
    assert fault_category_by_code(category.code).department == category.department
    category.department = "测试部门"
    category.save()
    assert fault_category_by_code(category.code).department == "测试部门"


def test_what_a_process_keeps_is_bounded(db, monkeypatch):
    from tickets import reference

    monkeypatch.setattr(reference, "MAX_ENTRIES", 3)
    for n in range(10):
        reference.reference_get("test", n, lambda n=n: n)
    assert len(reference._entries) <= 3
    assert reference.reference_get("test", 9, lambda: "read again") == 9
