"""CSV/XLSX import and export of the parts catalogue and stock.

Parts are saved by ``part_save`` (full validation, compatible models); opening stock and stock counts by
``stock_set``, which writes an ``adjust`` movement for the difference, so the ledger always adds up to
the stock level.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from tickets import policy
from tickets.exporting import ExportColumn, Exporter, attr, choice, register_exporter
from tickets.importing.base import Importer, Row, register
from tickets.importing.columns import (
    bool_column,
    choice_column,
    choices_column,
    codes_column,
    decimal_column,
    int_column,
    text_column,
)
from tickets.models import ProductCategory, ProductModel

from .models import Location, Part, StockLevel
from .services import part_save, stock_set


@register
class PartImporter(Importer):
    key = "parts.part"
    model = Part
    natural_key = ("sku",)
    columns = (
        text_column("sku", _("物料编码"), 40, required=True, aliases=("SKU", "编码", "料号"), example="SCR-P60"),
        text_column("name", _("名称"), 120, required=True, aliases=("备件名称",), example="P60 屏幕总成"),
        choice_column("category", _("类别"), Part.Category.choices, required=True, example="屏幕"),
        codes_column("compatible_models", _("适用型号"), aliases=("兼容型号",),
               allowed=_("产品型号代码，用逗号分隔"), example="P60-PRO,P60"),
        decimal_column("cost_price", _("成本价"), required=True, example="320.00"),
        decimal_column("retail_price", _("零售价"), required=True, example="599.00"),
        int_column("warranty_days", _("备件保修天数"), maximum=3650, aliases=("保修天数",), example="90"),
        bool_column("is_serialized", _("序列号管理"), example="是"),
        choices_column("main_part_for", _("主要部件所属品类"), ProductCategory.choices,
               example="手机"),
        text_column("supplier", _("供应商"), 80, example="某某电子"),
        int_column("supplier_warranty_days", _("供应商保修天数"), maximum=3650, example="365"),
        int_column("lead_time_days", _("采购周期（天）"), maximum=365, aliases=("采购周期",), example="7"),
        bool_column("is_active", _("启用"), example="是"),
    )

    def prepare(self, rows: list[Row]) -> None:
        codes = {c for r in rows for c in (r.get("compatible_models") or [])}
        self._models = {m.code.upper(): m for m in ProductModel.objects.filter(code__in=codes)}

    def validate(self, row: Row) -> None:
        missing = [c for c in row.get("compatible_models") or [] if c not in self._models]
        if missing:
            row.error("compatible_models", _t("未知的产品型号代码：%(codes)s") % {"codes": "、".join(missing)})

    def key_of(self, row: Row) -> tuple | None:
        return (row.get("sku").upper(),) if row.get("sku") else None

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(p.sku,): p for p in Part.objects.filter(sku__in=[r.get("sku").upper() for r in rows])}

    def save(self, row: Row) -> None:
        part = row.existing or Part(sku=row.get("sku").upper())
        for key in ("name", "category", "cost_price", "retail_price", "warranty_days", "is_serialized",
                    "main_part_for", "supplier", "supplier_warranty_days", "lead_time_days", "is_active"):
            if row.get(key) is not None:
                setattr(part, key, row.get(key))
        models = ([self._models[c] for c in row.get("compatible_models")]
                  if row.get("compatible_models") is not None else None)
        part_save(part=part, by=self.by, compatible_models=models)


@register
class StockImporter(Importer):
    """Opening stock and stock counts: the counted quantity per part × location becomes an ``adjust``
    movement in the ledger (the difference to what is recorded)."""

    key = "parts.stocklevel"
    model = StockLevel
    label = _("库存（期初 / 盘点）")
    natural_key = ("sku", "location")
    columns = (
        text_column("sku", _("物料编码"), 40, required=True, aliases=("SKU", "编码", "料号"), example="SCR-P60"),
        text_column("location", _("库位编码"), 30, required=True, aliases=("库位", "仓库"), example="WH-SH"),
        int_column("on_hand", _("在库数量"), maximum=10_000_000, required=True,
               aliases=("数量", "库存"), example="20"),
        int_column("reorder_point", _("补货点"), maximum=10_000_000, example="5"),
    )

    def key_of(self, row: Row) -> tuple | None:
        if not row.get("sku") or not row.get("location"):
            return None
        return (row.get("sku").upper(), row.get("location").upper())

    def prepare(self, rows: list[Row]) -> None:
        skus = {r.get("sku").upper() for r in rows if r.get("sku")}
        self._parts = {p.sku: p for p in Part.objects.filter(sku__in=skus)}
        codes = {r.get("location") for r in rows if r.get("location")}
        self._locations = {loc.code.upper(): loc for loc in Location.objects.filter(code__in=codes | {
            c.upper() for c in codes})}
        # the locations this user may count: their centre's (and the shared warehouses) for a narrowed role
        reachable = policy.scope_queryset(self.by, Location.objects.filter(
            pk__in=[loc.pk for loc in self._locations.values()])) if self.by is not None else None
        self._reachable = None if reachable is None else set(reachable.values_list("pk", flat=True))

    def validate(self, row: Row) -> None:
        if row.get("sku") and row.get("sku").upper() not in self._parts:
            row.error("sku", _t("未知的物料编码"))
        if row.get("location") and row.get("location").upper() not in self._locations:
            row.error("location", _t("未知的库位编码"))

    # a stock row belongs where its location does
    scope_column = "location"

    def new_row_in_scope(self, row: Row) -> bool:
        return True

    def target_in_scope(self, row: Row) -> bool:
        location = self._locations.get(row.get("location").upper())
        return self._reachable is None or (location is not None and location.pk in self._reachable)

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        levels = StockLevel.objects.select_related("part", "location").filter(
            part__sku__in=[r.get("sku").upper() for r in rows])
        return {(s.part.sku, s.location.code.upper()): s for s in levels}

    def check_existing(self, row: Row) -> None:
        if row.get("on_hand") is not None and row.get("on_hand") < row.existing.reserved:
            row.error("on_hand", _t("不能少于已预留的 %(n)s 件") % {"n": row.existing.reserved})

    def changed(self, row: Row) -> bool:
        level = row.existing
        return level.on_hand != row.get("on_hand") or (
            row.get("reorder_point") is not None and level.reorder_point != row.get("reorder_point"))

    def save(self, row: Row) -> None:
        stock_set(part=self._parts[row.get("sku").upper()], location=self._locations[row.get("location").upper()],
                  on_hand=row.get("on_hand"), reorder_point=row.get("reorder_point"), by=self.by,
                  reason=_t("库存导入"), reference="import")


@register_exporter
class PartExporter(Exporter):
    key = "parts.part"
    model = Part
    columns = (
        ExportColumn(_("物料编码"), attr("sku")),
        ExportColumn(_("名称"), attr("name"), width=24),
        ExportColumn(_("类别"), choice("category")),
        ExportColumn(_("适用型号"), lambda p: ",".join(m.code for m in p.compatible_models.all())),
        ExportColumn(_("成本价"), attr("cost_price")),
        ExportColumn(_("零售价"), attr("retail_price")),
        ExportColumn(_("备件保修天数"), attr("warranty_days")),
        ExportColumn(_("序列号管理"), attr("is_serialized")),
        ExportColumn(_("主要部件所属品类"), lambda p: ",".join(str(dict(ProductCategory.choices).get(c, c))
                                                        for c in p.main_part_for or [])),
        ExportColumn(_("供应商"), attr("supplier")),
        ExportColumn(_("供应商保修天数"), attr("supplier_warranty_days")),
        ExportColumn(_("采购周期（天）"), attr("lead_time_days")),
        ExportColumn(_("启用"), attr("is_active")),
    )

    def base_queryset(self):
        return Part.objects.prefetch_related("compatible_models")


@register_exporter
class StockExporter(Exporter):
    key = "parts.stocklevel"
    model = StockLevel
    columns = (
        ExportColumn(_("物料编码"), attr("part__sku")),
        ExportColumn(_("名称"), attr("part__name"), width=24),
        ExportColumn(_("库位编码"), attr("location__code")),
        ExportColumn(_("在库数量"), attr("on_hand")),
        ExportColumn(_("已预留"), attr("reserved")),
        ExportColumn(_("可用"), attr("available")),
        ExportColumn(_("补货点"), attr("reorder_point")),
    )

    def base_queryset(self):
        return StockLevel.objects.select_related("part", "location")
