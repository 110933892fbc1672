from __future__ import annotations

import pytest

from tests import factories


@pytest.mark.django_db
def test_submit_form_is_prefilled_from_a_guided_diagnosis_link(client):
    model = factories.ProductModelFactory(code="HW-P1")
    category = factories.FaultCategoryFactory(code="charging", name="充电故障", default_service_mode="walk_in")
    page = client.get("/submit/", {"model": model.code, "category": category.code,
                                   "description": "手机不充电：换线也不行"}).content.decode()
    assert f'value="{model.pk}" selected' in page
    assert "手机不充电：换线也不行" in page
    assert "充电故障" in page


@pytest.mark.django_db
def test_unknown_prefill_values_are_ignored(client):
    response = client.get("/submit/", {"model": "nope", "category": "nope"})
    assert response.status_code == 200
