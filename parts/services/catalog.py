"""The parts catalog: creating and updating parts (admin form and catalog import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tickets.exceptions import ValidationFailed

from ..models import Part
from .stock import require_perm

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def part_save(*, part: Part, by: AbstractBaseUser | None, compatible_models: list | None = None) -> Part:
    """Validate (fields, choices, price constraints) and save a catalog part; stock is never touched here.
    ``compatible_models`` (product models), when given, replaces the part's compatible models.

    Raises ``ValidationFailed`` with the field errors in ``extra`` when anything is invalid.
    """
    require_perm(by, "parts.add_part" if part._state.adding else "parts.change_part")
    if part.sku:
        part.sku = part.sku.strip().upper()
    try:
        part.full_clean(validate_unique=True)
    except ValidationError as exc:
        raise ValidationFailed(_("备件资料有误：%(errors)s") % {"errors": "; ".join(
            f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())}, extra={"errors": exc.message_dict})
    part.save()
    if compatible_models is not None:
        part.compatible_models.set(compatible_models)
    return part
