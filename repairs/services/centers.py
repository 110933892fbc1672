"""Writes of service centres: where a centre is (division codes) and which areas it covers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.address import address_parse, address_resolve, place_fields, place_from_code
from tickets.exceptions import PermissionDeniedError, ValidationFailed

from ..models import ServiceCenter

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def coverage_codes_parse(text: str | list[str]) -> list[str]:
    """Coverage typed by a person or an import (codes or names such as ``上海, 苏州市 昆山``) as
    division codes, in the given order, without repeats. Raises ValidationFailed naming every entry
    that cannot be placed; nothing is stored then."""
    items = text if isinstance(text, list) else _SEPARATORS.split(text or "")
    codes: list[str] = []
    unknown: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item.isdigit():
            place = place_from_code(item)
            code = item if place is not None else ""
        else:
            code = address_parse(item).code
        if not code:
            unknown.append(item)
        elif code not in codes:
            codes.append(code)
    if unknown:
        message = _("无法识别的服务区域：%(items)s。请填写省、市、区县名称或行政区划代码。") % {
            "items": "、".join(unknown)}
        raise ValidationFailed(message, extra={"fields": {"coverage_codes": [message]}})
    return codes


def service_center_locate(*, center: ServiceCenter, division_code: str = "") -> list[str]:
    """Fill a centre's division names and codes from a picked ``division_code`` or its typed address
    (coordinates are the centre's own and stay). Returns the fields changed (not saved)."""
    place = address_resolve(code=division_code, province=center.province, city=center.city,
                            district=center.district, address=center.address)
    if not place.is_placed:
        return []
    changed = []
    for key, value in place_fields(place, keep_position=True).items():
        if value and getattr(center, key) != value:
            setattr(center, key, value)
            changed.append(key)
    return changed


@transaction.atomic
def service_center_save(*, center: ServiceCenter, by: AbstractBaseUser | None, division_code: str = "",
                        coverage: str | list[str] | None = None) -> ServiceCenter:
    """Create or update a centre: place it (a picked division wins over the typed names) and turn
    its coverage (codes or names) into codes. Raises PermissionDeniedError, or ValidationFailed for an
    address or a coverage entry that cannot be placed; nothing is saved then."""
    perm = "repairs.change_servicecenter" if center.pk else "repairs.add_servicecenter"
    if by is not None and not by.has_perm(perm):
        raise PermissionDeniedError(_("您没有修改服务网点的权限。"))
    if coverage is not None:
        center.coverage_codes = coverage_codes_parse(coverage)
    service_center_locate(center=center, division_code=division_code)
    if not center.province_code:
        message = _("无法识别网点地址所在的省/市/区，请从列表中选择。")
        raise ValidationFailed(message, extra={"fields": {"city": [message]}})
    center.save()
    return center


def service_centers_locate() -> int:
    """Place every centre stored without division codes (seed data, raw imports). Returns how many
    were placed."""
    done = 0
    for center in ServiceCenter.objects.filter(province_code=""):
        changed = service_center_locate(center=center)
        if changed:
            center.save(update_fields=[*changed, "updated_at"])
            done += 1
    return done
