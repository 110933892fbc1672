"""Spare parts: catalog, stock per location and the append-only movement ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
