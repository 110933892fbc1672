"""Spare parts: catalog, stock per location and the append-only movement ledger."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from tickets.fsm import ConcurrentTransitionMixin
from tickets.models import TimeStampedModel


class Part(TimeStampedModel):
    class Category(models.TextChoices):
        SCREEN = "screen", _("屏幕")
        BATTERY = "battery", _("电池")
        MAINBOARD = "mainboard", _("主板")
        CAMERA = "camera", _("摄像头")
        CHARGING = "charging", _("充电/接口")
        KEYBOARD = "keyboard", _("键盘")
        STORAGE = "storage", _("存储")
        MEMORY = "memory", _("内存")
        POWER = "power", _("电源")
        COMPRESSOR = "compressor", _("压缩机")
        MOTOR = "motor", _("电机")
        CONTROL = "control", _("控制板")
        PANEL = "panel", _("显示面板")
        HOUSING = "housing", _("外壳")
        ACCESSORY = "accessory", _("配件")
        OTHER = "other", _("其他")

    sku = models.CharField(_("物料编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices, db_index=True)
    compatible_models = models.ManyToManyField("tickets.ProductModel", blank=True, related_name="parts",
                                               verbose_name=_("适用型号"))
    cost_price = models.DecimalField(_("成本价"), max_digits=10, decimal_places=2)
    retail_price = models.DecimalField(_("零售价"), max_digits=10, decimal_places=2)
    warranty_days = models.PositiveIntegerField(_("备件保修天数"), default=90)
    is_serialized = models.BooleanField(_("序列号管理"), default=False)
    main_part_for = models.JSONField(_("主要部件所属品类"), default=list, blank=True,
                                     help_text=_("在这些产品品类中属于三包主要部件，如 [\"laptop\", \"fridge\"]"))
    supplier = models.CharField(_("供应商"), max_length=80, blank=True)
    supplier_warranty_days = models.PositiveIntegerField(
        _("供应商质保天数"), default=365, help_text=_("旧件在此期限内可向供应商索赔"))
    lead_time_days = models.PositiveIntegerField(_("补货周期（天）"), default=7)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("备件")
        verbose_name_plural = _("备件")
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(cost_price__gte=0) & Q(retail_price__gte=0),
                                   name="part_prices_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def is_main_part(self, product_category: str) -> bool:
        return product_category in (self.main_part_for or [])


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        CENTRAL = "central", _("中心仓")
        REGIONAL = "regional", _("区域仓")
        CENTER = "center", _("网点仓")
        VAN = "van", _("工程师车载库")
        DEFECTIVE = "defective", _("旧件库")

    code = models.CharField(_("库位编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级仓"))
    center = models.ForeignKey("repairs.ServiceCenter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="stock_locations", verbose_name=_("网点"))
    technician = models.OneToOneField("repairs.Technician", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="van", verbose_name=_("工程师"))
    city = models.CharField(_("城市"), max_length=30, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StockLevel(models.Model):
    """Stock of one part at one location. Only the stock services change these numbers."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels", verbose_name=_("备件"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels",
                                 verbose_name=_("库位"))
    on_hand = models.IntegerField(_("在库数量"), default=0)
    reserved = models.IntegerField(_("已预留"), default=0)
    reorder_point = models.IntegerField(_("补货点"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        ordering = ["part__sku", "location__code"]
        constraints = [
            models.UniqueConstraint(fields=["part", "location"], name="stock_unique_part_location"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(on_hand__gte=F("reserved")), name="stock_on_hand_covers_reserved"),
            models.CheckConstraint(condition=Q(reorder_point__gte=0), name="stock_reorder_point_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """Append-only ledger row. ``on_hand_delta``/``reserved_delta`` sum to every stock level."""

    class Kind(models.TextChoices):
        RECEIVE = "receive", _("入库")
        RESERVE = "reserve", _("预留")
        RELEASE = "release", _("释放预留")
        CONSUME = "consume", _("领用安装")
        TRANSFER_OUT = "transfer_out", _("调拨出库")
        TRANSFER_IN = "transfer_in", _("调拨入库")
        ADJUST = "adjust", _("盘点调整")
        RETURN_DEFECTIVE = "return_defective", _("旧件返还")
        SCRAP = "scrap", _("报废")

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements", verbose_name=_("备件"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements",
                                 verbose_name=_("库位"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    on_hand_delta = models.IntegerField(_("在库变动"), default=0)
    reserved_delta = models.IntegerField(_("预留变动"), default=0)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    reference = models.CharField(_("关联单据"), max_length=60, blank=True, db_index=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="stock_movements", verbose_name=_("工单"))
    reservation = models.ForeignKey("Reservation", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="movements", verbose_name=_("预留单"))
    transfer = models.ForeignKey("Transfer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="movements", verbose_name=_("调拨单"))
    serial_unit = models.ForeignKey("SerialUnit", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="movements", verbose_name=_("序列号件"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["part", "location", "created_at"], name="movement_part_loc_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.part_id}@{self.location_id} {self.on_hand_delta:+}/{self.reserved_delta:+}"

    def save(self, *args, **kwargs) -> None:
        # The ledger is append-only: a written movement is corrected by a new movement, never edited.
        if self.pk is not None and not self._state.adding:
            raise ValueError("StockMovement rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("StockMovement rows are append-only")


class Reservation(ConcurrentTransitionMixin, TimeStampedModel):
    """Units of a part held at a location for a repair; released, consumed when fitted, or expired."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("预留中")
        RELEASED = "released", _("已释放")
        CONSUMED = "consumed", _("已领用")
        EXPIRED = "expired", _("已过期")

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("备件"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations",
                                 verbose_name=_("库位"))
    quantity = models.PositiveIntegerField(_("数量"))
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="part_reservations", verbose_name=_("工单"))
    reference = models.CharField(_("关联单据"), max_length=60, blank=True, db_index=True)
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, protected=True,
                      db_index=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=200, blank=True)
    serial_unit = models.ForeignKey("SerialUnit", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reservations", verbose_name=_("安装的序列号件"))
    fitted_serial = models.CharField(_("安装件序列号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("备件预留")
        verbose_name_plural = _("备件预留")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_quantity_positive")]

    def __str__(self) -> str:
        return f"R{self.pk} {self.part_id}@{self.location_id} x{self.quantity}"

    @transition(field=status, source=Status.ACTIVE, target=Status.RELEASED)
    def release(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.ACTIVE, target=Status.CONSUMED)
    def consume(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.ACTIVE, target=Status.EXPIRED)
    def expire(self) -> None:
        self.closed_at = timezone.now()


def _label_nonce() -> str:
    return secrets.token_urlsafe(9)


class SerialUnit(TimeStampedModel):
    """One physical, serialized unit of a part. Its QR label carries a signed payload (see parts.labels)."""

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("在库")
        IN_TRANSIT = "in_transit", _("在途")
        FITTED = "fitted", _("已安装")
        DEFECTIVE = "defective", _("旧件")
        SCRAPPED = "scrapped", _("已报废")
        RETURNED_TO_SUPPLIER = "returned_to_supplier", _("已退供应商")

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="serial_units", verbose_name=_("备件"))
    serial = models.CharField(_("序列号"), max_length=60, unique=True)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="serial_units", verbose_name=_("所在库位"))
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.IN_STOCK,
                              db_index=True)
    label_nonce = models.CharField(_("标签校验码"), max_length=20, default=_label_nonce, editable=False,
                                   help_text=_("重新打印标签会更换校验码，旧标签随之作废"))
    received_at = models.DateTimeField(_("入库时间"), default=timezone.now)
    fitted_at = models.DateTimeField(_("安装时间"), null=True, blank=True)
    fitted_ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="fitted_units", verbose_name=_("安装工单"))
    fitted_device_serial = models.CharField(_("安装到的设备序列号"), max_length=40, blank=True)
    last_scanned_at = models.DateTimeField(_("最近扫码时间"), null=True, blank=True)
    transfer = models.ForeignKey("Transfer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="serial_units", verbose_name=_("在途调拨单"))

    class Meta:
        verbose_name = _("序列号件")
        verbose_name_plural = _("序列号件")
        ordering = ["part__sku", "serial"]

    def __str__(self) -> str:
        return self.serial


class Transfer(ConcurrentTransitionMixin, TimeStampedModel):
    """Moving stock between locations: requested → approved → shipped → received, or cancelled."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("已申请")
        APPROVED = "approved", _("已批准")
        SHIPPED = "shipped", _("已发出")
        RECEIVED = "received", _("已签收")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("调拨单号"), max_length=30, unique=True)
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("备件"))
    source = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out",
                               verbose_name=_("调出库位"))
    destination = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in",
                                    verbose_name=_("调入库位"))
    quantity = models.PositiveIntegerField(_("数量"))
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED, protected=True,
                      db_index=True)
    is_emergency = models.BooleanField(_("紧急调拨"), default=False)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="part_transfers", verbose_name=_("关联工单"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("申请人"))
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    tracking_no = models.CharField(_("物流单号"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("调拨单")
        verbose_name_plural = _("调拨单")
        ordering = ["-created_at"]
        permissions = [("approve_transfer", _("可以批准调拨"))]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transfer_quantity_positive"),
            models.CheckConstraint(condition=~Q(source=F("destination")), name="transfer_distinct_locations"),
        ]
        indexes = [
            models.Index(fields=["is_emergency"], name="transfer_emergency_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self) -> None:
        self.approved_at = timezone.now()

    @transition(field=status, source=Status.APPROVED, target=Status.SHIPPED)
    def ship(self) -> None:
        self.shipped_at = timezone.now()

    @transition(field=status, source=Status.SHIPPED, target=Status.RECEIVED)
    def receive(self) -> None:
        self.received_at = timezone.now()

    @transition(field=status, source=[Status.REQUESTED, Status.APPROVED], target=Status.CANCELLED)
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()


class DefectiveReturn(ConcurrentTransitionMixin, TimeStampedModel):
    """旧件回收: the faulty part taken out of a customer's device, tracked back to a warehouse."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待寄回")
        SHIPPED = "shipped", _("寄回途中")
        RECEIVED = "received", _("仓库已收")
        CLAIMED = "claimed", _("已向供应商索赔")
        SCRAPPED = "scrapped", _("已报废")

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="defective_returns",
                             verbose_name=_("备件"))
    serial_unit = models.ForeignKey(SerialUnit, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="defective_returns", verbose_name=_("序列号件"))
    removed_serial = models.CharField(_("旧件序列号"), max_length=60, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="defective_returns", verbose_name=_("工单"))
    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="defective_sent",
                                      verbose_name=_("寄出库位"))
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="defective_received",
                                    verbose_name=_("旧件库"))
    fault_description = models.CharField(_("故障描述"), max_length=200, blank=True)
    status = FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True,
                      db_index=True)
    shipped_at = models.DateTimeField(_("寄出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("收货时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("旧件回收")
        verbose_name_plural = _("旧件回收")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.part_id} {self.removed_serial or self.pk}"

    @transition(field=status, source=Status.PENDING, target=Status.SHIPPED)
    def ship(self) -> None:
        self.shipped_at = timezone.now()

    @transition(field=status, source=[Status.PENDING, Status.SHIPPED], target=Status.RECEIVED)
    def receive(self) -> None:
        self.received_at = timezone.now()

    @transition(field=status, source=Status.RECEIVED, target=Status.CLAIMED)
    def claim(self) -> None:
        pass

    @transition(field=status, source=Status.RECEIVED, target=Status.SCRAPPED)
    def scrap(self) -> None:
        pass


class SupplierClaim(TimeStampedModel):
    """A warranty claim against the supplier for a defective part received at the warehouse."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        ACCEPTED = "accepted", _("供应商已认可")
        REJECTED = "rejected", _("供应商已拒绝")

    defective_return = models.OneToOneField(DefectiveReturn, on_delete=models.PROTECT, related_name="supplier_claim",
                                            verbose_name=_("旧件"))
    supplier = models.CharField(_("供应商"), max_length=80)
    amount = models.DecimalField(_("索赔金额"), max_digits=10, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED,
                              db_index=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("提交人"))

    class Meta:
        verbose_name = _("供应商索赔")
        verbose_name_plural = _("供应商索赔")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="supplier_claim_amount_non_negative")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.amount}"


class DemandForecast(models.Model):
    """Latest weekly demand forecast and reorder suggestion for one part at one location."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="forecasts", verbose_name=_("备件"))
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="forecasts",
                                 verbose_name=_("库位"))
    method = models.CharField(_("预测方法"), max_length=30)
    weekly_forecast = models.DecimalField(_("周需求预测"), max_digits=10, decimal_places=2)
    mae = models.DecimalField(_("回测 MAE"), max_digits=10, decimal_places=2, null=True, blank=True)
    mape = models.DecimalField(_("回测 MAPE（%）"), max_digits=7, decimal_places=2, null=True, blank=True)
    safety_stock = models.PositiveIntegerField(_("安全库存"), default=0)
    suggested_reorder_point = models.PositiveIntegerField(_("建议补货点"), default=0)
    suggested_order_qty = models.PositiveIntegerField(_("建议补货数量"), default=0)
    history_weeks = models.PositiveIntegerField(_("历史周数"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("需求预测")
        verbose_name_plural = _("需求预测")
        ordering = ["part__sku", "location__code"]
        constraints = [models.UniqueConstraint(fields=["part", "location"], name="forecast_unique_part_location")]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.location_id}: {self.weekly_forecast}/w"


class LowStockAlert(models.Model):
    """Daily low-stock alert for warehouse staff (one row per part × location per day)."""

    part = models.ForeignKey(Part, on_delete=models.CASCADE, related_name="low_stock_alerts",
                             verbose_name=_("备件"))
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="low_stock_alerts",
                                 verbose_name=_("库位"))
    day = models.DateField(_("日期"), db_index=True)
    available = models.IntegerField(_("可用数量"))
    reorder_point = models.IntegerField(_("补货点"))
    suggested_order_qty = models.PositiveIntegerField(_("建议补货数量"), default=0)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+", verbose_name=_("确认人"))
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("缺货预警")
        verbose_name_plural = _("缺货预警")
        ordering = ["-day", "part__sku"]
        constraints = [models.UniqueConstraint(fields=["part", "location", "day"], name="alert_unique_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.part_id}@{self.location_id}"


class JobPartsReconciliation(TimeStampedModel):
    """The close-out (核销) of the parts issued to a technician's van for one job: per part what was
    issued, fitted, returned to the store and sent back defective; written once, when it balances."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.PROTECT, related_name="parts_reconciliation",
                                  verbose_name=_("工单"))
    van = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("车载库"))
    lines = models.JSONField(_("核销明细"), default=list,
                             help_text=_("[{part_id, sku, name, issued, fitted, returned, defective}]"))
    reconciled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("核销人"))

    class Meta:
        verbose_name = _("工单备件核销")
        verbose_name_plural = _("工单备件核销")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.van_id}"
