from __future__ import annotations

from tests.intake.conftest import phone_model, taxonomy  # noqa: F401 - the shipped taxonomy and classifier
