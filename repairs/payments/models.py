"""Money collected for a repair (one settled payment per repair order) and the refunds of it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import TimeStampedModel


class Payment(TimeStampedModel):
    """One attempt to collect a repair order's approved quote, online or at the counter.

    Online attempts start ``pending`` with the gateway order created; the gateway's signed
    notification settles them. Cash and transfer are recorded by staff as ``paid`` at once. At most
    one payment of a repair order is ever settled (paid or refunded): a second successful charge is
    kept as ``duplicate`` and refunded in full.
    """

    class Method(models.TextChoices):
        WECHAT_NATIVE = "wechat_native", _("微信支付（扫码）")
        WECHAT_JSAPI = "wechat_jsapi", _("微信支付（公众号）")
        ALIPAY = "alipay", _("支付宝")
        CASH = "cash", _("现金")
        TRANSFER = "transfer", _("银行转账")

    ONLINE = (Method.WECHAT_NATIVE, Method.WECHAT_JSAPI, Method.ALIPAY)

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
        REFUNDED = "refunded", _("已退款")
        CLOSED = "closed", _("已关闭")
        DUPLICATE = "duplicate", _("重复支付")

    SETTLED = (Status.PAID, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="payments",
                               verbose_name=_("工单"))
    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.PROTECT, related_name="payments",
                                     verbose_name=_("维修单"))
    quote = models.ForeignKey("repairs.Quote", on_delete=models.PROTECT, related_name="+", verbose_name=_("报价单"))
    method = models.CharField(_("支付方式"), max_length=16, choices=Method.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    refunded_amount = models.DecimalField(_("已退金额"), max_digits=10, decimal_places=2, default=Decimal("0.00"))
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    gateway_trade_no = models.CharField(_("支付平台交易号"), max_length=64, blank=True)
    checkout_url = models.CharField(_("支付链接"), max_length=2000, blank=True,
                                    help_text=_("微信 code_url 或支付宝收银台地址"))
    payer = models.CharField(_("付款账户"), max_length=80, blank=True)
    reference = models.CharField(_("凭证号"), max_length=60, blank=True, help_text=_("现金收据号或转账流水号"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("维修收款")
        verbose_name_plural = _("维修收款")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["method", "created_at"], name="payment_method_idx")]
        constraints = [
            # the database's word that a repair is never charged twice, whatever the interface
            models.UniqueConstraint(fields=["repair_order"],
                                    condition=Q(status__in=["paid", "partially_refunded", "refunded"]),
                                    name="payment_one_settled_per_order"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                                   name="payment_refund_within_amount"),
        ]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def amount_fen(self) -> int:
        return int((self.amount * 100).to_integral_value())

    @property
    def is_online(self) -> bool:
        return self.method in self.ONLINE

    @property
    def refundable(self) -> Decimal:
        return self.amount - self.refunded_amount


class PaymentNotification(models.Model):
    """A gateway notification already processed: the same notification delivered again (gateways
    retry until acknowledged) is recognised by its id and changes nothing."""

    gateway = models.CharField(_("支付平台"), max_length=10)
    notify_id = models.CharField(_("通知 ID"), max_length=80)
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, db_index=True)
    outcome = models.CharField(_("处理结果"), max_length=20)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    payload = models.JSONField(_("通知内容"), default=dict)

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["-received_at"], name="paynotice_received_idx")]
        constraints = [models.UniqueConstraint(fields=["gateway", "notify_id"], name="payment_notification_once")]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.notify_id}"


class Refund(TimeStampedModel):
    """Money returned on a settled payment, backed by the 三包 decision (or a duplicate charge)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("退款中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    class Basis(models.TextChoices):
        WARRANTY = "warranty", _("三包决定")
        DUPLICATE = "duplicate", _("重复支付")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("收款"))
    out_refund_no = models.CharField(_("退款单号"), max_length=64, unique=True)
    amount = models.DecimalField(_("退款金额"), max_digits=10, decimal_places=2)
    basis = models.CharField(_("退款依据"), max_length=10, choices=Basis.choices)
    reason = models.CharField(_("退款原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    gateway_refund_no = models.CharField(_("平台退款单号"), max_length=64, blank=True)
    failure = models.CharField(_("失败原因"), max_length=300, blank=True)
    succeeded_at = models.DateTimeField(_("退款完成时间"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("经办人"))

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return self.out_refund_no


class PaymentDeferral(TimeStampedModel):
    """A paid repair handed back before its money arrives, on a staff member's word: a corporate
    account settled monthly (月结) or a charge put on account (挂账).

    Without a settled payment or one of these, a repair that asks for money is not handed back (the
    hand-back guard). It is bound to the approved quote it defers: a new quote version asks again.
    It settles nothing: the payment is still recorded when the money comes, and the e-invoice still
    waits for it.
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("月结")
        ON_ACCOUNT = "on_account", _("挂账")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="payment_deferrals",
                               verbose_name=_("工单"))
    repair_order = models.ForeignKey("repairs.RepairOrder", on_delete=models.PROTECT,
                                     related_name="payment_deferrals", verbose_name=_("维修单"))
    quote = models.ForeignKey("repairs.Quote", on_delete=models.PROTECT, related_name="+", verbose_name=_("报价单"))
    kind = models.CharField(_("方式"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("暂缓金额"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200, help_text=_("例如：企业客户月结协议编号、挂账审批人"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("登记人"))

    class Meta:
        verbose_name = _("暂缓收款（月结/挂账）")
        verbose_name_plural = _("暂缓收款（月结/挂账）")
        ordering = ["-created_at"]
        # the admin list filters by kind (monthly accounts vs on account) newest first
        indexes = [models.Index(fields=["kind", "-created_at"], name="payment_deferral_kind_idx")]
        constraints = [
            models.UniqueConstraint(fields=["repair_order", "quote"], name="payment_deferral_once_per_quote"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_deferral_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"
