"""The fee of a case (网上缴费) and how it was paid.

A case whose matter (or bundle) has a fee gets one ``Payment``; it is paid online through the
gateway (``settings.PAYMENT_GATEWAY``) or recorded by a clerk at the counter, and refunded when
the case is denied after payment. Exactly one successful charge per case.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("待缴费")
    PAID = "paid", _("已缴费")
    REFUNDED = "refunded", _("已退费")
    # Denied before anything was paid: nothing is owed any more.
    CANCELLED = "cancelled", _("已取消")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("网上缴费")
    COUNTER = "counter", _("窗口缴费")


class Payment(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="payment")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    method = models.CharField(
        _("缴费方式"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    # The order number at the gateway (or the counter receipt's number).
    reference = models.CharField(_("缴费单号"), max_length=64, unique=True)
    gateway = models.CharField(_("支付渠道"), max_length=20, blank=True)
    counter_receipt = models.CharField(_("窗口收据号"), max_length=64, blank=True)
    paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退费时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收费人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The order at the gateway: the idempotency key it was placed with (the same key always
    # names the same order), its number there, where the payer pays, and when it was placed.
    idempotency_key = models.UUIDField(_("幂等键"), default=uuid.uuid4, editable=False)
    order_id = models.CharField(_("支付订单号"), max_length=64, blank=True)
    gateway_url = models.URLField(_("支付页面"), max_length=500, blank=True)
    ordered_at = models.DateTimeField(_("下单时间"), null=True, blank=True)
    # A refund recorded here and not yet confirmed by the gateway (sent by a task, retried by
    # the reconciliation).
    refund_sent_at = models.DateTimeField(_("退费提交时间"), null=True, blank=True)
    # When the reconciliation last asked the gateway about the order (oldest first).
    checked_at = models.DateTimeField(_("对账时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("缴费")
        verbose_name_plural = _("缴费")
        indexes = [models.Index(fields=["status", "created_at"], name="payment_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(paid_at__isnull=False, method__gt=""),
                name="payment_paid_has_time_and_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.amount} ({self.get_status_display()})"


class StrayCharge(models.Model):
    """Money the gateway took that the case does not keep (an order paid after the fee was
    paid at the counter or by another order, or after the case stopped being payable): it is
    recorded here and paid back through the gateway (sent by a task, retried by the
    reconciliation)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="stray_charges")
    order_id = models.CharField(_("支付订单号"), max_length=64, unique=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    refund_sent_at = models.DateTimeField(_("退费提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待退还的重复支付")
        verbose_name_plural = _("待退还的重复支付")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.amount}"
