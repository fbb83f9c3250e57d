"""Courier shipments of results (快递送达): one per case, one waybill per shipment."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("待下单")
    REQUESTED = "requested", _("已下单")
    PICKED_UP = "picked_up", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    DELIVERED = "delivered", _("已签收")
    FAILED = "failed", _("投递失败")


OPEN_STATUSES = (
    ShipmentStatus.PENDING,
    ShipmentStatus.REQUESTED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
)


class Shipment(models.Model):
    """The result of a case on its way to the applicant."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="shipment")
    receiver = models.CharField(_("收件人"), max_length=50)
    phone = models.CharField(_("收件电话"), max_length=11)
    province = models.CharField(_("省"), max_length=20)
    city = models.CharField(_("市"), max_length=20)
    district = models.CharField(_("区/县"), max_length=20)
    address = models.CharField(_("详细地址"), max_length=200)
    # Sent to the courier with the order: a repeat of the same order gets the same waybill.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    waybill = models.CharField(_("运单号"), max_length=40, null=True, blank=True, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("下单尝试"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("快递")
        verbose_name_plural = _("快递")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.waybill or f"{self.case_id} ({self.get_status_display()})"


class ShipmentEvent(models.Model):
    """One step of a shipment's history (from the courier's tracking or our own)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("状态"), max_length=12, choices=ShipmentStatus.choices)
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # The courier's id for the update: a repeat (webhook redelivery, poll) is ignored.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("快递轨迹")
        verbose_name_plural = _("快递轨迹")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} {self.at}"
