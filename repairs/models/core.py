"""The field force and the repair order: service centers, technicians and the RepairOrder FSM."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from tickets.fsm import ConcurrentTransitionMixin
from tickets.models import Region, ServiceMode, TimeStampedModel


def _default_service_modes() -> list[str]:
    return [ServiceMode.WALK_IN, ServiceMode.MAIL_IN]


def _default_hours() -> dict:
    # weekday (0 = Monday) -> [open, close]; a missing weekday means closed.
    return {str(d): ["09:00", "18:00"] for d in range(7)}


class ServiceCenter(TimeStampedModel):
    code = models.CharField(_("网点编码"), max_length=20, unique=True)
    name = models.CharField(_("网点名称"), max_length=80)
    region = models.CharField(_("大区"), max_length=12, choices=Region.choices, db_index=True)
    province = models.CharField(_("省份"), max_length=30)
    city = models.CharField(_("城市"), max_length=30, db_index=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    province_code = models.CharField(_("省级区划代码"), max_length=12, blank=True)
    city_code = models.CharField(_("市级区划代码"), max_length=12, blank=True)
    district_code = models.CharField(_("区县区划代码"), max_length=12, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    service_modes = models.JSONField(_("服务方式"), default=_default_service_modes)
    product_categories = models.JSONField(_("服务品类"), default=list, blank=True,
                                          help_text=_("为空表示全部品类"))
    coverage_codes = models.JSONField(
        _("服务区域"), default=list, blank=True,
        help_text=_("覆盖的省、市或区县（行政区划代码）；为空表示网点所在城市。半径内的地点也在服务范围内。"))
    service_radius_km = models.PositiveIntegerField(_("服务半径（公里）"), default=30)
    opening_hours = models.JSONField(_("营业时间"), default=_default_hours)
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="managed_centers",
                                      verbose_name=_("网点经理"))
    is_active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Technician(TimeStampedModel):
    class Level(models.IntegerChoices):
        JUNIOR = 1, _("初级")
        INTERMEDIATE = 2, _("中级")
        SENIOR = 3, _("高级")
        EXPERT = 4, _("专家")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technician",
                                verbose_name=_("用户"))
    center = models.ForeignKey(ServiceCenter, on_delete=models.PROTECT, related_name="technicians",
                               verbose_name=_("所属网点"))
    employee_no = models.CharField(_("工号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=40)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    skills = models.JSONField(_("技能"), default=list, blank=True,
                              help_text=_("技能代码列表，如 screen、battery、mainboard、refrigeration"))
    product_categories = models.JSONField(_("擅长品类"), default=list, blank=True)
    level = models.PositiveSmallIntegerField(_("等级"), choices=Level.choices, default=Level.INTERMEDIATE)
    capacity = models.PositiveSmallIntegerField(_("同时处理上限"), default=6)
    on_duty = models.BooleanField(_("在岗"), default=True, db_index=True)
    is_qc_inspector = models.BooleanField(_("质检员"), default=False)
    last_latitude = models.DecimalField(_("最近纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    last_longitude = models.DecimalField(_("最近经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最近定位时间"), null=True, blank=True)
    rating = models.DecimalField(_("满意度评分"), max_digits=3, decimal_places=2, default=4.5)

    class Meta:
        verbose_name = _("维修工程师")
        verbose_name_plural = _("维修工程师")
        ordering = ["employee_no"]
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1), name="technician_capacity_positive")]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"


class RepairOrder(ConcurrentTransitionMixin, TimeStampedModel):
    """The workshop job for a ticket that needs hands on the device."""

    class Status(models.TextChoices):
        DIAGNOSING = "diagnosing", _("检测中")
        QUOTING = "quoting", _("报价中")
        AWAITING_APPROVAL = "awaiting_approval", _("待客户确认")
        APPROVED = "approved", _("客户已确认")
        REPAIRING = "repairing", _("维修中")
        AWAITING_PARTS = "awaiting_parts", _("等待备件")
        QC = "qc", _("质检中")
        PASSED = "passed", _("质检通过")
        REWORK = "rework", _("返工")
        DECLINED = "declined", _("客户拒绝")
        UNREPAIRABLE = "unrepairable", _("无法修复")
        REPLACED = "replaced", _("已换机")
        REFUNDED = "refunded", _("已退货")

    FINAL_STATES = [Status.PASSED, Status.DECLINED, Status.REPLACED, Status.REFUNDED]

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="repair_orders",
                               verbose_name=_("工单"))
    center = models.ForeignKey(ServiceCenter, on_delete=models.PROTECT, related_name="repair_orders",
                               null=True, blank=True, verbose_name=_("维修网点"))
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="repair_orders",
                                   null=True, blank=True, verbose_name=_("维修工程师"))
    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.DIAGNOSING,
                      protected=True, db_index=True)
    received_at = models.DateTimeField(_("送修时间"), default=timezone.now)
    returned_at = models.DateTimeField(_("交验时间"), null=True, blank=True)
    findings = models.TextField(_("检测结果"), blank=True)
    cause = models.TextField(_("故障原因"), blank=True)
    work_done = models.TextField(_("处理情况"), blank=True)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    # diagnosis (fault code from the category's performance-fault table, repairs/data/sanbao_rules.json)
    fault_code = models.CharField(_("故障代码"), max_length=40, blank=True, db_index=True)
    fault_label = models.CharField(_("故障现象"), max_length=120, blank=True)
    fault_listed = models.BooleanField(_("属于性能故障"), default=False)
    diagnosed_at = models.DateTimeField(_("检测完成时间"), null=True, blank=True)
    diagnosed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("检测人"))
    exclusions = models.JSONField(_("三包排除事由"), default=list, blank=True,
                                  help_text=_("[{code, evidence: [附件ID], note}]"))
    # the binding 三包 decision taken at diagnosis, with its explanation (Verdict.as_dict())
    warranty_decision = models.JSONField(_("三包判定"), default=dict, blank=True)
    in_warranty = models.BooleanField(_("在保"), default=False, db_index=True)
    warranty_decided_at = models.DateTimeField(_("三包判定时间"), null=True, blank=True)
    # the 三包 decision's inputs: the consumer's choice and what can be supplied (the engine's Claim)
    warranty_choice = models.CharField(_("消费者选择"), max_length=10, blank=True,
                                       choices=[("refund", _("退货")), ("exchange", _("换货")), ("repair", _("维修"))])
    same_model_in_stock = models.BooleanField(_("有同型号库存"), default=True)
    model_discontinued = models.BooleanField(_("该型号已停产"), default=False)
    consumer_refuses_other_model = models.BooleanField(_("消费者不愿调换其他型号"), default=False)
    accessory_bundled = models.BooleanField(_("随机附件"), default=False,
                                            help_text=_("附件随整机销售（退货时按其单独售价退款）"))
    accessory_price = models.DecimalField(_("附件退货当日单独售价"), max_digits=10, decimal_places=2, null=True,
                                          blank=True)
    battery_measured_mah = models.PositiveIntegerField(_("电池实测容量（mAh）"), null=True, blank=True)
    battery_rated_mah = models.PositiveIntegerField(_("电池额定容量（mAh）"), null=True, blank=True)
    goods_intact = models.BooleanField(_("商品完好"), null=True, blank=True,
                                       help_text=_("七日无理由退货：空表示尚未确认"))
    activation = models.CharField(_("激活情况"), max_length=12, blank=True, choices=[
        ("none", _("未激活")), ("inspection", _("仅为检查质量和功能而激活")), ("used", _("已激活使用"))])
    goods_returned_on = models.DateField(_("商家收到退回商品日期"), null=True, blank=True)
    # the decision's outcome, also inside warranty_decision["decision"]: one remedy, amount, payer
    decision_status = models.CharField(_("处理决定状态"), max_length=12, blank=True)
    decided_remedy = models.CharField(_("决定的处理方式"), max_length=20, blank=True)
    decided_amount = models.DecimalField(_("退款金额"), max_digits=10, decimal_places=2, null=True, blank=True)
    decided_payer = models.CharField(_("费用承担方"), max_length=10, blank=True)
    # time accounting for the 30/60/90-day triggers and for the period extension (C4)
    parts_wait_days = models.PositiveIntegerField(_("待料天数"), default=0)
    awaiting_parts_since = models.DateTimeField(_("开始待料时间"), null=True, blank=True)
    waiting_for_producer_parts = models.BooleanField(_("因生产者缺件待修"), default=False)
    consumer_wait_days = models.PositiveIntegerField(_("等待客户天数"), default=0)
    awaiting_customer_since = models.DateTimeField(_("开始等待客户时间"), null=True, blank=True)
    delay_alerts = models.JSONField(_("延误预警记录"), default=list, blank=True)
    repair_warranty_days = models.PositiveSmallIntegerField(_("维修保修天数"), default=90,
                                                            help_text=_("本次维修本身的保修期（不少于 30 日）"))
    technician_signature = models.ForeignKey("tickets.Attachment", on_delete=models.SET_NULL, null=True,
                                             blank=True, related_name="+", verbose_name=_("工程师签名"))
    customer_signature = models.ForeignKey("tickets.Attachment", on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+", verbose_name=_("客户签名"))

    class Meta:
        verbose_name = _("维修单")
        verbose_name_plural = _("维修单")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(status__in=["passed", "declined", "replaced", "refunded"]),
                name="one_active_repair_per_ticket",
            )
        ]
        indexes = [
            models.Index(fields=["updated_at"], name="repair_order_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"RO-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status not in self.FINAL_STATES

    # -- transitions (field changes only) --------------------------------------------------
    @transition(field=status, source=Status.DIAGNOSING, target=Status.QUOTING)
    def diagnose(self) -> None:
        self.diagnosed_at = timezone.now()

    @transition(field=status, source=[Status.QUOTING, Status.APPROVED, Status.REPAIRING],
                target=Status.AWAITING_APPROVAL)
    def request_approval(self) -> None:
        pass

    @transition(field=status, source=Status.AWAITING_APPROVAL, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=[Status.AWAITING_APPROVAL, Status.QUOTING], target=Status.DECLINED)
    def decline(self) -> None:
        self.returned_at = timezone.now()

    @transition(field=status, source=[Status.APPROVED, Status.REWORK, Status.AWAITING_PARTS],
                target=Status.REPAIRING)
    def start_repair(self) -> None:
        pass

    @transition(field=status, source=Status.REPAIRING, target=Status.AWAITING_PARTS)
    def wait_parts(self) -> None:
        pass

    @transition(field=status, source=Status.REPAIRING, target=Status.QC)
    def submit_qc(self) -> None:
        pass

    @transition(field=status, source=Status.QC, target=Status.PASSED)
    def pass_qc(self) -> None:
        self.returned_at = timezone.now()

    @transition(field=status, source=Status.QC, target=Status.REWORK)
    def fail_qc(self) -> None:
        self.rework_count += 1
        self.returned_at = None

    @transition(field=status, source=[Status.DIAGNOSING, Status.QUOTING, Status.REPAIRING, Status.AWAITING_PARTS],
                target=Status.UNREPAIRABLE)
    def mark_unrepairable(self) -> None:
        pass

    @transition(field=status, source=Status.UNREPAIRABLE, target=Status.REPLACED)
    def replace(self) -> None:
        self.returned_at = timezone.now()

    @transition(field=status, source=Status.UNREPAIRABLE, target=Status.REFUNDED)
    def refund(self) -> None:
        self.returned_at = timezone.now()


class QCQueueOrder(RepairOrder):
    """The QC role's work queue in the admin: repair orders waiting for inspection."""

    class Meta:
        proxy = True
        verbose_name = _("质检队列")
        verbose_name_plural = _("质检队列")
