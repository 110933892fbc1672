"""The report letterhead (provider name, logo, 服务专用章): one row, changed only here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.exceptions import PermissionDeniedError, ValidationFailed

from ..models import ReportBranding
from ..models.branding import BRANDING_PK

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

EDITABLE = ("provider_name", "brand_name", "service_phone", "address", "logo", "seal", "footer")


@transaction.atomic
def report_branding_update(*, by: AbstractBaseUser | None, **fields: Any) -> ReportBranding:
    """Set the letterhead fields given (others keep their value). Image fields take an uploaded file,
    or ``False`` to clear. Raises PermissionDeniedError or ValidationFailed (nothing changes)."""
    if by is not None and not (by.is_active and by.has_perm("repairs.change_reportbranding")):
        raise PermissionDeniedError()
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("未知字段：%(names)s") % {"names": "、".join(sorted(unknown))})
    branding = ReportBranding.objects.select_for_update().filter(pk=BRANDING_PK).first() or ReportBranding()
    for name, value in fields.items():
        setattr(branding, name, "" if value is False else value)
    branding.updated_at = timezone.now()
    branding.updated_by = by if getattr(by, "pk", None) else None
    try:
        branding.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(_("抬头设置有误：%(errors)s") % {"errors": "；".join(exc.messages)},
                               extra={"fields": exc.message_dict})
    branding.save()
    return branding
