"""CSV/XLSX import and export of the hub's data: customers, product models, sales records
(devices with their buyer), the fault taxonomy, SLA policies and the holiday calendar; exports of
customers, devices and tickets.

Each importer reads its columns with the shared cell parsers (``tickets.importing.cells``) and writes
through the hub's services, so an imported row is checked like a single save in the admin. The
framework (``tickets.importing``) does the rest: every error at once, duplicates, modes, background.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exporting import ExportColumn, Exporter, attr, choice, register_exporter
from .importing import cells
from .importing.base import Column, Importer, Row, register
from .importing.columns import (
    bool_column,
    choice_column,
    choices_column,
    date_column,
    decimal_column,
    list_column,
    phone_column,
    text_column,
)
from .lookups import any_of
from .master_data import (
    DeviceRecord,
    buyer_check,
    customer_ids_by_phone,
    customer_save,
    device_record_changes,
    device_record_check,
    device_record_conflicts,
    devices_register_many,
    fault_category_save,
    product_model_save,
)
from .models import (
    CalendarDay,
    Customer,
    Department,
    Device,
    FaultCategory,
    Priority,
    ProductCategory,
    ProductModel,
    ServiceMode,
    SlaPolicy,
    Ticket,
)
from .services import device_normalize_serial
from .sla.services import calendar_day_set, sla_policy_save

# --- customers ------------------------------------------------------------------------------------

@register
class CustomerImporter(Importer):
    key = "tickets.customer"
    model = Customer
    natural_key = ("phone",)
    columns = (
        phone_column("phone", _("电话"), required=True, aliases=("手机", "手机号", "mobile"),
               example="13800138000"),
        text_column("name", _("姓名"), 80, required=True, aliases=("客户姓名", "客户"), example="张三"),
        Column("email", _("邮箱"), parse=cells.parse_email, aliases=("电子邮箱", "e-mail"),
               example="zhangsan@example.com"),
        choice_column("tier", _("客户等级"), Customer.Tier.choices, aliases=("等级", "会员等级"), example="普通"),
        text_column("province", _("省份"), 30, aliases=("省",), example="上海市"),
        text_column("city", _("城市"), 30, aliases=("市",), example="上海市"),
        text_column("district", _("区县"), 30, aliases=("区",), example="徐汇区"),
        text_column("address", _("详细地址"), 200, aliases=("地址",), example="漕溪北路 88 号"),
    )

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        phones = [r.values["phone"] for r in rows]
        return {(c.phone,): c for c in Customer.objects.filter(phone__in=phones)}

    def changed(self, row: Row) -> bool:
        return any(row.get(k) not in (None, "") and getattr(row.existing, k) != row.get(k)
                   for k in ("name", "email", "tier", "province", "city", "district", "address"))

    def save(self, row: Row) -> None:
        customer_save(phone=row.get("phone"), by=self.by,
                      **{k: row.get(k) for k in ("name", "email", "tier", "province", "city", "district", "address")})


# --- product models -------------------------------------------------------------------------------

@register
class ProductModelImporter(Importer):
    key = "tickets.productmodel"
    model = ProductModel
    natural_key = ("code",)
    columns = (
        text_column("code", _("型号代码"), 40, required=True, aliases=("代码", "model_code"), example="P60-PRO"),
        text_column("brand", _("品牌"), 40, required=True, example="华星"),
        text_column("name", _("型号"), 80, required=True, aliases=("型号名称", "名称"), example="P60 Pro"),
        choice_column("category", _("品类"), ProductCategory.choices, required=True, example="手机"),
        date_column("released_on", _("上市日期"), example="2024/9/1"),
        decimal_column("list_price", _("建议零售价"), example="4999.00"),
        bool_column("uses_imei", _("使用 IMEI"), example="是"),
        bool_column("is_active", _("在售"), example="是"),
    )

    def key_of(self, row: Row) -> tuple | None:
        code = row.get("code")
        return (code.upper(),) if code else None

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        codes = [r.values["code"] for r in rows]
        found = ProductModel.objects.filter(code__in=codes + [c.upper() for c in codes])
        return {(m.code.upper(),): m for m in found}

    def save(self, row: Row) -> None:
        model = row.existing or ProductModel()
        for key in ("brand", "name", "category", "released_on", "list_price", "uses_imei", "is_active"):
            if row.get(key) is not None:
                setattr(model, key, row.get(key))
        if model.pk is None:
            model.code = row.get("code")
        product_model_save(product_model=model, by=self.by)


# --- sales records: devices with their buyer ------------------------------------------------------

def _serial(value: Any) -> str:
    # An IMEI Excel turned into a number (8.61234E+14 loses digits; 861234567890123.0 does not).
    if isinstance(value, float):
        if not value.is_integer() or value >= 1e15 and len(str(int(value))) > 15:
            raise cells.CellError(_("序列号被 Excel 转成了数字，请把该列设为“文本”格式后重新输入"))
        value = int(value)
    text = cells.text(value)
    if "E+" in text.upper() and text.replace(".", "").upper().split("E+")[0].isdigit():
        raise cells.CellError(_("序列号被 Excel 转成了科学计数法，请把该列设为“文本”格式后重新输入"))
    return text


@register
class DeviceImporter(Importer):
    """A brand's sales records: serial/IMEI, model, purchase date, invoice, channel and the buyer. A
    stored device gets its blanks filled; a known buyer is linked by phone, a new one is created from
    the name."""

    key = "tickets.device"
    model = Device
    label = _("销售记录（设备与买家）")
    natural_key = ("serial",)
    batch_size = 2000
    columns = (
        Column("serial", _("序列号/IMEI"), parse=_serial, required=True,
               aliases=("序列号", "IMEI", "SN", "serial_number", "串号"), allowed=_("手机为 15 位 IMEI"),
               example="861234567890127"),
        text_column("model", _("产品型号代码"), 40, required=True,
                    aliases=("型号代码", "型号", "product_model", "product_model_code"), example="P60-PRO"),
        date_column("purchase_date", _("购买日期"), aliases=("购机日期", "销售日期"),
               example="2025/3/4"),
        text_column("invoice_number", _("发票号"), 40, aliases=("发票号码", "invoice"), example="04400000001"),
        date_column("invoice_date", _("开票日期"), example="2025年3月4日"),
        choice_column("sales_channel", _("销售渠道"), Device.SalesChannel.choices, aliases=("渠道", "channel"),
                      example="线上商城"),
        text_column("seller", _("销售商"), 100, aliases=("经销商", "门店"), example="华星官方旗舰店"),
        decimal_column("purchase_price", _("购买价格"), aliases=("价格", "售价"), example="4999"),
        text_column("region_code", _("购买地区"), 20, aliases=("地区",), allowed=_("省级行政区拼音，如 zhejiang"),
                    example="shanghai"),
        phone_column("buyer_phone", _("买家电话"), aliases=("买家手机", "客户电话", "owner_phone"),
               example="13800138000"),
        text_column("buyer_name", _("买家姓名"), 80, aliases=("买家", "客户姓名", "owner_name"), example="张三"),
    )

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._models: dict[str, ProductModel | None] = {}

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.get("model").upper() for r in rows if r.get("model")} - set(self._models)
        if codes:
            found = {m.code.upper(): m for m in ProductModel.objects.filter(code__in=codes | {c.lower() for c in codes})}
            for code in codes:
                self._models[code] = found.get(code)
        self._today = timezone.localdate()
        buyers = customer_ids_by_phone(r.get("buyer_phone") for r in rows)
        for row in rows:
            row.context["buyer"] = buyers.get(row.get("buyer_phone"))

    def _record(self, row: Row) -> DeviceRecord | None:
        model = self._models.get((row.get("model") or "").upper())
        if model is None or row.get("serial") is None:
            return None
        return DeviceRecord(
            product_model=model, serial=row.get("serial"), purchase_date=row.get("purchase_date"),
            buyer_phone=row.get("buyer_phone") or "", buyer_name=row.get("buyer_name") or "",
            fields={k: row.get(k) for k in ("invoice_number", "invoice_date", "sales_channel", "seller",
                                            "purchase_price", "region_code") if row.get(k) not in (None, "")})

    def validate(self, row: Row) -> None:
        if row.get("model") and self._models.get(row.get("model").upper()) is None:
            row.error("model", _("系统中没有该产品型号，请先导入产品型号"))
        record = self._record(row)
        if record is None:
            problem = buyer_check(phone=row.get("buyer_phone") or "", buyer_id=row.context.get("buyer"),
                                  name=row.get("buyer_name") or "")
            if problem:
                row.error("buyer_phone", problem)
            return
        if self.writing:
            # The file was checked in the dry run and devices_register_many checks every record again
            # before writing: only the serial is normalised here (duplicates in the file are found by it).
            try:
                record.serial = device_normalize_serial(product_model=record.product_model, serial=record.serial)
            except ValidationError as exc:
                row.error("serial", " ".join(exc.messages))
        else:
            self._report(row, device_record_check(record=record, buyer_id=row.context.get("buyer"),
                                                  today=self._today))
        row.values["serial"] = record.serial
        row.context["record"] = record

    def _report(self, row: Row, errors: dict[str, str]) -> None:
        columns = {"serial": "serial", "buyer_phone": "buyer_phone"}
        for name, message in errors.items():
            row.error(columns.get(name, name if name in self.labels else None), message)

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        serials = [r.values["serial"] for r in rows]
        return {(d.serial_number.upper(),): d
                for d in Device.objects.select_related("product_model").filter(any_of("serial_number", serials))}

    def check_existing(self, row: Row) -> None:
        record = row.context.get("record")
        if record is not None:
            self._report(row, device_record_conflicts(record=record, existing=row.existing,
                                                      buyer_id=row.context.get("buyer")))

    def changed(self, row: Row) -> bool:
        buyer = row.context.get("buyer")
        if buyer is None and row.get("buyer_phone") and row.existing.owner_id is None:
            return True  # a new buyer is created and linked
        return bool(device_record_changes(record=row.context["record"], existing=row.existing, buyer_id=buyer))

    def save(self, row: Row) -> None:
        try:
            devices_register_many(records=[row.context["record"]], by=self.by)
        except ValidationError as exc:
            # the batch service keys its refusals by the record's index: a single record is index 0
            messages = exc.message_dict.get("0") if hasattr(exc, "error_dict") else None
            raise ValidationError(messages or exc.messages) from None

    def save_batch(self, rows: list[Row]) -> list[Row]:
        """One bulk write per batch; records the service refuses (the database changed since the check)
        get its reasons and the rest of the batch is written without them."""
        failed: list[Row] = []
        todo = rows
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    devices_register_many(records=[r.context["record"] for r in todo], by=self.by)
                return failed
            except ValidationError as exc:
                refused = {int(k): v for k, v in getattr(exc, "error_dict", {}).items() if k.isdigit()}
                if not refused:
                    for row in todo:
                        row.error(None, " ".join(exc.messages))
                    return failed + todo
                for index, errors in refused.items():
                    todo[index].error(None, " ".join(m for e in errors for m in e.messages))
                failed += [todo[i] for i in refused]
                todo = [r for i, r in enumerate(todo) if i not in refused]
                if not todo:
                    return failed
        for row in todo:
            row.error(None, _("与系统中已有数据冲突，未保存"))
        return failed + todo


# --- the fault taxonomy ---------------------------------------------------------------------------

@register
class FaultCategoryImporter(Importer):
    """Fault categories: code, name, parent (by code), department, defaults and keywords. Parents may
    come later in the same file (rows are written in file order, so a parent's row comes first)."""

    key = "tickets.faultcategory"
    model = FaultCategory
    natural_key = ("code",)
    columns = (
        text_column("code", _("分类代码"), 40, required=True, aliases=("代码",), example="screen-broken"),
        text_column("name", _("分类名称"), 60, required=True, aliases=("名称",), example="屏幕损坏"),
        text_column("parent", _("上级分类代码"), 40, aliases=("上级分类", "上级", "parent_code"), example="hardware"),
        choice_column("department", _("处理部门"), Department.choices, aliases=("部门",), example="硬件维修"),
        choice_column("default_priority", _("默认优先级"), Priority.choices, aliases=("优先级",), example="普通"),
        choice_column("default_service_mode", _("默认服务方式"), ServiceMode.choices, aliases=("服务方式",),
                      example="到店"),
        text_column("required_skill", _("所需技能"), 40, aliases=("技能",), example="screen"),
        choices_column("product_categories", _("适用品类"), ProductCategory.choices, example="手机,平板"),
        list_column("keywords", _("关键词"), allowed=_("用逗号或顿号分隔"), example="碎屏、花屏、触摸失灵"),
        bool_column("is_active", _("启用"), example="是"),
    )

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.get("parent") for r in rows if r.get("parent")}
        self._parents = {c.code: c for c in FaultCategory.objects.filter(code__in=codes)}
        self._in_file = {r.get("code") for r in rows if r.get("code")} | getattr(self, "_in_file", set())

    def validate(self, row: Row) -> None:
        parent = row.get("parent")
        if parent and parent not in self._parents and parent not in self._in_file:
            row.error("parent", _("上级分类不存在"))
        if parent and parent == row.get("code"):
            row.error("parent", _("上级分类不能是它自己"))

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(c.code.upper(),): c for c in FaultCategory.objects.filter(code__in=[r.get("code") for r in rows])}

    def save(self, row: Row) -> None:
        category = row.existing or FaultCategory(code=row.get("code"))
        for key in ("name", "department", "default_priority", "default_service_mode", "required_skill",
                    "product_categories", "keywords", "is_active"):
            if row.get(key) is not None:
                setattr(category, key, row.get(key))
        if row.get("parent"):
            category.parent = FaultCategory.objects.get(code=row.get("parent"))
        fault_category_save(category=category, by=self.by)


# --- SLA policies ---------------------------------------------------------------------------------

@register
class SlaPolicyImporter(Importer):
    """SLA targets per fault category × priority × customer tier (blank = any); the name identifies a
    policy."""

    key = "tickets.slapolicy"
    model = SlaPolicy
    natural_key = ("name",)
    columns = (
        text_column("name", _("策略名称"), 80, required=True, aliases=("名称",), example="屏幕损坏-紧急"),
        text_column("fault_category", _("故障分类代码"), 40, aliases=("故障分类", "分类代码"), example="screen-broken"),
        choice_column("priority", _("优先级"), Priority.choices, example="紧急"),
        choice_column("customer_tier", _("客户等级"), Customer.Tier.choices, example="VIP"),
        decimal_column("response_hours", _("响应时限（小时）"), required=True,
               aliases=("响应时限", "首次响应时限"), allowed=_("工作小时，大于 0"), example="2"),
        decimal_column("resolution_hours", _("解决时限（小时）"), required=True,
               aliases=("解决时限",), allowed=_("工作小时，不小于响应时限"), example="24"),
        bool_column("is_active", _("启用"), example="是"),
    )

    def prepare(self, rows: list[Row]) -> None:
        codes = {r.get("fault_category") for r in rows if r.get("fault_category")}
        self._categories = {c.code: c for c in FaultCategory.objects.filter(code__in=codes)}

    def validate(self, row: Row) -> None:
        code = row.get("fault_category")
        if code and code not in self._categories:
            row.error("fault_category", _("故障分类不存在"))
        response, resolution = row.get("response_hours"), row.get("resolution_hours")
        if response is not None and response <= 0:
            row.error("response_hours", _("必须大于 0"))
        if response is not None and resolution is not None and resolution < response:
            row.error("resolution_hours", _("解决时限不能短于响应时限"))

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(p.name.upper(),): p for p in SlaPolicy.objects.filter(name__in=[r.get("name") for r in rows])}

    def save(self, row: Row) -> None:
        item = row.existing or SlaPolicy(name=row.get("name"))
        item.fault_category = self._categories.get(row.get("fault_category")) if row.get("fault_category") else None
        item.priority = row.get("priority") or ""
        item.customer_tier = row.get("customer_tier") or ""
        item.response_hours = row.get("response_hours")
        item.resolution_hours = row.get("resolution_hours")
        if row.get("is_active") is not None:
            item.is_active = row.get("is_active")
        sla_policy_save(policy=item, by=self.by)


# --- the holiday calendar -------------------------------------------------------------------------

def _day_kind(value: Any) -> bool:
    text = cells.text(value).lower()
    if text in ("休", "放假", "休息", "rest", "holiday", "休息日", "是"):
        return True
    if text in ("班", "上班", "调休上班", "work", "workday", "工作日", "否"):
        return False
    raise cells.CellError(_("请填写“休”（放假）或“班”（调休上班）"))


@register
class CalendarDayImporter(Importer):
    """Public holidays and make-up working days (the year's announcement, typed or copied in)."""

    key = "tickets.calendarday"
    model = CalendarDay
    natural_key = ("date",)
    columns = (
        date_column("date", _("日期"), required=True, example="2027-02-06"),
        Column("is_rest_day", _("类型"), parse=_day_kind, required=True, aliases=("休/班", "放假"),
               allowed=_("休、班"), example="休"),
        text_column("name", _("名称"), 40, aliases=("节日",), example="春节"),
    )

    def lookup(self, rows: list[Row]) -> dict[tuple, Any]:
        return {(d.date,): d for d in CalendarDay.objects.filter(date__in=[r.get("date") for r in rows])}

    def changed(self, row: Row) -> bool:
        return (row.existing.is_rest_day != row.get("is_rest_day") or row.existing.name != (row.get("name") or "")
                or row.existing.source != CalendarDay.Source.MANUAL)

    def save(self, row: Row) -> None:
        calendar_day_set(date=row.get("date"), is_rest_day=row.get("is_rest_day"), name=row.get("name") or "",
                         by=self.by)


# --- exports --------------------------------------------------------------------------------------

@register_exporter
class CustomerExporter(Exporter):
    key = "tickets.customer"
    model = Customer
    columns = (
        ExportColumn(_("姓名"), attr("name"), contact="name"),
        ExportColumn(_("电话"), attr("phone"), contact="phone"),
        ExportColumn(_("邮箱"), attr("email"), contact="email", width=24),
        ExportColumn(_("客户等级"), choice("tier")),
        ExportColumn(_("省份"), attr("province")),
        ExportColumn(_("城市"), attr("city")),
        ExportColumn(_("区县"), attr("district")),
        ExportColumn(_("详细地址"), attr("address"), contact="address", width=36),
        ExportColumn(_("创建时间"), attr("created_at"), width=20),
    )


@register_exporter
class ProductModelExporter(Exporter):
    key = "tickets.productmodel"
    model = ProductModel
    columns = tuple(ExportColumn(c.label, choice(c.key) if c.key == "category" else attr(c.key))
                    for c in ProductModelImporter.columns)


@register_exporter
class DeviceExporter(Exporter):
    key = "tickets.device"
    model = Device
    columns = (
        ExportColumn(_("序列号/IMEI"), attr("serial_number"), width=20),
        ExportColumn(_("产品型号代码"), attr("product_model__code")),
        ExportColumn(_("产品型号"), attr("product_model__name")),
        ExportColumn(_("购买日期"), attr("purchase_date")),
        ExportColumn(_("发票号"), attr("invoice_number")),
        ExportColumn(_("开票日期"), attr("invoice_date")),
        ExportColumn(_("销售渠道"), choice("sales_channel")),
        ExportColumn(_("销售商"), attr("seller")),
        ExportColumn(_("购买价格"), attr("purchase_price")),
        ExportColumn(_("购买地区"), attr("region_code")),
        ExportColumn(_("买家电话"), attr("owner__phone"), contact="phone"),
        ExportColumn(_("买家姓名"), attr("owner__name"), contact="name"),
    )

    def base_queryset(self):
        return Device.objects.select_related("product_model", "owner")


@register_exporter
class FaultCategoryExporter(Exporter):
    key = "tickets.faultcategory"
    model = FaultCategory
    columns = (
        ExportColumn(_("分类代码"), attr("code")),
        ExportColumn(_("分类名称"), attr("name")),
        ExportColumn(_("上级分类代码"), attr("parent__code")),
        ExportColumn(_("处理部门"), choice("department")),
        ExportColumn(_("默认优先级"), choice("default_priority")),
        ExportColumn(_("默认服务方式"), choice("default_service_mode")),
        ExportColumn(_("所需技能"), attr("required_skill")),
        ExportColumn(_("适用品类"), lambda c: ",".join(
            str(dict(ProductCategory.choices).get(v, v)) for v in c.product_categories or [])),
        ExportColumn(_("关键词"), lambda c: "、".join(c.keywords or []), width=30),
        ExportColumn(_("启用"), attr("is_active")),
    )

    def base_queryset(self):
        return FaultCategory.objects.select_related("parent")


def _sla_met(ticket: Ticket) -> Any:
    try:
        clock = ticket.sla_clock
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: a ticket without an SLA
        return ""
    if clock.breached_at or clock.response_breached_at:
        return _("超时")
    if ticket.resolved_at or ticket.closed_at:
        return _("达标")
    return _("进行中")


@register_exporter
class TicketExporter(Exporter):
    """What a manager reads: states and channels as words, the charge, the parts fitted, whether the SLA
    was met and the customer's satisfaction score."""

    key = "tickets.ticket"
    model = Ticket
    columns = (
        ExportColumn(_("工单号"), attr("number"), width=20),
        ExportColumn(_("状态"), choice("status")),
        ExportColumn(_("来源渠道"), choice("channel")),
        ExportColumn(_("优先级"), choice("priority")),
        ExportColumn(_("客户"), attr("customer__name"), contact="name"),
        ExportColumn(_("客户电话"), attr("customer__phone"), contact="phone"),
        ExportColumn(_("产品型号"), attr("product_model__name")),
        ExportColumn(_("序列号/IMEI"), attr("device__serial_number"), width=20),
        ExportColumn(_("故障分类"), attr("fault_category__name")),
        ExportColumn(_("服务网点"), attr("service_center__name")),
        ExportColumn(_("工程师"), attr("technician__name")),
        ExportColumn(_("城市"), attr("city")),
        ExportColumn(_("创建时间"), attr("created_at"), width=20),
        ExportColumn(_("首次响应时间"), attr("first_response_at"), width=20),
        ExportColumn(_("解决时间"), attr("resolved_at"), width=20),
        ExportColumn(_("关闭时间"), attr("closed_at"), width=20),
        ExportColumn(_("预估价格下限"), attr("price_min")),
        ExportColumn(_("预估价格上限"), attr("price_max")),
        ExportColumn(_("收费金额"), lambda t: t._export["charge"]),
        ExportColumn(_("使用备件"), lambda t: "、".join(t._export["parts"]), width=30),
        ExportColumn(_("SLA 达标"), _sla_met),
        ExportColumn(_("满意度（1-5）"), lambda t: t._export["score"]),
        ExportColumn(_("推荐意愿（0-10）"), lambda t: t._export["nps"]),
    )

    def base_queryset(self):
        return Ticket.objects.select_related("customer", "product_model", "device", "fault_category",
                                             "service_center", "technician", "sla_clock")

    def enrich(self, objs: list[Any]) -> None:
        # Interface modules may read other apps through their selectors.
        from repairs.selectors import ticket_charges, ticket_fitted_parts
        from surveys.selectors import ticket_satisfaction

        ids = [t.pk for t in objs]
        charges = ticket_charges(ticket_ids=ids)
        parts = ticket_fitted_parts(ticket_ids=ids)
        scores = ticket_satisfaction(ticket_ids=ids)
        for ticket in objs:
            survey = scores.get(ticket.pk, {})
            ticket._export = {"charge": charges.get(ticket.pk), "parts": parts.get(ticket.pk, []),
                              "score": survey.get("score"), "nps": survey.get("nps")}



@register_exporter
class SlaPolicyExporter(Exporter):
    key = "tickets.slapolicy"
    model = SlaPolicy
    columns = (
        ExportColumn(_("策略名称"), attr("name"), width=24),
        ExportColumn(_("故障分类代码"), attr("fault_category__code")),
        ExportColumn(_("优先级"), choice("priority")),
        ExportColumn(_("客户等级"), choice("customer_tier")),
        ExportColumn(_("响应时限（小时）"), attr("response_hours")),
        ExportColumn(_("解决时限（小时）"), attr("resolution_hours")),
        ExportColumn(_("启用"), attr("is_active")),
    )

    def base_queryset(self):
        return SlaPolicy.objects.select_related("fault_category")


@register_exporter
class CalendarDayExporter(Exporter):
    key = "tickets.calendarday"
    model = CalendarDay
    columns = (
        ExportColumn(_("日期"), attr("date")),
        ExportColumn(_("类型"), lambda d: _("休") if d.is_rest_day else _("班")),
        ExportColumn(_("名称"), attr("name")),
        ExportColumn(_("来源"), choice("source")),
    )
