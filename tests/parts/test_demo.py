from __future__ import annotations

import io

from parts import demo
from parts.models import Location, Part, StockLevel, StockMovement
from parts.selectors import ledger_differences
from tests import factories


def test_demo_seed_is_idempotent_and_ledger_consistent(db):
    factories.ProductModelFactory(code="DEMO-PM", category="phone")
    tech = factories.TechnicianFactory()
    out = io.StringIO()
    demo.seed(stdout=out)
    counts = (Part.objects.count(), Location.objects.count(), StockLevel.objects.count(),
              StockMovement.objects.count())
    demo.seed(stdout=out)
    assert counts == (Part.objects.count(), Location.objects.count(), StockLevel.objects.count(),
                      StockMovement.objects.count())
    assert Part.objects.filter(sku="DEMO-PM-MB", is_serialized=True).exists()
    assert Location.objects.filter(kind="van", technician=tech).exists()
    assert Location.objects.filter(kind="center", center=tech.center).exists()
    assert Location.objects.filter(kind="defective").exists()
    assert ledger_differences() == []
    assert "stock levels" in out.getvalue()
