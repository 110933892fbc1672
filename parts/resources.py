"""CSV/XLSX import and export of the catalog and stock levels (django-import-export, STYLE R15).

Both resources end in services: parts are saved by ``part_save`` (full validation), stock rows by
``stock_set`` (an ``adjust`` movement for the counted difference), so the ledger stays equal to the
stock. Every import runs in one transaction and is rolled back if any row is invalid or fails.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from import_export import fields, resources, widgets

from tickets.exceptions import DomainError
from tickets.models import ProductModel

from .models import Location, Part, StockLevel
from .services import part_save, stock_set


class ListWidget(widgets.Widget):
    """A JSON list cell written as ``a,b,c`` (or a JSON array)."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        text = str(value).strip()
        if text.startswith("["):
            try:
                data = json.loads(text)
            except ValueError:
                raise ValueError(_("列表格式有误"))
            return [str(v).strip() for v in data if str(v).strip()]
        return [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]

    def render(self, value, obj=None, **kwargs):
        return ",".join(value or [])


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(_("必须是整数"))
        if number != int(number):
            raise ValueError(_("必须是整数"))
        return int(number)


class _AllOrNothing:
    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        # One bad row rolls the whole file back, whoever calls the import (admin, shell, command).
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True,
                                   collect_failed_rows=collect_failed_rows, rollback_on_validation_errors=True,
                                   **kwargs)


class PartResource(_AllOrNothing, resources.ModelResource):
    sku = fields.Field(attribute="sku", column_name="sku")
    compatible_models = fields.Field(
        attribute="compatible_models", column_name="compatible_models",
        widget=widgets.ManyToManyWidget(ProductModel, field="code", separator=","))
    main_part_for = fields.Field(attribute="main_part_for", column_name="main_part_for", widget=ListWidget())
    warranty_days = fields.Field(attribute="warranty_days", column_name="warranty_days",
                                 widget=StrictIntegerWidget())

    class Meta:
        model = Part
        import_id_fields = ("sku",)
        fields = ("sku", "name", "category", "compatible_models", "cost_price", "retail_price", "warranty_days",
                  "is_serialized", "main_part_for", "supplier", "supplier_warranty_days", "lead_time_days",
                  "is_active")
        export_order = fields
        skip_unchanged = False
        use_bulk = False
        clean_model_instances = True
        name = _l("备件目录")

    def before_import_row(self, row, **kwargs):
        if row.get("sku"):
            row["sku"] = str(row["sku"]).strip().upper()
        codes = [c.strip() for c in str(row.get("compatible_models") or "").split(",") if c.strip()]
        if codes:
            known = set(ProductModel.objects.filter(code__in=codes).values_list("code", flat=True))
            missing = [c for c in codes if c not in known]
            if missing:
                raise ValidationError({"compatible_models": _("未知的产品型号代码：%(codes)s")
                                       % {"codes": ", ".join(missing)}})

    def do_instance_save(self, instance, is_create):
        try:
            part_save(part=instance, by=getattr(self, "_import_user", None))
        except DomainError as exc:
            raise ValidationError(str(exc))

    def before_import(self, dataset, **kwargs):
        self._import_user = kwargs.get("user")


class StockLevelResource(_AllOrNothing, resources.ModelResource):
    part = fields.Field(attribute="part", column_name="sku", widget=widgets.ForeignKeyWidget(Part, field="sku"))
    part_name = fields.Field(attribute="part__name", column_name="name", readonly=True)
    location = fields.Field(attribute="location", column_name="location",
                            widget=widgets.ForeignKeyWidget(Location, field="code"))
    on_hand = fields.Field(attribute="on_hand", column_name="on_hand", widget=StrictIntegerWidget())
    reserved = fields.Field(attribute="reserved", column_name="reserved", readonly=True)
    available = fields.Field(attribute="available", column_name="available", readonly=True)
    reorder_point = fields.Field(attribute="reorder_point", column_name="reorder_point",
                                 widget=StrictIntegerWidget())

    class Meta:
        model = StockLevel
        import_id_fields = ("part", "location")
        fields = ("part", "part_name", "location", "on_hand", "reserved", "available", "reorder_point")
        export_order = fields
        skip_unchanged = False
        use_bulk = False
        name = _l("库存")

    def before_import(self, dataset, **kwargs):
        self._import_user = kwargs.get("user")

    def get_queryset(self):
        return StockLevel.objects.select_related("part", "location")

    def before_import_row(self, row, **kwargs):
        errors = {}
        for column in ("sku", "location", "on_hand"):
            if row.get(column) in (None, ""):
                errors[column] = _("必填")
        if row.get("sku") and not Part.objects.filter(sku=str(row["sku"]).strip()).exists():
            errors["sku"] = _("未知的物料编码：%(sku)s") % {"sku": row["sku"]}
        if row.get("location") and not Location.objects.filter(code=str(row["location"]).strip()).exists():
            errors["location"] = _("未知的库位编码：%(code)s") % {"code": row["location"]}
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        errors = {}
        if instance.on_hand is None or instance.on_hand < 0:
            errors["on_hand"] = _("在库数量必须是非负整数")
        if instance.reorder_point is None:
            instance.reorder_point = 0
        elif instance.reorder_point < 0:
            errors["reorder_point"] = _("补货点必须是非负整数")
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        # Never save the row directly: the counted quantity becomes an adjust movement.
        try:
            level = stock_set(part=instance.part, location=instance.location, on_hand=instance.on_hand,
                              reorder_point=instance.reorder_point, by=getattr(self, "_import_user", None),
                              reason=_("库存导入"), reference="import")
        except DomainError as exc:
            raise ValidationError({"on_hand": str(exc)})
        instance.pk = level.pk
        instance.on_hand, instance.reserved = level.on_hand, level.reserved

    def save_m2m(self, instance, row, **kwargs):
        return None
