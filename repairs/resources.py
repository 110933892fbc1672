"""CSV/XLSX import and export of the field force and the price list: service centres with
their coverage, technicians with skills, level, capacity, centre and duty, and the price list.

Rows end in the same services as the admin's forms: ``service_center_save`` (placing the address and
turning coverage names into division codes), ``technician_save`` / ``technician_set_duty`` (going off
duty re-dispatches waiting tickets) and ``price_item_upsert`` (a new version closes the previous one).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parts.models import Part
from tickets import policy
from tickets.exceptions import DomainError
from tickets.exporting import ExportColumn, Exporter, attr, choice, register_exporter
from tickets.importing import cells
from tickets.importing.base import Column, Importer, Row, register
from tickets.importing.columns import (
    bool_column,
    choice_column,
    choices_column,
    date_column,
    decimal_column,
    int_column,
    labels,
    list_column,
    phone_column,
    text_column,
)
from tickets.models import FaultCategory, ProductCategory, ProductModel, Region, ServiceMode

from .dispatch.services import technician_save
from .models import LineKind, PriceListItem, ServiceCenter, Technician
from .services import price_item_upsert, service_center_save
from .services.centers import coverage_codes_parse

# --- service centres ------------------------------------------------------------------------------

@register
class ServiceCenterImporter(Importer):
    """Centres with where they are and what they cover: coverage as division names or codes (上海、苏州市
    昆山 or 310104), parsed into codes like the admin form does."""

    key = "repairs.servicecenter"
    model = ServiceCenter
    natural_key = ("code",)
    columns = (
        text_column("code", _("网点编码"), 20, required=True, aliases=("编码",), example="SH-XH01"),
        text_column("name", _("网点名称"), 80, required=True, aliases=("名称",), example="上海徐汇服务中心"),
        choice_column("region", _("大区"), Region.choices, required=True, example="华东"),
        text_column("province", _("省份"), 30, aliases=("省",), example="上海市"),
        text_column("city", _("城市"), 30, required=True, aliases=("市",), example="上海市"),
        text_column("district", _("区县"), 30, aliases=("区",), example="徐汇区"),
        text_column("address", _("地址"), 200, required=True, aliases=("详细地址",), example="漕溪北路 88 号"),
        decimal_column("latitude", _("纬度"), places=6, minimum=None, allowed=_("留空则取区县中心"), example="31.188000"),
        decimal_column("longitude", _("经度"), places=6, minimum=None, allowed=_("留空则取区县中心"), example="121.437000"),
        phone_column("phone", _("电话"), example="02164000000"),
        choices_column("service_modes", _("服务方式"), ServiceMode.choices, allowed=labels(ServiceMode.choices) + _("，多个用逗号分隔"), example="到店,上门,寄修"),
        choices_column("product_categories", _("服务品类"), ProductCategory.choices, allowed=labels(ProductCategory.choices) + _("，多个用逗号分隔；留空为全部"), example="手机,平板"),
        Column("coverage", _("服务区域"), parse=cells.text, aliases=("覆盖区域", "coverage_codes"),
               allowed=_("省/市/区县名称或区划代码，用逗号或顿号分隔；留空为所在城市"), example="徐汇区、闵行区"),
        int_column("service_radius_km", _("服务半径（公里）"), minimum=1, maximum=1000, aliases=("服务半径",), example="30"),
        bool_column("is_active", _("营业中"), aliases=("营业",), example="是"),
    )

    def validate(self, row: Row) -> None:
        if row.get("coverage"):
            try:
                row.context["coverage"] = coverage_codes_parse(row.get("coverage"))
            except DomainError as exc:
                row.error("coverage", str(exc))
        lat, lon = row.get("latitude"), row.get("longitude")
        if (lat is None) != (lon is None):
            row.error("latitude" if lat is None else "longitude", _("经纬度须同时填写或同时留空"))
        if lat is not None and not -90 <= lat <= 90:
            row.error("latitude", _("纬度超出范围"))
        if lon is not None and not -180 <= lon <= 180:
            row.error("longitude", _("经度超出范围"))

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(c.code.upper(),): c for c in ServiceCenter.objects.filter(code__in=[r.get("code") for r in rows])}

    def save(self, row: Row) -> None:
        from tickets.address import address_resolve

        center = row.existing or ServiceCenter(code=row.get("code"))
        for key in ("name", "region", "province", "city", "district", "address", "phone", "service_modes",
                    "product_categories", "service_radius_km", "is_active", "latitude", "longitude"):
            if row.get(key) is not None:
                setattr(center, key, row.get(key))
        if center.latitude is None:
            place = address_resolve(province=center.province, city=center.city, district=center.district,
                                    address=center.address)
            center.latitude, center.longitude = place.latitude, place.longitude
            if center.latitude is None:
                raise DomainError(_("无法从地址确定网点位置，请填写经纬度"))
        service_center_save(center=center, by=self.by, coverage=row.context.get("coverage"))


# --- technicians ----------------------------------------------------------------------------------

def _level(value: Any) -> int:
    text = cells.text(value)
    if text.isdigit():
        number = int(text)
        if number in Technician.Level.values:
            return number
    return int(cells.parse_choice(text, Technician.Level.choices))


@register
class TechnicianImporter(Importer):
    """Technicians by employee number: centre (by code), skills, product categories, level, capacity,
    QC inspector and duty. Duty changes go through the duty service, which re-dispatches."""

    key = "repairs.technician"
    model = Technician
    natural_key = ("employee_no",)
    columns = (
        text_column("employee_no", _("工号"), 20, required=True, aliases=("员工号",), example="T1001"),
        text_column("name", _("姓名"), 40, required=True, example="李师傅"),
        text_column("center", _("网点编码"), 20, required=True, aliases=("网点", "center_code"), example="SH-XH01"),
        phone_column("phone", _("电话"), example="13900001111"),
        list_column("skills", _("技能"), allowed=_("技能代码，用逗号分隔，如 screen、battery"),
               example="screen,battery"),
        choices_column("product_categories", _("擅长品类"), ProductCategory.choices, example="手机"),
        Column("level", _("等级"), parse=_level, allowed=labels(Technician.Level.choices) + _("（或 1-4）"),
               example="中级"),
        int_column("capacity", _("同时处理上限"), minimum=1, maximum=100, aliases=("产能", "容量", "capacity"), example="6"),
        bool_column("is_qc_inspector", _("质检员"), example="否"),
        bool_column("on_duty", _("在岗"), example="是"),
    )

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.get("center") for r in rows if r.get("center")}
        self._centers = {c.code.upper(): c for c in ServiceCenter.objects.filter(code__in=codes)}
        # the centres this user may staff: a centre manager hires and moves people within their centres only
        reachable = policy.scope_queryset(self.by, ServiceCenter.objects.filter(
            pk__in=[c.pk for c in self._centers.values()])) if self.by is not None else None
        self._reachable = None if reachable is None else set(reachable.values_list("pk", flat=True))

    def validate(self, row: Row) -> None:
        if row.get("center") and row.get("center").upper() not in self._centers:
            row.error("center", _("网点不存在"))

    # a technician belongs to the centre named in the file
    scope_column = "center"

    def new_row_in_scope(self, row: Row) -> bool:
        return True

    def target_in_scope(self, row: Row) -> bool:
        centre = self._centers.get(row.get("center").upper())
        return self._reachable is None or (centre is not None and centre.pk in self._reachable)

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(t.employee_no.upper(),): t
                for t in Technician.objects.filter(employee_no__in=[r.get("employee_no") for r in rows])}

    def save(self, row: Row) -> None:
        technician = row.existing or Technician(employee_no=row.get("employee_no"))
        technician.center = self._centers[row.get("center").upper()]
        for key in ("name", "phone", "skills", "product_categories", "level", "capacity", "is_qc_inspector"):
            if row.get(key) is not None:
                setattr(technician, key, row.get(key))
        technician_save(technician=technician, by=self.by, on_duty=row.get("on_duty"))


# --- the price list -------------------------------------------------------------------------------

@register
class PriceListImporter(Importer):
    """Price versions by product model × fault category × item code × valid from; a later version closes
    the open one (the price-list service)."""

    key = "repairs.pricelistitem"
    model = PriceListItem
    natural_key = ("product_model", "fault_category", "code", "valid_from")
    columns = (
        text_column("product_model", _("产品型号代码"), 40, required=True, aliases=("型号代码", "型号"), example="P60-PRO"),
        text_column("fault_category", _("故障分类代码"), 40, required=True, aliases=("故障分类", "分类代码"),
                    example="screen-broken"),
        choice_column("kind", _("类型"), LineKind.choices, required=True, example="工时"),
        text_column("code", _("项目编码"), 40, required=True, aliases=("编码",), example="L-SCREEN"),
        text_column("name", _("项目名称"), 120, required=True, aliases=("名称",), example="更换屏幕工时"),
        text_column("part", _("备件编码"), 40, aliases=("物料编码", "sku"), allowed=_("类型为备件时必填"), example=""),
        decimal_column("unit_price", _("单价"), required=True, aliases=("价格",), example="80.00"),
        bool_column("optional", _("视检测结果而定"), aliases=("可选",), example="否"),
        date_column("valid_from", _("生效日期"), required=True, example="2025-01-01"),
        date_column("valid_to", _("失效日期"), example=""),
    )

    def key_of(self, row: Row) -> tuple | None:
        parts = (row.get("product_model"), row.get("fault_category"), row.get("code"), row.get("valid_from"))
        if any(p in (None, "") for p in parts):
            return None
        return (parts[0].upper(), parts[1], parts[2].upper(), parts[3])

    def prepare(self, rows: list[Row]) -> None:
        models = {r.get("product_model") for r in rows if r.get("product_model")}
        self._models = {m.code.upper(): m for m in ProductModel.objects.filter(code__in=models)}
        categories = {r.get("fault_category") for r in rows if r.get("fault_category")}
        self._categories = {c.code: c for c in FaultCategory.objects.filter(code__in=categories)}
        skus = {r.get("part").upper() for r in rows if r.get("part")}
        self._parts = {p.sku: p for p in Part.objects.filter(sku__in=skus)}

    def validate(self, row: Row) -> None:
        if row.get("product_model") and row.get("product_model").upper() not in self._models:
            row.error("product_model", _("产品型号不存在"))
        if row.get("fault_category") and row.get("fault_category") not in self._categories:
            row.error("fault_category", _("故障分类不存在"))
        if row.get("part") and row.get("part").upper() not in self._parts:
            row.error("part", _("备件不存在"))
        if row.get("kind") == LineKind.PART and not row.get("part"):
            row.error("part", _("类型为备件时必须填写备件编码"))
        if row.get("valid_to") and row.get("valid_from") and row.get("valid_to") < row.get("valid_from"):
            row.error("valid_to", _("失效日期不能早于生效日期"))

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        found = PriceListItem.objects.select_related("product_model", "fault_category").filter(
            code__in=[r.get("code") for r in rows], valid_from__in=[r.get("valid_from") for r in rows])
        return {(i.product_model.code.upper(), i.fault_category.code, i.code.upper(), i.valid_from): i for i in found}

    def changed(self, row: Row) -> bool:
        item = row.existing
        return (item.unit_price != row.get("unit_price") or item.name != row.get("name") or item.kind != row.get("kind")
                or item.valid_to != row.get("valid_to") or bool(item.optional) != bool(row.get("optional"))
                or (item.part.sku if item.part_id else "") != (row.get("part") or "").upper())

    def save(self, row: Row) -> None:
        price_item_upsert(
            product_model=self._models[row.get("product_model").upper()],
            fault_category=self._categories[row.get("fault_category")], kind=row.get("kind"), code=row.get("code"),
            name=row.get("name"), unit_price=row.get("unit_price"), valid_from=row.get("valid_from"),
            valid_to=row.get("valid_to"), part=self._parts.get((row.get("part") or "").upper()),
            optional=bool(row.get("optional")), by=self.by)


# --- exports --------------------------------------------------------------------------------------

@register_exporter
class ServiceCenterExporter(Exporter):
    key = "repairs.servicecenter"
    model = ServiceCenter
    columns = (
        ExportColumn(_("网点编码"), attr("code")),
        ExportColumn(_("网点名称"), attr("name"), width=24),
        ExportColumn(_("大区"), choice("region")),
        ExportColumn(_("省份"), attr("province")),
        ExportColumn(_("城市"), attr("city")),
        ExportColumn(_("区县"), attr("district")),
        ExportColumn(_("地址"), attr("address"), width=30),
        ExportColumn(_("纬度"), attr("latitude")),
        ExportColumn(_("经度"), attr("longitude")),
        ExportColumn(_("电话"), attr("phone")),
        ExportColumn(_("服务方式"), lambda c: ",".join(str(dict(ServiceMode.choices).get(m, m))
                                                    for m in c.service_modes or [])),
        ExportColumn(_("服务品类"), lambda c: ",".join(str(dict(ProductCategory.choices).get(m, m))
                                                    for m in c.product_categories or [])),
        ExportColumn(_("服务区域"), lambda c: "、".join(c.coverage_codes or [])),
        ExportColumn(_("服务半径（公里）"), attr("service_radius_km")),
        ExportColumn(_("营业中"), attr("is_active")),
    )


@register_exporter
class TechnicianExporter(Exporter):
    key = "repairs.technician"
    model = Technician
    columns = (
        ExportColumn(_("工号"), attr("employee_no")),
        ExportColumn(_("姓名"), attr("name")),
        ExportColumn(_("网点编码"), attr("center__code")),
        ExportColumn(_("电话"), attr("phone"), contact="phone"),
        ExportColumn(_("技能"), lambda t: ",".join(t.skills or [])),
        ExportColumn(_("擅长品类"), lambda t: ",".join(str(dict(ProductCategory.choices).get(m, m))
                                                    for m in t.product_categories or [])),
        ExportColumn(_("等级"), choice("level")),
        ExportColumn(_("同时处理上限"), attr("capacity")),
        ExportColumn(_("质检员"), attr("is_qc_inspector")),
        ExportColumn(_("在岗"), attr("on_duty")),
        ExportColumn(_("满意度评分"), attr("rating")),
    )

    def base_queryset(self):
        return Technician.objects.select_related("center")


@register_exporter
class PriceListExporter(Exporter):
    key = "repairs.pricelistitem"
    model = PriceListItem
    columns = (
        ExportColumn(_("产品型号代码"), attr("product_model__code")),
        ExportColumn(_("故障分类代码"), attr("fault_category__code")),
        ExportColumn(_("类型"), choice("kind")),
        ExportColumn(_("项目编码"), attr("code")),
        ExportColumn(_("项目名称"), attr("name"), width=24),
        ExportColumn(_("备件编码"), attr("part__sku")),
        ExportColumn(_("单价"), attr("unit_price")),
        ExportColumn(_("视检测结果而定"), attr("optional")),
        ExportColumn(_("生效日期"), attr("valid_from")),
        ExportColumn(_("失效日期"), attr("valid_to")),
    )

    def base_queryset(self):
        return PriceListItem.objects.select_related("product_model", "fault_category", "part")
