"""The service request hub: customers, devices, the fault taxonomy, tickets and their timeline.

The ticket's state is an FSM field (django-fsm-2) that only services change; transitions here hold
nothing but field changes. Cross-app foreign keys use lazy strings, so this module imports
no other domain app.
"""

from __future__ import annotations

import re
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ..fsm import ConcurrentTransitionMixin
from ..validators import normalize_phone, validate_category_code, validate_phone

_choice_labels: dict[models.Field, dict] = {}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> str:
        return choice_label(field, getattr(self, field.attname))


def choice_label(field: models.Field, value: object) -> str:
    """What ``get_<field>_display`` shows for ``value``, in the current language.

    Django rebuilds the field's choices as a dict on every call, hashing each translated label (a
    dozen translations to name one state, one channel); lists name them on every row. The labels
    stay lazy in the kept dict, so each call still speaks the request's language."""
    labels = _choice_labels.get(field)
    if labels is None:
        labels = _choice_labels[field] = dict(make_hashable(field.flatchoices))
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


class Region(models.TextChoices):
    NORTH = "north", _("华北")
    EAST = "east", _("华东")
    SOUTH = "south", _("华南")
    CENTRAL = "central", _("华中")
    SOUTHWEST = "southwest", _("西南")
    NORTHWEST = "northwest", _("西北")
    NORTHEAST = "northeast", _("东北")


class ServiceMode(models.TextChoices):
    REMOTE = "remote", _("远程支持")
    MAIL_IN = "mail_in", _("寄修")
    ON_SITE = "on_site", _("上门")
    WALK_IN = "walk_in", _("到店")


class Department(models.TextChoices):
    HARDWARE = "hardware", _("硬件维修")
    SOFTWARE = "software", _("软件支持")
    LOGISTICS = "logistics", _("物流")
    BILLING = "billing", _("账务")
    CUSTOMER_CARE = "customer_care", _("客户关怀")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
    URGENT = "urgent", _("紧急")


class Customer(TimeStampedModel):
    class Tier(models.TextChoices):
        STANDARD = "standard", _("普通")
        GOLD = "gold", _("金卡")
        VIP = "vip", _("VIP")
        ENTERPRISE = "enterprise", _("企业")

    name = models.CharField(_("姓名"), max_length=80)
    phone = models.CharField(
        _("电话"), max_length=20, unique=True, validators=[validate_phone],
        help_text=_("规范化存储：11 位手机号或区号+座机号"),
    )
    email = models.EmailField(_("邮箱"), blank=True)
    tier = models.CharField(_("客户等级"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True, db_index=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    province_code = models.CharField(_("省级区划代码"), max_length=12, blank=True)
    city_code = models.CharField(_("市级区划代码"), max_length=12, blank=True)
    district_code = models.CharField(_("区县区划代码"), max_length=12, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    wechat_openid = models.CharField(_("微信 OpenID"), max_length=64, blank=True)
    preferred_language = models.CharField(_("语言"), max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | (Q(latitude__gte=-90) & Q(latitude__lte=90)),
                name="customer_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | (Q(longitude__gte=-180) & Q(longitude__lte=180)),
                name="customer_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["tier"], name="customer_tier_idx"),
        ]

    def clean(self) -> None:
        # Stored as searched: the admin matches phones exactly or by prefix through an index.
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError:
                pass  # the field's validator has already reported it

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_phone})"

    @property
    def masked_phone(self) -> str:
        from ..masking import mask_phone

        return mask_phone(self.phone)

    @property
    def is_vip(self) -> bool:
        return self.tier in (self.Tier.VIP, self.Tier.ENTERPRISE)


class ProductCategory(models.TextChoices):
    PHONE = "phone", _("手机")
    LAPTOP = "laptop", _("笔记本电脑")
    DESKTOP = "desktop", _("台式电脑")
    TABLET = "tablet", _("平板")
    TV = "tv", _("电视")
    FRIDGE = "fridge", _("冰箱")
    WASHER = "washer", _("洗衣机")
    AIR_CONDITIONER = "air_conditioner", _("空调")
    SMALL_APPLIANCE = "small_appliance", _("小家电")
    WEARABLE = "wearable", _("穿戴设备")


class ProductModel(TimeStampedModel):
    brand = models.CharField(_("品牌"), max_length=40, db_index=True)
    name = models.CharField(_("型号"), max_length=80)
    code = models.CharField(_("型号代码"), max_length=40, unique=True)
    category = models.CharField(_("品类"), max_length=20, choices=ProductCategory.choices, db_index=True)
    released_on = models.DateField(_("上市日期"), null=True, blank=True)
    list_price = models.DecimalField(_("建议零售价"), max_digits=10, decimal_places=2, null=True, blank=True)
    uses_imei = models.BooleanField(_("使用 IMEI"), default=False)
    is_active = models.BooleanField(_("在售"), default=True)

    class Meta:
        verbose_name = _("产品型号")
        verbose_name_plural = _("产品型号")
        ordering = ["brand", "name"]

    def __str__(self) -> str:
        return self.label(str(self.brand), self.name)

    @staticmethod
    def label(brand: str, name: str) -> str:
        """How a model is named to people: "小米 14" already names its brand, so never "小米 小米 14"."""
        return name if name.startswith(brand) else f"{brand} {name}"


class Device(TimeStampedModel):
    class SalesChannel(models.TextChoices):
        STORE = "store", _("线下门店")
        ONLINE = "online", _("线上商城")
        OPERATOR = "operator", _("运营商")
        DISTRIBUTOR = "distributor", _("经销商")
        GIFT = "gift", _("赠品/其他")

    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="devices",
                                      verbose_name=_("产品型号"))
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="devices", null=True, blank=True,
                              verbose_name=_("机主"))
    serial_number = models.CharField(_("序列号/IMEI"), max_length=40, unique=True,
                                     help_text=_("手机填写 15 位 IMEI，其他产品填写序列号"))
    imei2 = models.CharField(_("IMEI 2"), max_length=15, blank=True)
    purchase_date = models.DateField(_("购买日期"), null=True, blank=True)
    invoice_number = models.CharField(_("发票号"), max_length=40, blank=True)
    invoice_date = models.DateField(_("开票日期"), null=True, blank=True)
    delivered_on = models.DateField(_("签收日期"), null=True, blank=True)
    installed_on = models.DateField(_("安装调试完成日期"), null=True, blank=True)
    sales_channel = models.CharField(_("销售渠道"), max_length=16, choices=SalesChannel.choices, blank=True)
    seller = models.CharField(_("销售商"), max_length=100, blank=True)
    purchase_price = models.DecimalField(_("购买价格"), max_digits=10, decimal_places=2, null=True, blank=True)
    region_code = models.CharField(_("购买地区"), max_length=20, blank=True,
                                   help_text=_("省级行政区拼音，如 zhejiang；用于三包地区规定"))
    warranty_restarted_on = models.DateField(_("换机后三包重新起算日"), null=True, blank=True)

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["sales_channel"], name="device_sales_channel_idx"),
        ]

    def clean(self) -> None:
        # Stored as searched: the admin matches serials exactly or by prefix through an index.
        if self.serial_number:
            self.serial_number = re.sub(r"\s", "", self.serial_number).upper()

    def __str__(self) -> str:
        return f"{self.product_model} · {self.serial_number}"


class FaultCategory(TimeStampedModel):
    """A node of the fault taxonomy. Leaves are what tickets are classified into."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级分类"))
    # ``<line>.<family>`` for leaves (phone.display, request.billing), the line alone for parents.
    code = models.CharField(_("代码"), max_length=40, unique=True, validators=[validate_category_code])
    name = models.CharField(_("名称"), max_length=60)
    product_categories = models.JSONField(_("适用品类"), default=list, blank=True,
                                          help_text=_("为空表示所有品类"))
    department = models.CharField(_("处理部门"), max_length=16, choices=Department.choices,
                                  default=Department.HARDWARE)
    default_priority = models.CharField(_("默认优先级"), max_length=10, choices=Priority.choices,
                                        default=Priority.NORMAL)
    default_service_mode = models.CharField(_("默认服务方式"), max_length=10, choices=ServiceMode.choices,
                                            default=ServiceMode.WALK_IN)
    required_skill = models.CharField(_("所需技能"), max_length=40, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("故障分类")
        verbose_name_plural = _("故障分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    STORE = "store", _("门店")
    WEB = "web", _("网页")
    APP = "app", _("App")
    MINI_PROGRAM = "mini_program", _("小程序")
    ECOMMERCE = "ecommerce", _("电商平台")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=Ticket.CLOSED_STATES)

    def for_center(self, center_ids):
        return self.filter(service_center_id__in=center_ids)


class TicketSequence(models.Model):
    """Per-day counter behind human-readable ticket numbers (SR20261122-000123)."""

    day = models.DateField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单号序列")
        verbose_name_plural = _("工单号序列")

    def __str__(self) -> str:
        return f"{self.day}: {self.value}"


def _new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class Ticket(ConcurrentTransitionMixin, TimeStampedModel):
    class Status(models.TextChoices):
        NEW = "new", _("新建")
        TRIAGED = "triaged", _("已分类")
        ASSIGNED = "assigned", _("已派工")
        IN_PROGRESS = "in_progress", _("处理中")
        WAITING_CUSTOMER = "waiting_customer", _("等待客户")
        WAITING_PARTS = "waiting_parts", _("等待备件")
        QUALITY_CHECK = "quality_check", _("质检中")
        READY = "ready", _("待取机")
        RESOLVED = "resolved", _("已解决")
        CLOSED = "closed", _("已关闭")
        REOPENED = "reopened", _("已重开")
        CANCELLED = "cancelled", _("已取消")

    OPEN_STATES = [
        Status.NEW, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER,
        Status.WAITING_PARTS, Status.QUALITY_CHECK, Status.READY, Status.REOPENED,
    ]
    CLOSED_STATES = [Status.RESOLVED, Status.CLOSED, Status.CANCELLED]
    PAUSED_STATES = [Status.WAITING_CUSTOMER, Status.WAITING_PARTS]

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("工单号"), max_length=24, unique=True, editable=False)
    tracking_token = models.CharField(_("查询令牌"), max_length=64, unique=True, default=_new_tracking_token,
                                      editable=False)
    # Looked up through the indexes that lead with it (state and due time, centre and state); one of
    # its own (two, with the pattern index) only cost every transition.
    status = FSMField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW, protected=True)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets",
                                 verbose_name=_("客户"))
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="tickets", null=True, blank=True,
                               verbose_name=_("设备"))
    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="tickets", null=True,
                                      blank=True, verbose_name=_("产品型号"))
    title = models.CharField(_("标题"), max_length=120, blank=True)
    description = models.TextField(_("故障描述"))
    fault_category = models.ForeignKey(FaultCategory, on_delete=models.PROTECT, related_name="tickets",
                                       null=True, blank=True, verbose_name=_("故障分类"))
    predicted_category = models.ForeignKey(FaultCategory, on_delete=models.SET_NULL, related_name="+", null=True,
                                           blank=True, verbose_name=_("预测分类"))
    prediction_confidence = models.FloatField(_("分类置信度"), null=True, blank=True)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL,
                                db_index=True)
    department = models.CharField(_("处理部门"), max_length=16, choices=Department.choices, blank=True)
    service_mode = models.CharField(_("服务方式"), max_length=10, choices=ServiceMode.choices, blank=True)
    # Both are indexed by the composite indexes that lead with them (see Meta).
    service_center = models.ForeignKey("repairs.ServiceCenter", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="tickets", verbose_name=_("服务网点"), db_index=False)
    technician = models.ForeignKey("repairs.Technician", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="tickets", verbose_name=_("负责工程师"), db_index=False)
    # Where the service happens (on-site) or where the customer is; copied from the customer at intake.
    # The codes (national administrative divisions) decide which centres serve the ticket.
    province = models.CharField(_("省份"), max_length=30, blank=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    province_code = models.CharField(_("省级区划代码"), max_length=12, blank=True)
    city_code = models.CharField(_("市级区划代码"), max_length=12, blank=True)
    district_code = models.CharField(_("区县区划代码"), max_length=12, blank=True)
    address = models.CharField(_("服务地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    price_min = models.DecimalField(_("预估价格下限"), max_digits=10, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("预估价格上限"), max_digits=10, decimal_places=2, null=True, blank=True)
    warranty_preview = models.JSONField(_("三包预判"), default=dict, blank=True)
    # What an unproven reporter (web form, e-mail, API) typed as name and e-mail. Kept on the ticket,
    # never written onto the customer found by phone: knowing a phone number proves nothing.
    reported_contact = models.JSONField(_("报修人填写的联系方式"), default=dict, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="duplicates", verbose_name=_("重复于"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("派工时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    resolution = models.TextField(_("处理结果"), blank=True)
    due_response_at = models.DateTimeField(_("响应截止"), null=True, blank=True, db_index=True)
    due_resolution_at = models.DateTimeField(_("解决截止"), null=True, blank=True, db_index=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at"]
        permissions = [
            ("triage_ticket", _("可分类工单")),
            ("assign_ticket", _("可派工")),
            ("work_ticket", _("可处理工单")),
            ("qc_ticket", _("可质检")),
            ("close_ticket", _("可关闭/取消工单")),
            ("view_all_centers", _("可查看所有网点工单")),
            ("view_full_contact", _("可查看客户完整联系方式")),
        ]
        indexes = [
            models.Index(fields=["channel", "created_at"], name="ticket_channel_idx"),
            models.Index(fields=["department", "created_at"], name="ticket_department_idx"),
            models.Index(fields=["service_mode", "created_at"], name="ticket_mode_idx"),
            models.Index(fields=["status", "due_resolution_at"], name="ticket_status_due_idx"),
            models.Index(fields=["service_center", "status"], name="ticket_center_status_idx"),
            models.Index(fields=["technician", "status"], name="ticket_tech_status_idx"),
            # a technician's job list, newest first, read as a range from the page's cursor on
            models.Index(fields=["technician", "id"], name="ticket_tech_id_idx"),
            # the agents' home queues, oldest first: only the tickets in that state are indexed, so the page
            # reads its first rows directly instead of sorting every waiting ticket (or, for new tickets,
            # walking the creation index through years of history to reach today's)
            models.Index(fields=["created_at"], condition=Q(status="new"), name="ticket_new_queue_idx"),
            models.Index(fields=["updated_at"], condition=Q(status="waiting_customer"),
                         name="ticket_waiting_queue_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_min__isnull=True) | Q(price_max__isnull=True) | Q(price_min__lte=models.F("price_max")),
                name="ticket_price_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("admin:tickets_ticket_change", args=[self.pk])

    def get_tracking_url(self) -> str:
        return f"/t/{self.tracking_token}/"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATES

    # -- transitions: field changes only; services do the rest -------------------

    @transition(field=status, source=Status.NEW, target=Status.TRIAGED)
    def triage(self) -> None:
        pass

    @transition(field=status, source=[Status.TRIAGED, Status.REOPENED, Status.ASSIGNED], target=Status.ASSIGNED)
    def assign(self) -> None:
        self.assigned_at = timezone.now()
        if self.first_response_at is None:
            self.first_response_at = self.assigned_at

    @transition(field=status, source=Status.ASSIGNED, target=Status.TRIAGED)
    def release(self) -> None:
        """Back to the dispatch queue (the technician declined and nobody else was found)."""
        self.technician = None

    @transition(field=status, source=Status.ASSIGNED, target=Status.IN_PROGRESS)
    def start(self) -> None:
        if self.first_response_at is None:
            self.first_response_at = timezone.now()

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.WAITING_CUSTOMER)
    def wait_customer(self) -> None:
        pass

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.WAITING_PARTS)
    def wait_parts(self) -> None:
        pass

    @transition(field=status, source=[Status.WAITING_CUSTOMER, Status.WAITING_PARTS], target=Status.IN_PROGRESS)
    def resume(self) -> None:
        pass

    @transition(field=status, source=Status.IN_PROGRESS, target=Status.QUALITY_CHECK)
    def submit_qc(self) -> None:
        pass

    @transition(field=status, source=Status.QUALITY_CHECK, target=Status.READY)
    def pass_qc(self) -> None:
        pass

    @transition(field=status, source=Status.QUALITY_CHECK, target=Status.IN_PROGRESS)
    def rework(self) -> None:
        self.rework_count += 1

    @transition(field=status, source=[Status.IN_PROGRESS, Status.READY], target=Status.RESOLVED)
    def resolve(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.REOPENED)
    def reopen(self) -> None:
        self.reopen_count += 1
        self.resolved_at = None

    @transition(field=status, source=OPEN_STATES, target=Status.CANCELLED)
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()


class TicketEvent(models.Model):
    """One row of a ticket's timeline and audit log, written by services in the same transaction."""

    # Indexed by ``event_ticket_time_idx``, which leads with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("工单"),
                               db_index=False)
    kind = models.CharField(_("事件类型"), max_length=40, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("操作人"))
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    message = models.TextField(_("说明"), blank=True)
    customer_visible = models.BooleanField(_("客户可见"), default=False)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_time_idx"),
            models.Index(fields=["customer_visible", "created_at"], name="event_visible_idx"),
        ]

    def __str__(self) -> str:
        from ..events import event_label

        return event_label(self.kind)


def attachment_path(instance: Attachment, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:8]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class Attachment(TimeStampedModel):
    class Kind(models.TextChoices):
        IMAGE = "image", _("图片")
        VIDEO = "video", _("视频")
        SIGNATURE = "signature", _("签名")
        DOCUMENT = "document", _("文件")

    class Purpose(models.TextChoices):
        REPORT = "report", _("报修照片")
        BEFORE = "before", _("维修前")
        AFTER = "after", _("维修后")
        EVIDENCE = "evidence", _("证据")
        EMAIL = "email", _("邮件附件")
        OTHER = "other", _("其他")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("工单"))
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.IMAGE)
    purpose = models.CharField(_("用途"), max_length=12, choices=Purpose.choices, default=Purpose.REPORT)
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    content_type = models.CharField(_("MIME 类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    width = models.PositiveIntegerField(_("宽"), null=True, blank=True)
    height = models.PositiveIntegerField(_("高"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    customer_visible = models.BooleanField(_("客户可见"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="attachment_kind_idx"),
            models.Index(fields=["purpose", "created_at"], name="attachment_purpose_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name or self.file.name


__all__ = [
    "TimeStampedModel", "Region", "ServiceMode", "Department", "Priority", "Customer", "ProductCategory",
    "ProductModel", "Device", "FaultCategory", "Channel", "TicketQuerySet", "TicketSequence", "Ticket",
    "TicketEvent", "Attachment", "attachment_path",
]
